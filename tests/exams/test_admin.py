"""Staff screens: questions (versions, preview, bulk publish), import with dry-run, results scoped to the
staff user's subtree with xlsx export, attempt review, marking queue denials, item statistics."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from exams import services
from exams.models import Attempt, ImportJob, Question
from tests.exams.conftest import make_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(district_east):
    """The bank of these screens belongs to 东城区, so its training admin (training_admin_east) may change it."""
    from tests.exams.conftest import make_bank

    owned = make_bank(n_single=10)
    owned.unit = district_east
    owned.save(update_fields=["unit"])
    return owned


GIFT = "$CATEGORY: 法律法规/突发事件应对法\n\n::T1::突发事件分为几级预警？{=四级 ~三级 ~五级}\n\n::T2::应急预案应当定期修订。{T}\n".encode()


def essay_attempt(officer, bank):
    exam = make_exam(
        bank,
        rules=[
            {"question_type": "essay", "count": 1, "points": Decimal("10")},
            {"question_type": "single_choice", "count": 2},
        ],
    )
    attempt = services.start_attempt(exam=exam, officer=officer, by=officer.user)
    essay = attempt.responses.get(question__type="essay")
    services.save_answer(attempt_id=attempt.pk, officer=officer, position=essay.position, raw="先排查", seq=1)
    return services.submit_attempt(attempt=attempt, by=officer.user), essay


def test_question_screens_and_new_version_on_edit(client, training_admin_east, bank):
    client.force_login(training_admin_east)
    assert client.get(reverse("exams_question:index") + "?type=true_false&q=方针").status_code == 200
    q = Question.objects.get(bank=bank, type="true_false")
    preview = client.get(reverse("exams_question_preview", args=[q.pk]))
    assert preview.status_code == 200 and q.stem in preview.content.decode()
    edit_url = reverse("exams_question:edit", args=[q.pk])
    assert client.get(edit_url).status_code == 200
    resp = client.post(
        edit_url,
        {
            "bank": bank.pk,
            "category": q.category_id,
            "type": "true_false",
            "title": "",
            "stem": q.stem + "（修订）",
            "stem_format": "plain",
            "content": '{"answer": true, "feedback": {"true": null, "false": null}}',
            "explanation": "x",
            "legal_basis": "",
            "difficulty": 2,
            "points": "1",
            "tags": "",
            "status": "published",
        },
    )
    assert resp.status_code == 302, resp.context["form"].errors if resp.context else resp
    q.refresh_from_db()
    assert q.version == 2 and q.current_version.data["stem"].endswith("（修订）")


def test_bulk_publish(client, training_admin_east, bank):
    Question.objects.filter(bank=bank, type="essay").update(status="draft")
    client.force_login(training_admin_east)
    url = reverse("exams_question_bulk_publish") + "?status=draft"
    assert client.get(url).status_code == 200
    client.post(url)
    assert not Question.objects.filter(status="draft").exists()


def test_import_dry_run_then_confirm(client, training_admin_east, bank):
    client.force_login(training_admin_east)
    before = Question.objects.count()
    resp = client.post(
        reverse("exams_import"),
        {"bank": bank.pk, "format": "auto", "publish": "on", "file": SimpleUploadedFile("q.gift", GIFT)},
        follow=True,  # the upload only stores the file; the worker checks it, the status page shows the preview
    )
    assert resp.status_code == 200 and "confirm-import" in resp.content.decode()
    assert Question.objects.count() == before  # the preview writes no question
    job = ImportJob.objects.get()
    client.post(reverse("exams_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Question.objects.count() == before + 2
    bad = client.post(
        reverse("exams_import"),
        {"bank": bank.pk, "format": "gift", "file": SimpleUploadedFile("bad.gift", b"::X:: broken {=\n")},
        follow=True,
    )
    assert "import-errors" in bad.content.decode() and "confirm-import" not in bad.content.decode()
    tpl = client.get(reverse("exams_import_template"))
    assert tpl.status_code == 200 and load_workbook(BytesIO(tpl.content)).active["A1"].value


def test_results_are_scoped_and_exported(client, training_admin_east, trainee, other_trainee, bank):
    exam = make_exam(bank, rules=[{"question_type": "single_choice", "count": 2}])
    mine = services.submit_attempt(
        attempt=services.start_attempt(exam=exam, officer=trainee, by=trainee.user), by=trainee.user
    )
    theirs = services.submit_attempt(
        attempt=services.start_attempt(exam=exam, officer=other_trainee, by=other_trainee.user), by=None
    )
    client.force_login(training_admin_east)
    body = client.get(reverse("exams_results_exam", args=[exam.pk])).content.decode()
    assert trainee.name in body and other_trainee.name not in body
    export = client.get(reverse("exams_results_exam", args=[exam.pk]) + "?export=xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == trainee.employee_no
    assert client.get(reverse("exams_attempt_review", args=[mine.pk])).status_code == 200
    assert client.get(reverse("exams_attempt_review", args=[theirs.pk])).status_code == 404
    stats = client.get(reverse("exams_item_statistics", args=[exam.pk]))
    assert stats.status_code == 200 and "item-stats" in stats.content.decode()


def test_marking_queue_and_denials(client, training_admin_east, leader_east, trainee, bank):
    attempt, essay = essay_attempt(trainee, bank)
    assert attempt.status == Attempt.Status.NEEDS_MARKING
    url = reverse("exams_marking")
    client.force_login(trainee.user)
    resp = client.get(url)
    assert resp.status_code == 302 and resp.url.startswith("/admin/login/")  # a trainee has no admin access
    resp = client.get(reverse("exams_mark_response", args=[essay.pk]))
    assert resp.status_code == 302 and resp.url.startswith("/admin/login/")
    client.force_login(leader_east)
    resp = client.get(url)  # admin access, but no marking rights: back to the admin home
    assert resp.status_code == 302 and resp.url == reverse("wagtailadmin_home")
    client.force_login(training_admin_east)
    body = client.get(url).content.decode()
    assert "marking-queue" in body and trainee.name in body
    resp = client.post(reverse("exams_mark_response", args=[essay.pk]), {"score": "7", "comment": "基本正确"})
    assert resp.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED


def test_admin_menu_and_exam_screens(client, training_admin_east, bank):
    make_exam(bank, rules=[{"count": 2}])
    client.force_login(training_admin_east)
    assert client.get(reverse("exams_exam:index")).status_code == 200
    assert client.get(reverse("exams_exam:add")).status_code == 200
    assert client.get(reverse("exams_bank:index")).status_code == 200
    assert client.get(reverse("exams_results")).status_code == 200
    assert client.get(reverse("exams_qualification:index")).status_code == 200


def test_create_exam_with_rules_in_admin(client, training_admin_east, bank, street_east):
    from exams.models import Exam

    client.force_login(training_admin_east)
    data = {
        "title": "新考试",
        "unit": street_east.pk,
        "description": "",
        "banks": [bank.pk],
        "is_published": "on",
        "time_limit_minutes": "45",
        "attempts_allowed": "2",
        "opens_at": "",
        "closes_at": "",
        "start_stagger_seconds": "60",
        "shuffle_questions": "on",
        "shuffle_options": "on",
        "pass_percent": "80",
        "grading_method": "highest",
        "multiple_choice_rule": "partial",
        "after_submit_score": "on",
        "after_close_score": "on",
        "audience_units": [street_east.pk],
        "audience_categories": ["full_time"],
        "qualification_years": "3",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-question_type": "single_choice",
        "rules-0-count": "5",
        "rules-0-points": "2",
        "rules-0-tag": "",
        "rules-0-difficulty": "",
        "rules-0-category": "",
        "rules-0-ORDER": "1",
        "rules-0-id": "",
        "rules-0-DELETE": "",
        "fixed_questions-TOTAL_FORMS": "0",
        "fixed_questions-INITIAL_FORMS": "0",
        "fixed_questions-MIN_NUM_FORMS": "0",
        "fixed_questions-MAX_NUM_FORMS": "1000",
    }
    resp = client.post(reverse("exams_exam:add"), data)
    assert resp.status_code == 302, resp.context["form"].errors if resp.context else resp.content[:500]
    exam = Exam.objects.get(title="新考试")
    assert exam.rules.get().count == 5 and exam.audience_categories == ["full_time"]
    assert exam.start_stagger_seconds == 60  # the staggered start is set on the form
    assert list(exam.audience_units.all()) == [street_east] and list(exam.banks.all()) == [bank]


def _question_post(bank, q, **overrides):
    data = {
        "bank": bank.pk,
        "category": q.category_id or "",
        "type": q.type,
        "title": "",
        "stem": q.stem,
        "stem_format": "plain",
        "content": "",
        "explanation": "解析",
        "legal_basis": "《安全生产法》第四条",
        "difficulty": 2,
        "points": "1",
        "tags": "",
        "status": "published",
    }
    data.update(overrides)
    return data


def test_choice_options_are_edited_field_by_field(client, training_admin_east, bank):
    client.force_login(training_admin_east)
    q = Question.objects.get(bank=bank, type="multiple_choice")
    edit_url = reverse("exams_question:edit", args=[q.pk])
    page = client.get(edit_url).content.decode()
    first = q.content["choices"][0]["text"]
    assert 'name="option_a_text"' in page and f'value="{first}"' in page  # the stored options, one per row
    resp = client.post(
        edit_url,
        _question_post(
            bank,
            q,
            option_a_text="生产经营单位的主要负责人",
            option_a_correct="on",
            option_b_text="安全生产管理人员",
            option_b_correct="on",
            option_b_feedback="对：也负有职责",
            option_c_text="无关的第三方",
            option_c_feedback="错：不属于本单位",
        ),
    )
    assert resp.status_code == 302, resp.context["form"].errors
    q.refresh_from_db()
    assert q.content["choices"] == [
        {"text": "生产经营单位的主要负责人", "fraction": 0.5, "feedback": None},
        {"text": "安全生产管理人员", "fraction": 0.5, "feedback": "对：也负有职责"},
        {"text": "无关的第三方", "fraction": 0.0, "feedback": "错：不属于本单位"},
    ]
    assert q.current_version.data["choices"][1]["feedback"] == "对：也负有职责"


def zh(message):
    from django.utils.translation import gettext, override

    with override("zh-hans"):
        return gettext(message)


def test_option_form_errors_name_the_field(client, training_admin_east, bank):
    client.force_login(training_admin_east)
    q = Question.objects.filter(bank=bank, type="single_choice").first()
    before = q.content
    edit_url = reverse("exams_question:edit", args=[q.pk])
    resp = client.post(edit_url, _question_post(bank, q, option_a_text="甲", option_b_text="乙"))
    assert resp.status_code == 200
    assert zh("No option is marked correct.") in str(resp.context["form"].errors["option_a_text"])
    resp = client.post(
        edit_url, _question_post(bank, q, option_a_text="甲", option_a_correct="on", option_c_correct="on")
    )
    assert zh("This option has no text.") in str(resp.context["form"].errors["option_c_text"])
    q.refresh_from_db()
    assert q.content == before  # nothing half-written


def test_true_false_answer_and_feedback_are_fields(client, training_admin_east, bank):
    client.force_login(training_admin_east)
    q = Question.objects.get(bank=bank, type="true_false")
    edit_url = reverse("exams_question:edit", args=[q.pk])
    answer = "false" if q.content["answer"] else "true"
    resp = client.post(
        edit_url,
        _question_post(bank, q, true_false_answer=answer, true_false_feedback_false="错：应为“安全第一”"),
    )
    assert resp.status_code == 302, resp.context["form"].errors
    q.refresh_from_db()
    assert q.content == {
        "answer": answer == "true",
        "feedback": {"true": None, "false": "错：应为“安全第一”"},
    }
    resp = client.post(edit_url, _question_post(bank, q))  # neither the field nor JSON: an answer is required
    assert resp.status_code == 200 and resp.context["form"].errors


def test_moving_the_tick_moves_the_right_answer(client, training_admin_east, bank):
    """Weights the tick boxes would give are not pre-filled, so re-ticking really changes the answer."""
    client.force_login(training_admin_east)
    q = Question.objects.filter(bank=bank, type="single_choice").first()
    edit_url = reverse("exams_question:edit", args=[q.pk])
    form = client.get(edit_url).context["form"]
    texts = [c["text"] for c in q.content["choices"]]
    right = next(i for i, c in enumerate(q.content["choices"]) if c["fraction"] >= 1)
    new_right = (right + 1) % len(texts)
    assert all(form.initial.get(f"option_{letter}_weight") is None for letter in "abcdefgh")
    post = _question_post(bank, q)
    for i, text in enumerate(texts):
        letter = "abcdefgh"[i]
        post[f"option_{letter}_text"] = text
        if i == new_right:
            post[f"option_{letter}_correct"] = "on"
    assert client.post(edit_url, post).status_code == 302
    q.refresh_from_db()
    assert [c["fraction"] for c in q.content["choices"]] == [
        1.0 if i == new_right else 0.0 for i in range(len(texts))
    ]


def test_new_exam_is_owned_by_a_unit_of_the_admins_subtree(
    client, training_admin_east, district_east, street_east
):
    from tests.factories import make_unit

    make_unit("D02", "西城区", kind="district", parent=district_east.get_parent())
    client.force_login(training_admin_east)
    form = client.get(reverse("exams_exam:add")).context["form"]
    owner = form.fields["unit"]
    assert owner.required and form.initial["unit"] == district_east.pk
    assert list(owner.queryset) == [district_east, street_east]
    assert owner.label_from_instance(street_east) == "\u3000\u3000东华街道"  # indented by depth
