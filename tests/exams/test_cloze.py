"""Cloze (embedded answers) questions: Moodle XML in and out, grading per part with Moodle's weights, and the
attempt page never carrying an answer key."""

import json

import pytest
from django.urls import reverse

from exams import grading, paper, services
from exams.formats import dump, parse
from exams.models import Attempt
from tests.exams.conftest import make_bank, make_exam

CLOZE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="cloze"><name><text>事故报告</text></name>
<questiontext format="html"><text><![CDATA[<p>发生事故后，单位负责人应当立即组织{2:SHORTANSWER:=抢救#对~=救援#也对~*#不对}，
并于{1:NUMERICAL:=1:0#正确}小时内报告；报告对象是{1:MULTICHOICE:当地公安机关~=应急管理部门#正确~卫生部门}。</p>]]></text>
</questiontext><generalfeedback format="html"><text>见《安全生产法》第八十三条。</text></generalfeedback>
</question></quiz>"""


def _cloze():
    result = parse(CLOZE_XML.encode(), "moodle-xml")
    assert result.ok, result.errors
    [q] = result.questions
    return q


def test_moodle_cloze_is_read_with_its_parts_and_worth_the_sum_of_their_weights():
    q = _cloze()
    assert q["type"] == "cloze"
    assert [p["kind"] for p in q["parts"]] == ["short_answer", "numerical", "single_choice"]
    assert [p["weight"] for p in q["parts"]] == [2, 1, 1]
    assert q["points"] == 4.0
    assert q["stem"].count("____") == 3 and "{" not in q["stem"]
    assert [c["text"] for c in q["parts"][2]["choices"]] == ["当地公安机关", "应急管理部门", "卫生部门"]


def test_cloze_round_trips_through_moodle_xml_and_json():
    q = _cloze()
    for fmt in ("moodle-xml", "json"):
        [back] = parse(dump([q], fmt), fmt).questions
        assert back == q, fmt


def test_cloze_is_graded_per_part_with_moodle_weights():
    q = _cloze()
    assert grading.grade(q, ["救援", "1", 1]).fraction == pytest.approx(1.0)
    # the short answer counts twice: right there, wrong elsewhere → 2/4
    assert grading.grade(q, ["抢救", "3", 0]).fraction == pytest.approx(0.5)
    assert grading.grade(q, ["火灾", "1", 1]).fraction == pytest.approx(0.5)
    assert not grading.grade(q, ["", "", None]).answered


def test_case_sensitive_short_answers_are_graded_case_sensitively():
    xml = """<quiz><question type="shortanswer"><name><text>化学式</text></name>
    <questiontext format="html"><text>氯化钠的化学式</text></questiontext><usecase>1</usecase>
    <answer fraction="100"><text>NaCl</text></answer></question></quiz>"""
    [q] = parse(xml.encode(), "moodle-xml").questions
    assert q["case_sensitive"] is True
    assert grading.grade(q, ["NaCl"]).fraction == 1.0
    assert grading.grade(q, ["nacl"]).fraction == 0.0
    [back] = parse(dump([q], "moodle-xml"), "moodle-xml").questions
    assert back["case_sensitive"] is True


def test_gift_export_leaves_out_a_cloze_and_names_it():
    q = _cloze()
    plain = {"type": "true_false", "stem": "安全第一", "answer": True}
    warnings = []
    text = dump([q, plain], "gift", warnings=warnings).decode()
    assert "安全第一" in text and "事故报告" not in text
    assert len(warnings) == 1 and "事故报告" in str(warnings[0])


def test_public_cloze_has_no_answer_key_and_maps_answers_back():
    q = _cloze()
    public = paper.public_question(q, [])
    text = json.dumps(public, ensure_ascii=False)
    for secret in ("fraction", "feedback", "抢救", "救援", "answers", "见《安全生产法》"):
        assert secret not in text
    stored = paper.answer_from_display(q, [], json.dumps(["救援", "1", 1]))
    assert stored == ["救援", "1", 1]
    assert paper.answer_from_display(q, [], json.dumps(["x", "2", 9])) == ["x", "2", None]
    assert json.loads(paper.answer_to_display(q, [], stored)) == stored


@pytest.mark.django_db
def test_attempt_page_shows_cloze_inputs_but_no_answer_key(client, trainee):
    bank = make_bank("CLOZE", [_cloze()])
    exam = make_exam(bank)
    client.force_login(trainee.user)
    client.post(reverse("exams:exam_start", args=[exam.pk]))
    attempt = Attempt.objects.get(officer=trainee)
    body = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert 'name="cloze-q' in body and "应急管理部门" in body  # the options are shown
    for secret in ("抢救", "救援", "对~", '"fraction"', "第八十三条", "也对"):
        assert secret not in body, secret


@pytest.mark.django_db
def test_admin_edits_a_cloze_in_moodle_syntax(client, training_admin_east, district_east):
    bank = make_bank("CLOZEADM", [_cloze()])
    bank.unit = district_east
    bank.save(update_fields=["unit"])
    question = bank.questions.get()
    client.force_login(training_admin_east)
    edit_url = reverse("exams_question:edit", args=[question.pk])
    page = client.get(edit_url).content.decode()
    assert "{2:SHORTANSWER:=抢救#对~=救援#也对~*#不对}" in page  # the parts are written into the stem
    stem = "事故发生后{2:SHORTANSWER:=抢救}，于{1:NUMERICAL:=1:0}小时内报告，报告{1:MULTICHOICE:=应急管理部门~卫生部门}。"
    payload = {
        "bank": bank.pk,
        "type": "cloze",
        "title": "事故报告",
        "stem": stem,
        "stem_format": "plain",
        "content": "",
        "explanation": "见第八十三条",
        "legal_basis": "",
        "difficulty": 3,
        "points": "4",
        "tags": "",
        "status": "published",
    }
    resp = client.post(edit_url, payload)
    assert resp.status_code == 302, resp.context["form"].errors if resp.context else resp
    question.refresh_from_db()
    assert question.stem == "事故发生后____，于____小时内报告，报告____。"
    assert [p["kind"] for p in question.content["parts"]] == ["short_answer", "numerical", "single_choice"]
    assert question.points == 4
    bad = client.post(edit_url, {**payload, "stem": "没有空的题干"})
    assert bad.status_code == 200 and list(bad.context["form"].errors) == ["stem"]


@pytest.mark.django_db
def test_cloze_answer_autosaves_as_the_page_sends_it_and_is_graded_on_submit(client, trainee):
    bank = make_bank("CLOZESAVE", [_cloze()])
    exam = make_exam(bank)
    client.force_login(trainee.user)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    # what exams/cloze.js puts in the hidden field
    page_value = json.dumps(["救援", "3", 1], ensure_ascii=False)
    resp = client.post(
        reverse("exams:attempt_save", args=[attempt.pk]),
        json.dumps({"position": 1, "seq": 1, "answer": page_value}),
        content_type="application/json",
    )
    assert resp.json()["ok"] and json.loads(resp.json()["answer"]) == ["救援", "3", 1]
    response = attempt.responses.get()
    assert response.answer == ["救援", "3", 1]
    done = services.submit_attempt(attempt=attempt, by=trainee.user)
    response.refresh_from_db()
    # short answer (weight 2) and choice (1) right, number (1) wrong: 3 of 4 weights of the question's 4 points
    assert response.auto_score == 3 and done.score == 3


def test_cloze_without_javascript_saves_the_parts_the_examinee_changed(client, trainee):
    bank = make_bank("CLOZEFORM", [_cloze()])
    exam = make_exam(bank)
    client.force_login(trainee.user)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    # the no-JavaScript form: the hidden field still holds the answer as loaded (nothing), the parts hold the input
    resp = client.post(
        reverse("exams:attempt_form_save", args=[attempt.pk]),
        {"q1": "", "cloze-q1-0": "抢救", "cloze-q1-1": "1", "cloze-q1-2": "1"},
    )
    assert resp.status_code == 302
    assert attempt.responses.get().answer == ["抢救", "1", 1]
