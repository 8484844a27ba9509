"""Fill-in-the-blank, numerical and matching answers are edited field by field, as choice questions are: the stored
answer is shown in rows, saved from rows, and a wrong row is named in the error; nothing half-written."""

import pytest
from django.urls import reverse

from exams.models import Question
from tests.exams.test_admin import _question_post, bank, zh  # noqa: F401  (bank is a fixture)

pytestmark = pytest.mark.django_db


def _edit(client, user, bank, qtype):  # noqa: F811
    client.force_login(user)
    q = Question.objects.get(bank=bank, type=qtype)
    return q, reverse("exams_question:edit", args=[q.pk])


def test_short_answer_rows_show_and_save_the_accepted_answers(client, training_admin_east, bank):  # noqa: F811
    q, url = _edit(client, training_admin_east, bank, "short_answer")
    form = client.get(url).context["form"]
    assert form["answer_1_text"].value() == "当场处罚" and form["answer_2_text"].value() == "简易"
    assert form["content"].value() in ("{}", {}, "")  # not shown as JSON
    resp = client.post(
        url,
        _question_post(
            bank,
            q,
            answer_1_text="当场处罚",
            answer_2_text="简易",
            answer_2_weight="50",
            answer_2_feedback="不够完整",
            answer_case_sensitive="",
        ),
    )
    assert resp.status_code == 302, resp.context["form"].errors
    q.refresh_from_db()
    assert q.content["answers"] == [
        {"text": "当场处罚", "fraction": 1.0, "feedback": None},
        {"text": "简易", "fraction": 0.5, "feedback": "不够完整"},
    ]
    assert q.version == 2 and q.current_version.data["answers"][1]["fraction"] == 0.5


def test_numerical_rows_save_numbers_with_tolerances(client, training_admin_east, bank):  # noqa: F811
    q, url = _edit(client, training_admin_east, bank, "numerical")
    assert client.get(url).context["form"]["number_1_value"].value() == 3
    resp = client.post(
        url,
        _question_post(
            bank,
            q,
            number_1_value="3",
            number_1_tolerance="0",
            number_2_value="2.5",
            number_2_tolerance="0.5",
            number_2_weight="50",
        ),
    )
    assert resp.status_code == 302, resp.context["form"].errors
    q.refresh_from_db()
    assert [(a["value"], a["tolerance"], a["fraction"]) for a in q.content["answers"]] == [
        (3.0, 0.0, 1.0),
        (2.5, 0.5, 0.5),
    ]


def test_matching_rows_save_pairs_and_extra_wrong_answers(client, training_admin_east, bank):  # noqa: F811
    q, url = _edit(client, training_admin_east, bank, "matching")
    form = client.get(url).context["form"]
    assert (
        form["pair_1_left"].value() == "安全生产法（2021修正）"
        and form["pair_3_right"].value() == "2000年1月1日"
    )
    resp = client.post(
        url,
        _question_post(
            bank,
            q,
            pair_1_left="甲",
            pair_1_right="一",
            pair_2_left="乙",
            pair_2_right="二",
            pair_3_right="三",
        ),
    )
    assert resp.status_code == 302, resp.context["form"].errors
    q.refresh_from_db()
    assert q.content["pairs"] == [
        {"left": "甲", "right": "一"},
        {"left": "乙", "right": "二"},
        {"left": "", "right": "三"},
    ]


def test_editor_errors_name_the_row_and_write_nothing(client, training_admin_east, bank):  # noqa: F811
    q, url = _edit(client, training_admin_east, bank, "matching")
    before = q.content
    resp = client.post(url, _question_post(bank, q, pair_1_left="甲", pair_1_right="一", pair_2_left="乙"))
    assert resp.status_code == 200
    assert zh("Enter what this item matches.") in str(resp.context["form"].errors["pair_2_right"])
    q.refresh_from_db()
    assert q.content == before

    q, url = _edit(client, training_admin_east, bank, "short_answer")
    resp = client.post(url, _question_post(bank, q, answer_1_text="简易", answer_1_weight="50"))
    assert zh("At least one accepted answer must be fully right.") in str(
        resp.context["form"].errors["answer_1_text"]
    )
    q, url = _edit(client, training_admin_east, bank, "numerical")
    resp = client.post(url, _question_post(bank, q, number_1_tolerance="1"))
    assert zh("Enter the number.") in str(resp.context["form"].errors["number_1_value"])


def test_new_question_of_each_edited_type_from_rows(client, training_admin_east, bank):  # noqa: F811
    client.force_login(training_admin_east)
    page = client.get(reverse("exams_question:add")).content.decode()
    for name in ("answer_1_text", "number_1_value", "pair_1_left", "option_a_text", "true_false_answer"):
        assert f'name="{name}"' in page
    assert "exams/question_form.js" in page  # shows only the chosen type's editor
    template = Question.objects.get(bank=bank, type="numerical")
    resp = client.post(
        reverse("exams_question:add"),
        _question_post(bank, template, stem="新题：较大事故死亡人数下限？", number_1_value="10"),
    )
    assert resp.status_code == 302, resp.context["form"].errors
    made = Question.objects.get(stem="新题：较大事故死亡人数下限？")
    assert made.content["answers"][0]["value"] == 10.0


def test_row_labels_are_in_chinese(client, training_admin_east, bank):  # noqa: F811
    client.force_login(training_admin_east)
    page = client.get(reverse("exams_question:add")).content.decode()
    assert "Accepted answer" not in page and "Option A" not in page and "Item 1" not in page
    assert "参考答案 1" in page and "选项A" in page.replace(" ", "") and "题项 1" in page
