"""Issue #10, "Also": an officer whose status became `left` could still save to and submit an open attempt.

The rule: once an officer no longer serves, their open attempt takes no more answers (either autosave path, the
no-JavaScript form, submit); the attempt is closed on the answers saved so far, audited, and never leads to a
qualification, even when it is submitted automatically at the deadline or marked later."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cms.models import AuditEvent, Officer
from exams import services
from exams.models import Attempt, Qualification, Response
from tests.exams.conftest import make_bank, make_exam

pytestmark = pytest.mark.django_db


def _qualifying_attempt(officer, *, essay=False):
    bank = make_bank(f"B{officer.pk}", n_single=6)
    rules = [{"question_type": "single_choice", "count": 3, "points": Decimal("2")}]
    if essay:
        rules.append({"question_type": "essay", "count": 1, "points": Decimal("1")})
    exam = make_exam(bank, rules=rules, is_qualifying=True, pass_percent=Decimal("50"))
    return services.start_attempt(exam=exam, officer=officer, by=officer.user)


def _answer_right(attempt, seq=1):
    for r in attempt.responses.select_related("version").filter(question__type="single_choice"):
        right = next(i for i, c in enumerate(r.version.data["choices"]) if c["fraction"] >= 1)
        services.save_answer(
            attempt_id=attempt.pk,
            officer=attempt.officer,
            position=r.position,
            raw=r.option_order.index(right),
            seq=seq,
        )


def _leave(officer):
    # What a roster import or a spell edit does: the spell closes and the officer's status follows it.
    officer.spells.update(leave_date=timezone.localdate(), leave_reason="resigned")
    Officer.objects.filter(pk=officer.pk).update(status=Officer.Status.LEFT)


def _save(client, attempt, position, seq, answer):
    return client.post(
        reverse("exams:attempt_save", args=[attempt.pk]),
        json.dumps({"position": position, "seq": seq, "answer": answer}),
        content_type="application/json",
    )


@pytest.mark.parametrize("open_page", [True, False], ids=["one-statement-save", "read-then-write"])
def test_autosave_after_leaving_is_refused_and_closes_the_attempt(client, trainee, open_page):
    attempt = _qualifying_attempt(trainee)
    _answer_right(attempt)
    client.force_login(trainee.user)
    if open_page:  # the paper in the session and a remembered session: the fast path
        assert client.get(reverse("exams:attempt", args=[attempt.pk])).status_code == 200
        assert _save(client, attempt, 1, 2, 0).status_code == 200
    _leave(trainee)
    resp = _save(client, attempt, 2, 5, 1)
    assert resp.status_code == 410 and resp.json()["reason"] == "officer_left"
    assert Response.objects.get(attempt=attempt, position=2).seq < 5  # nothing stored
    attempt.refresh_from_db()
    assert attempt.status != Attempt.Status.IN_PROGRESS
    assert AuditEvent.objects.filter(action="exams.attempt_closed_officer_left").count() == 1
    assert not Qualification.objects.filter(officer=trainee).exists()
    result = client.get(reverse("exams:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="officer-left"' in result


def test_the_fast_save_statement_itself_requires_a_serving_officer(trainee):
    from exams import autosave

    attempt = _qualifying_attempt(trainee)
    _leave(trainee)
    now = timezone.now()
    stored = autosave.write_owned(
        attempt_id=attempt.pk,
        position=1,
        user_id=trainee.user.pk,
        password=trainee.user.password,
        answer=0,
        seq=9,
        now=now,
        cutoff=now - datetime.timedelta(seconds=30),
    )
    assert stored is None
    assert Response.objects.get(attempt=attempt, position=1).seq == 0


def test_submit_after_leaving_is_refused_and_issues_no_qualification(client, trainee):
    attempt = _qualifying_attempt(trainee)
    _answer_right(attempt)
    _leave(trainee)
    client.force_login(trainee.user)
    resp = client.post(reverse("exams:attempt_submit", args=[attempt.pk]), HTTP_ACCEPT="application/json")
    assert resp.status_code == 403 and resp.json()["reason"] == "officer_left"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.passed is True
    assert not Qualification.objects.filter(officer=trainee).exists()
    assert AuditEvent.objects.filter(action="exams.attempt_closed_officer_left").exists()
    assert not AuditEvent.objects.filter(action="exams.attempt_submit").exists()


def test_form_save_after_leaving_is_refused(client, trainee):
    attempt = _qualifying_attempt(trainee)
    _leave(trainee)
    client.force_login(trainee.user)
    resp = client.post(reverse("exams:attempt_form_save", args=[attempt.pk]), {"q1": "0", "action": "submit"})
    assert resp.status_code == 302 and resp["Location"] == reverse("exams:attempt_result", args=[attempt.pk])
    assert Response.objects.get(attempt=attempt, position=1).answer is None
    assert not Qualification.objects.filter(officer=trainee).exists()


def test_auto_submit_or_marking_after_leaving_issues_no_qualification(trainee, other_trainee, superuser):
    attempt = _qualifying_attempt(trainee)
    _answer_right(attempt)
    _leave(trainee)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=5))
    assert services.finalize_if_overdue(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.passed is True and not Qualification.objects.filter(attempt=attempt).exists()

    marked = _qualifying_attempt(other_trainee, essay=True)
    _answer_right(marked)
    essay = marked.responses.get(question__type="essay")
    services.save_answer(
        attempt_id=marked.pk, officer=other_trainee, position=essay.position, raw="答", seq=1
    )
    marked = services.submit_attempt(attempt=marked, by=other_trainee.user)
    assert marked.status == Attempt.Status.NEEDS_MARKING
    _leave(other_trainee)
    services.mark_response(response=essay, by=superuser, score=Decimal("1"))
    marked.refresh_from_db()
    assert marked.passed is True and not Qualification.objects.filter(attempt=marked).exists()


def test_opening_the_attempt_after_leaving_closes_it(client, trainee):
    attempt = _qualifying_attempt(trainee)
    _leave(trainee)
    client.force_login(trainee.user)
    resp = client.get(reverse("exams:attempt", args=[attempt.pk]))
    assert resp.status_code == 302 and resp["Location"] == reverse("exams:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status != Attempt.Status.IN_PROGRESS
    assert AuditEvent.objects.filter(action="exams.attempt_closed_officer_left").count() == 1


def test_attempts_finished_before_leaving_keep_their_own_story(client, trainee):
    attempt = _qualifying_attempt(trainee)
    _answer_right(attempt)
    services.submit_attempt(attempt=attempt, by=trainee.user)
    _leave(trainee)
    client.force_login(trainee.user)
    result = client.get(reverse("exams:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="officer-left"' not in result
