"""Attempts: composition rules, drawing, deadline/grace/auto-submit, stale autosave, idempotent submit, marking."""

import contextlib
import datetime
import threading
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.utils import timezone

from cms.models import AuditEvent
from exams import services
from exams.models import (
    GRACE_SECONDS,
    Attempt,
    Category,
    ExamFixedQuestion,
    Qualification,
    Question,
    Response,
)
from tests.exams.conftest import make_bank, make_exam

pytestmark = pytest.mark.django_db


def objective_exam(bank, **kwargs):
    return make_exam(
        bank, rules=[{"question_type": "single_choice", "count": 5, "points": Decimal("2")}], **kwargs
    )


def answer_all_right(attempt):
    for r in attempt.responses.select_related("version"):
        data = r.version.data
        right = next(i for i, c in enumerate(data["choices"]) if c["fraction"] >= 1)
        services.save_answer(
            attempt_id=attempt.pk,
            officer=attempt.officer,
            position=r.position,
            raw=r.option_order.index(right),
            seq=r.seq + 1,
        )


def test_composition_rules_draw_counts_by_category_tag_difficulty_and_type(trainee):
    bank = make_bank(n_single=40)
    cat = Category.objects.get(bank=bank, path="法律法规")
    exam = make_exam(
        bank,
        rules=[
            {"category": cat, "count": 4, "points": Decimal("1")},
            {"tag": "常考", "count": 3, "points": Decimal("2")},
            {"difficulty": 5, "question_type": "single_choice", "count": 2},
            {"question_type": "essay", "count": 1, "points": Decimal("10")},
        ],
    )
    fixed = Question.objects.get(bank=bank, type="true_false")
    ExamFixedQuestion.objects.create(exam=exam, question=fixed, points=Decimal("3"))
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    responses = list(attempt.responses.select_related("question__category"))
    assert len(responses) == 4 + 3 + 2 + 1 + 1
    qids = [r.question_id for r in responses]
    assert len(set(qids)) == len(qids)  # no duplicates
    assert fixed.pk in qids
    assert sum(1 for r in responses if r.question.type == "essay") == 1
    by_points = {}
    for r in responses:
        by_points.setdefault(r.points, []).append(r.question)
    assert all(q.tags.filter(name="常考").exists() for q in by_points[Decimal("2.00")])
    assert attempt.max_score == sum(r.points for r in responses)
    assert (
        sum(1 for r in responses if r.question.category and r.question.category.path.startswith("法律法规"))
        >= 4
    )
    assert all(r.version_id == r.question.current_version_id for r in responses)


def test_paper_is_frozen_with_seed_and_option_order(trainee, bank):
    exam = make_exam(bank)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    single = attempt.responses.filter(question__type="single_choice").first()
    assert sorted(single.option_order) == [0, 1, 2]
    assert attempt.seed and attempt.deadline == attempt.started_at + datetime.timedelta(minutes=60)
    # starting again resumes the same attempt
    assert services.start_attempt(exam=exam, officer=trainee, by=trainee.user).pk == attempt.pk
    assert AuditEvent.objects.filter(action="exams.attempt_start").count() == 1


def test_not_enough_questions_is_a_clear_error(trainee, bank):
    exam = make_exam(bank, rules=[{"question_type": "essay", "count": 3}])
    with pytest.raises(services.ExamError, match="3"):
        services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    assert not Attempt.objects.exists()


def test_retake_prefers_unseen_questions(trainee):
    bank = make_bank(questions=[], n_single=20)
    exam = make_exam(bank, rules=[{"count": 10}], attempts_allowed=0)
    first = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    services.submit_attempt(attempt=first, by=trainee.user)
    second = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    a = set(first.responses.values_list("question_id", flat=True))
    b = set(second.responses.values_list("question_id", flat=True))
    assert not a & b


def test_attempts_limit_audience_and_window_enforced(trainee, other_trainee, bank, street_east):
    exam = objective_exam(bank, attempts_allowed=1)
    exam.audience_units.add(street_east)
    with pytest.raises(services.ExamError) as refused:
        services.start_attempt(exam=exam, officer=other_trainee, by=other_trainee.user)
    assert refused.value.code == "not_in_audience"
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    services.submit_attempt(attempt=attempt, by=trainee.user)

    with pytest.raises(services.ExamError) as refused:
        services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    assert refused.value.code == "attempts_used"
    # a mock run of the same exam is allowed and never counts
    mock = services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
    assert mock.is_mock
    exam2 = objective_exam(bank, opens_at=timezone.now() + datetime.timedelta(days=1))

    with pytest.raises(services.ExamError) as refused:
        services.start_attempt(exam=exam2, officer=trainee, by=trainee.user)
    assert refused.value.code == "not_open"
    exam3 = objective_exam(bank, closes_at=timezone.now() - datetime.timedelta(minutes=1))

    with pytest.raises(services.ExamError) as refused:
        services.start_attempt(exam=exam3, officer=trainee, by=trainee.user)
    assert refused.value.code == "closed"


