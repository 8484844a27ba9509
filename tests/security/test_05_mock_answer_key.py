"""Weakness 5: mocks of the qualifying exam skipped its window, attempt limit and review policy, and practice
(and lesson knowledge checks) showed the answers of every bank.

Mocks now obey the exam's window, attempt limit and review policy; banks carry a "practice allowed" flag and
exam-only banks never reach practice, the mistake book's practice or knowledge checks."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exams import services
from exams.models import Attempt, Question, QuestionBank
from tests.exams.conftest import make_bank, make_exam

pytestmark = pytest.mark.django_db


def _exam(bank, **kwargs):
    return make_exam(
        bank,
        rules=[{"question_type": "single_choice", "count": 3, "points": Decimal("2")}],
        is_qualifying=True,
        **kwargs,
    )


def test_mock_before_the_exam_opens_is_refused(client, trainee):
    bank = make_bank(n_single=6)
    exam = _exam(bank, opens_at=timezone.now() + datetime.timedelta(days=7))
    client.force_login(trainee.user)
    resp = client.post(reverse("exams:exam_start", args=[exam.pk]), {"mock": "1"})
    assert resp.status_code == 302 and resp["Location"] == reverse("exams:exam_detail", args=[exam.pk])
    assert not Attempt.objects.filter(exam=exam).exists()


def test_mock_after_the_exam_closed_is_refused(trainee):
    bank = make_bank(n_single=6)
    exam = _exam(bank, closes_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(services.ExamError) as refused:
        services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
    assert refused.value.code == "closed"


def test_mock_runs_obey_the_attempt_limit(trainee):
    bank = make_bank(n_single=6)
    exam = _exam(bank, attempts_allowed=1)
    first = services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
    services.submit_attempt(attempt=first, by=trainee.user)
    with pytest.raises(services.ExamError) as refused:
        services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
    assert refused.value.code == "attempts_used"
    assert Attempt.objects.filter(exam=exam, is_mock=True).count() == 1


def test_a_mock_result_shows_no_answers_before_the_exams_review_allows(client, trainee):
    bank = make_bank(n_single=6)
    exam = _exam(
        bank, after_submit_answers=False, after_submit_explanations=False, after_submit_correctness=False
    )
    mock = services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
    services.submit_attempt(attempt=mock, by=trainee.user)
    client.force_login(trainee.user)
    body = client.get(reverse("exams:attempt_result", args=[mock.pk])).content.decode()
    assert "EXPLAIN-" not in body and "right-answer" not in body
    for r in mock.responses.select_related("version"):
        right = next(c["text"] for c in r.version.data["choices"] if c["fraction"] >= 1)
        assert right not in body


def _exam_only_bank():
    bank = make_bank("SECRET", n_single=3)
    QuestionBank.objects.filter(pk=bank.pk).update(practice_allowed=False)
    bank.refresh_from_db()
    return bank


def test_new_banks_are_exam_only():
    assert QuestionBank.objects.create(code="NEW", name="新题库").practice_allowed is False


def test_an_exam_only_bank_never_reaches_practice(client, trainee):
    secret = _exam_only_bank()
    open_bank = make_bank("OPEN", n_single=3)
    client.force_login(trainee.user)
    home = client.get(reverse("exams:practice_home")).content.decode()
    assert reverse("exams:practice_question", args=[open_bank.pk]) in home
    assert reverse("exams:practice_question", args=[secret.pk]) not in home
    url = reverse("exams:practice_question", args=[secret.pk])
    assert client.get(url).status_code == 404
    assert client.get(url + "?mode=random").status_code == 404
    assert client.post(url, {"q0": "0"}).status_code == 404
    # a question of the exam-only bank in the mistake book or favourites is not offered for practice either
    q = Question.objects.filter(bank=secret, type="single_choice").first()
    services.record_practice_outcome(officer_id=trainee.pk, question_id=q.pk, correct=False)
    services.toggle_favourite(officer=trainee, question=q)
    for mode in ("mistakes", "favourites"):
        resp = client.post(f"{url}?mode={mode}", {"q0": "0"})
        assert resp.status_code == 302 and resp["Location"] == reverse("exams:practice_home"), mode
        right = next(c["text"] for c in q.current_version.data["choices"] if c["fraction"] >= 1)
        assert right not in client.get(f"{url}?mode={mode}", follow=True).content.decode()


def test_an_exam_only_bank_never_reaches_a_knowledge_check(trainee):
    from courses import knowledge

    secret = _exam_only_bank()
    questions = list(Question.objects.filter(bank=secret, type="single_choice"))
    assert knowledge.draw({"bank": secret, "category": None, "questions": [], "count": 3}, seed="s") == []
    assert knowledge.draw({"bank": None, "questions": questions, "count": 3}, seed="s") == []
    open_bank = make_bank("OPEN", n_single=3)
    assert (
        len(knowledge.draw({"bank": open_bank, "category": None, "questions": [], "count": 3}, seed="s")) == 3
    )