def test_deadline_capped_by_close_time(trainee, bank):
    closes = timezone.now() + datetime.timedelta(minutes=10)
    exam = objective_exam(bank, closes_at=closes)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    assert attempt.deadline == closes
    # a mock run of the same exam keeps the exam's window: cut at the close, refused once it has closed
    mock = services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
    assert mock.deadline == closes
    with time_machine.travel(closes + datetime.timedelta(days=1), tick=False):
        with pytest.raises(services.ExamError) as refused:
            services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
        assert refused.value.code == "closed"


def test_stale_autosave_rejected(trainee, bank):
    exam = objective_exam(bank)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    r1 = services.save_answer(attempt_id=attempt.pk, officer=trainee, position=1, raw=0, seq=2)
    assert r1.ok and r1.seq == 2
    stale = services.save_answer(attempt_id=attempt.pk, officer=trainee, position=1, raw=1, seq=1)
    assert not stale.ok and stale.reason == "stale" and stale.seq == 2 and stale.answer == 0
    same = services.save_answer(attempt_id=attempt.pk, officer=trainee, position=1, raw=1, seq=2)
    assert not same.ok
    stored = Response.objects.get(attempt=attempt, position=1)
    assert stored.seq == 2 and stored.answer == stored.option_order[0]


def test_saves_accepted_within_grace_then_auto_submitted(trainee, bank):
    exam = objective_exam(bank, time_limit_minutes=30)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    with time_machine.travel(attempt.deadline + datetime.timedelta(seconds=GRACE_SECONDS - 1), tick=False):
        assert services.save_answer(attempt_id=attempt.pk, officer=trainee, position=1, raw=0, seq=1).ok
    with time_machine.travel(attempt.deadline + datetime.timedelta(seconds=GRACE_SECONDS + 1), tick=False):
        late = services.save_answer(attempt_id=attempt.pk, officer=trainee, position=2, raw=0, seq=1)
        assert not late.ok and late.reason == "closed"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.auto_submitted
    assert attempt.submitted_at == attempt.deadline
    assert Response.objects.get(attempt=attempt, position=1).answer is not None
    assert Response.objects.get(attempt=attempt, position=2).answer is None
    assert AuditEvent.objects.filter(action="exams.attempt_auto_submit").count() == 1


def test_auto_submit_schedule_and_task(trainee, bank, django_capture_on_commit_callbacks):
    from django_q.models import Schedule

    from exams import tasks

    exam = objective_exam(bank, time_limit_minutes=5)
    with time_machine.travel(timezone.now(), tick=False), django_capture_on_commit_callbacks(execute=True):
        attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    schedule = Schedule.objects.get(name=f"exams-auto-submit-{attempt.pk}")
    assert schedule.schedule_type == Schedule.ONCE and schedule.repeats == 1
    assert schedule.next_run > attempt.deadline
    assert tasks.auto_submit_attempt(attempt.pk) is False  # not due yet
    with time_machine.travel(attempt.deadline + datetime.timedelta(seconds=GRACE_SECONDS + 5), tick=False):
        assert tasks.auto_submit_attempt(attempt.pk) is True
        assert tasks.auto_submit_attempt(attempt.pk) is False  # idempotent
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.status == Attempt.Status.GRADED
    assert not Schedule.objects.filter(name=f"exams-auto-submit-{attempt.pk}").exists()


def test_sweep_submits_forgotten_attempts(trainee, bank):
    exam = objective_exam(bank, time_limit_minutes=5)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    assert services.sweep_overdue_attempts() == 0
    assert services.sweep_overdue_attempts(now=attempt.deadline + datetime.timedelta(minutes=2)) == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED


def test_submit_twice_is_harmless_and_grades(trainee, bank):
    exam = objective_exam(bank, is_qualifying=True, qualification_years=3, pass_percent=Decimal("80"))
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    answer_all_right(attempt)
    first = services.submit_attempt(attempt=attempt, by=trainee.user)
    second = services.submit_attempt(attempt=attempt, by=trainee.user)
    assert first.score == Decimal("10.00") and first.percent == 100.0 and first.passed
    assert second.submitted_at == first.submitted_at
    assert AuditEvent.objects.filter(action="exams.attempt_submit").count() == 1
    q = Qualification.objects.get(attempt=attempt)
    assert q.valid_until == q.issued_on.replace(year=q.issued_on.year + 3)
    assert Qualification.objects.count() == 1
    # The system issues the qualification; the trainee only submitted (the audit trail said 颁发资格 by them).
    issued = AuditEvent.objects.get(action="exams.qualification_issue")
    assert issued.actor is None


def test_mock_never_issues_a_qualification(trainee, bank):
    exam = objective_exam(bank, is_qualifying=True)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
    answer_all_right(attempt)
    services.submit_attempt(attempt=attempt, by=trainee.user)
    attempt.refresh_from_db()
    assert attempt.passed and not Qualification.objects.exists()


def test_signals_sent_once_on_finalize(trainee, bank, django_capture_on_commit_callbacks):
    from exams.signals import attempt_finalized, qualification_issued

    got = []
    # Only our receivers: higher apps' receivers are tested in their own suites.
    stack = contextlib.ExitStack()
    stack.enter_context(mock.patch.object(attempt_finalized, "receivers", []))
    stack.enter_context(mock.patch.object(qualification_issued, "receivers", []))
    stack.enter_context(mock.patch.object(attempt_finalized, "sender_receivers_cache", {}))
    stack.enter_context(mock.patch.object(qualification_issued, "sender_receivers_cache", {}))
    attempt_finalized.connect(lambda **kw: got.append(("a", kw["passed"])), weak=False, dispatch_uid="t1")
    qualification_issued.connect(
        lambda **kw: got.append(("q", kw["qualification"].pk)), weak=False, dispatch_uid="t2"
    )
    try:
        exam = objective_exam(bank, is_qualifying=True)
        attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
        answer_all_right(attempt)
        with django_capture_on_commit_callbacks(execute=True):
            services.submit_attempt(attempt=attempt, by=trainee.user)
    finally:
        stack.close()
    assert [g[0] for g in got] == ["a", "q"]


def test_essay_goes_to_marking_and_result_released_after_marking(trainee, bank, training_admin_east):
    exam = make_exam(
        bank,
        rules=[
            {"question_type": "essay", "count": 1, "points": Decimal("10")},
            {"question_type": "true_false", "count": 1, "points": Decimal("10")},
        ],
    )
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    essay = attempt.responses.get(question__type="essay")
    tf = attempt.responses.get(question__type="true_false")
    services.save_answer(
        attempt_id=attempt.pk, officer=trainee, position=essay.position, raw="先排查再治理", seq=1
    )
    services.save_answer(attempt_id=attempt.pk, officer=trainee, position=tf.position, raw="true", seq=1)
    attempt = services.submit_attempt(attempt=attempt, by=trainee.user)
    assert attempt.status == Attempt.Status.NEEDS_MARKING and attempt.score is None
    essay.refresh_from_db()
    with pytest.raises(services.ExamError) as refused:
        services.mark_response(response=essay, by=training_admin_east, score=Decimal("11"))
    assert refused.value.code == "invalid_score"
    services.mark_response(response=essay, by=training_admin_east, score=Decimal("6"), comment="要点不全")
    attempt.refresh_from_db()
    assert (
        attempt.status == Attempt.Status.GRADED
        and attempt.score == Decimal("16.00")
        and attempt.percent == 80.0
    )
    assert AuditEvent.objects.filter(action="exams.response_mark").count() == 1
    from cms.models import Notification

    assert Notification.objects.filter(
        recipient=trainee.user, key=f"exams.result_released.{attempt.pk}"
    ).exists()


def test_regrade_after_correction_is_audited(trainee, bank, superuser):
    exam = make_exam(bank, rules=[{"question_type": "true_false", "count": 1, "points": Decimal("5")}])
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    services.save_answer(attempt_id=attempt.pk, officer=trainee, position=1, raw="false", seq=1)
    attempt = services.submit_attempt(attempt=attempt, by=trainee.user)
    assert attempt.score == Decimal("0.00")
    q = Question.objects.get(bank=bank, type="true_false")
    old_version = q.current_version
    q.content = {**q.content, "answer": False}
    q.save()
    services.question_sync_version(question=q, by=superuser)
    assert q.current_version != old_version and q.version == 2
    # the attempt still points at the version it was given until a regrade is requested
    assert attempt.responses.get().version == old_version
    assert services.regrade_question(question=q, by=superuser) == 1
    attempt.refresh_from_db()
    assert attempt.score == Decimal("5.00") and attempt.passed
    assert AuditEvent.objects.filter(action="exams.regrade").count() == 1


def test_editing_a_published_question_makes_a_new_version(bank, superuser):
    q = Question.objects.filter(bank=bank).first()
    v1 = q.current_version
    assert services.question_sync_version(question=q, by=superuser) is None  # unchanged → no version
    q.stem = q.stem + "（修订）"
    q.save()
    v2 = services.question_sync_version(question=q, by=superuser)
    assert v2.number == 2 and v1.data["stem"] != v2.data["stem"]
    with pytest.raises(ValueError):
        v1.save()


def test_mistakes_from_exam(trainee, bank):
    from exams.models import Mistake

    exam = objective_exam(bank)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    r = attempt.responses.first()
    wrong = next(i for i, c in enumerate(r.version.data["choices"]) if c["fraction"] <= 0)
    services.save_answer(
        attempt_id=attempt.pk, officer=trainee, position=r.position, raw=r.option_order.index(wrong), seq=1
    )
    services.submit_attempt(attempt=attempt, by=trainee.user)
    assert Mistake.objects.filter(officer=trainee, question=r.question).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_concurrent_starts_make_one_attempt(role_groups, trainee, bank):
    exam = objective_exam(bank, attempts_allowed=1)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def start():
        try:
            barrier.wait()
            results.append(services.start_attempt(exam=exam, officer=trainee, by=trainee.user).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    assert Attempt.objects.filter(officer=trainee, exam=exam).count() == 1


def test_cached_draw_pool_follows_question_changes(trainee, other_trainee):
    bank = make_bank(questions=[], n_single=3)
    exam = make_exam(bank, rules=[{"count": 3}], attempts_allowed=0)
    first = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    assert first.responses.count() == 3
    q = Question.objects.filter(bank=bank).first()
    q.status = Question.Status.DRAFT
    q.save()  # unpublishing bumps the bank's revision: the cached pool of 3 is stale
    with pytest.raises(services.ExamError) as refused:
        services.start_attempt(exam=exam, officer=other_trainee, by=other_trainee.user)
    assert refused.value.code == "pool_too_small"


def test_start_attempt_query_count_is_bounded(trainee, django_assert_max_num_queries):
    bank = make_bank(questions=[], n_single=120)
    exam = make_exam(bank, rules=[{"count": 100}])
    # A first start: lock the officer, one read of their attempts at this exam (no seen-questions lookup), the
    # audience, the exam's banks/fixed/rules, the pool and published rows, then the inserts (attempt, responses,
    # audit event and its Wagtail mirror without full_clean) and the savepoint. Was ≤ 40 (21 measured).
    with django_assert_max_num_queries(16):
        attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    assert attempt.responses.count() == 100


def test_autosave_query_count(trainee, bank, django_assert_max_num_queries):
    exam = objective_exam(bank)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    with django_assert_max_num_queries(2):
        assert services.save_answer(attempt_id=attempt.pk, officer=trainee, position=1, raw=0, seq=1).ok
    with django_assert_max_num_queries(2):
        assert services.save_answer(attempt_id=attempt.pk, officer=trainee, position=1, raw=1, seq=2).ok


def test_expiry_reminders_once_and_expiry(trainee, bank):
    from cms.models import Notification

    exam = make_exam(
        bank, rules=[{"question_type": "true_false", "count": 1}], is_qualifying=True, qualification_years=1
    )
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    services.save_answer(attempt_id=attempt.pk, officer=trainee, position=1, raw="true", seq=1)
    services.submit_attempt(attempt=attempt, by=trainee.user)
    q = Qualification.objects.get()
    soon = q.valid_until - datetime.timedelta(days=30)
    assert services.send_expiry_reminders(today=soon) == 1
    assert services.send_expiry_reminders(today=soon) == 0  # never the same notice twice
    assert Notification.objects.filter(recipient=trainee.user).count() == 1
    services.send_expiry_reminders(today=q.valid_until + datetime.timedelta(days=1))
    q.refresh_from_db()
    assert q.status == Qualification.Status.EXPIRED
    assert AuditEvent.objects.filter(action="exams.qualification_expire").count() == 1
