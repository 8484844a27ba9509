"""An attempt's life: start (draw and freeze the paper), auto-submit schedule, submit, overdue and departed
officers' attempts, tab switches."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.models import Schedule

from cms import audit
from cms.models import Officer
from exams import paper
from exams.models import (
    GRACE_SECONDS,
    Attempt,
    Exam,
    Response,
)
from exams.selectors import (
    officer_in_audience,
)
from exams.services.errors import ExamError, OfficerLeftError
from exams.services.marking import _grade
from exams.services.pools import _POOL_CACHE, _published_rows, draw_paper


def _deadline(exam: Exam, now, mock: bool = False) -> datetime.datetime:
    """The time limit, cut short by the exam's close (a mock run of the exam too: it keeps the exam's window)."""
    deadline = now + datetime.timedelta(minutes=exam.time_limit_minutes)
    if exam.closes_at is not None and not exam.is_mock:
        deadline = min(deadline, exam.closes_at)
    return deadline


def start_attempt(
    *, exam: Exam, officer: Officer, by, mock: bool = False, now=None, seed: int | None = None
) -> Attempt:
    """Start (or resume) the officer's attempt: the paper is drawn once and frozen."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # Serialise starts of one officer: two racing tabs cannot both pass the attempts-limit check.
            Officer.objects.select_for_update().filter(pk=officer.pk).first()
            # The officer's attempts at this exam in one read: the open one, the numbers used, and whether a
            # retake must look up the questions seen before (a first start, the exam rush, needs no more).
            mine = list(
                Attempt.objects.filter(officer=officer, exam=exam).values_list(
                    "pk", "number", "status", "is_mock"
                )
            )
            open_pk = next(
                (pk for pk, _n, status, m in mine if m == mock and status == Attempt.Status.IN_PROGRESS), None
            )
            if open_pk is not None:
                open_attempt = Attempt.objects.get(pk=open_pk)
                if not open_attempt.accepts_answers(now):
                    submit_attempt(attempt=open_attempt, by=None, auto=True, now=now)
                else:
                    return open_attempt
            return _create_attempt(
                exam=exam,
                officer=officer,
                by=by,
                mock=mock,
                now=now,
                seed=seed,
                previous=[n for _pk, n, _s, m in mine if m == mock],
                retake=bool(mine),
            )
    except IntegrityError:
        # Another request created the attempt between our check and insert (the partial unique constraint).
        existing = Attempt.objects.filter(
            officer=officer, exam=exam, is_mock=mock, status=Attempt.Status.IN_PROGRESS
        ).first()
        if existing is None:
            raise
        return existing


def _create_attempt(
    *,
    exam: Exam,
    officer: Officer,
    by,
    mock: bool,
    now,
    previous: list[int],
    retake: bool,
    seed: int | None = None,
) -> Attempt:
    if not exam.is_published:
        raise ExamError(_("This exam is not published."), code="not_published")
    if officer.status != Officer.Status.ACTIVE or not officer_in_audience(exam, officer):
        raise ExamError(_("You are not in this exam's audience."), code="not_in_audience")
    # A mock run of an exam draws from the same banks, so it keeps the exam's window and attempt limit (mock runs
    # counted apart from real ones): otherwise mocks before the exam opens would reveal its questions.
    if exam.opens_at and now < exam.opens_at:
        raise ExamError(_("This exam has not opened yet."), code="not_open")
    if exam.closes_at and now >= exam.closes_at:
        raise ExamError(_("This exam has closed."), code="closed")
    if exam.attempts_allowed and len(previous) >= exam.attempts_allowed:
        if mock:
            raise ExamError(
                _("You have used all %(n)s mock runs of this exam.") % {"n": exam.attempts_allowed},
                code="attempts_used",
            )
        raise ExamError(
            _("You have used all %(n)s attempts of this exam.") % {"n": exam.attempts_allowed},
            code="attempts_used",
        )
    seen = (
        set(
            Response.objects.filter(attempt__officer=officer, attempt__exam=exam).values_list(
                "question_id", flat=True
            )
        )
        if retake
        else set()
    )
    if seed is None:
        seed = random.SystemRandom().getrandbits(62)
    drawn = draw_paper(exam, seed=seed, seen=seen)
    if not drawn:
        raise ExamError(_("This exam has no questions."), code="no_questions")
    qids = [qid for qid, _p in drawn]
    rows = _published_rows(qids)
    if len(rows) < len(qids):  # a cached pool raced a change to the bank: draw again from the database
        _POOL_CACHE.clear()
        drawn = draw_paper(exam, seed=seed, seen=seen)
        qids = [qid for qid, _p in drawn]
        rows = _published_rows(qids)
    total = sum(
        (points if points is not None else rows[qid]["points"] for qid, points in drawn), Decimal("0")
    )
    attempt = Attempt.objects.create(
        officer=officer,
        exam=exam,
        is_mock=mock,
        number=max(previous, default=0) + 1,
        seed=seed,
        started_at=now,
        deadline=_deadline(exam, now, mock),
        status=Attempt.Status.IN_PROGRESS,
        max_score=total,
    )
    rng = random.Random(seed ^ 0x5EED)
    responses = []
    for position, (qid, points) in enumerate(drawn, start=1):
        row = rows[qid]
        responses.append(
            Response(
                attempt=attempt,
                position=position,
                question_id=qid,
                version_id=row["current_version_id"],
                points=points if points is not None else row["points"],
                option_order=paper.draw_option_order(
                    row["current_version__option_count"], rng, exam.shuffle_options
                ),
            )
        )
    Response.objects.bulk_create(responses)
    audit.record(
        actor=by,
        action="exams.attempt_start",
        obj=attempt,
        unit=officer.unit,
        after={
            "exam": exam.pk,
            "number": attempt.number,
            "mock": mock,
            "seed": seed,
            "deadline": attempt.deadline,
            "questions": len(responses),
        },
    )
    attempt_id, deadline = attempt.pk, attempt.deadline
    transaction.on_commit(lambda: schedule_auto_submit(attempt_id=attempt_id, deadline=deadline))
    return attempt


def schedule_auto_submit(*, attempt_id: int, deadline) -> None:
    """A one-off django-q2 schedule that submits the attempt after its deadline (+ grace) even if nobody returns."""

    if not Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.IN_PROGRESS).exists():
        return  # already submitted (e.g. in the same transaction)
    # One attempt starts once, so a plain insert (no get-then-create round trips on the start path).
    Schedule.objects.create(
        name=f"exams-auto-submit-{attempt_id}",
        func="exams.tasks.auto_submit_attempt",
        args=f"({attempt_id},)",
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=deadline + datetime.timedelta(seconds=GRACE_SECONDS + 1),
    )


def record_tab_switch(*, attempt: Attempt) -> None:
    Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
        tab_switches=F("tab_switches") + 1
    )


def finalize_if_overdue(*, attempt_id: int, now=None) -> bool:
    """The check on any later access: an in-progress attempt past deadline + grace is submitted automatically."""
    now = now or timezone.now()
    attempt = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.IN_PROGRESS).first()
    if attempt is None or attempt.accepts_answers(now):
        return False
    submit_attempt(attempt=attempt, by=None, auto=True, now=now)
    return True


def sweep_overdue_attempts(*, now=None) -> int:
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=GRACE_SECONDS)
    ids = list(
        Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lt=cutoff).values_list(
            "id", flat=True
        )
    )
    return sum(1 for pk in ids if finalize_if_overdue(attempt_id=pk, now=now))


def close_attempt_of_departed(*, attempt_id: int, now=None) -> bool:
    """Close an open attempt whose officer is no longer serving (status `left`): no more answers, graded on what
    was saved, and never a qualification (issue_qualification requires a serving officer). True if it closed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam", "officer__unit")
            .filter(pk=attempt_id, status=Attempt.Status.IN_PROGRESS)
            .first()
        )
        if locked is None or locked.officer.status == Officer.Status.ACTIVE:
            return False
        _close_departed(locked, now=now)

    Schedule.objects.filter(name=f"exams-auto-submit-{locked.pk}").delete()
    return True


def _close_departed(locked: Attempt, *, now) -> None:
    locked.status = Attempt.Status.SUBMITTED
    locked.submitted_at = min(now, locked.deadline)
    locked.auto_submitted = True
    locked.save(update_fields=["status", "submitted_at", "auto_submitted"])
    audit.record(
        actor=None,
        action="exams.attempt_closed_officer_left",
        obj=locked,
        unit=locked.officer.unit,
        after={"submitted_at": locked.submitted_at, "officer_status": locked.officer.status},
    )
    _grade(locked, now=now, by=None)


def submit_attempt(*, attempt: Attempt, by, auto: bool = False, now=None) -> Attempt:
    """Submit and grade. Idempotent: a second submit (or an auto-submit after a manual one) changes nothing.

    A submit by an officer who is no longer serving is refused (OfficerLeftError) and closes the attempt."""
    now = now or timezone.now()
    departed = False
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam", "officer__unit")
            .get(pk=attempt.pk)
        )
        if locked.status != Attempt.Status.IN_PROGRESS:
            return locked
        departed = not auto and locked.officer.status != Officer.Status.ACTIVE
        if departed:
            _close_departed(locked, now=now)
        else:
            locked.status = Attempt.Status.SUBMITTED
            locked.submitted_at = min(now, locked.deadline) if auto else now
            locked.auto_submitted = auto
            locked.save(update_fields=["status", "submitted_at", "auto_submitted"])
            audit.record(
                actor=by,
                action="exams.attempt_auto_submit" if auto else "exams.attempt_submit",
                obj=locked,
                unit=locked.officer.unit,
                after={"submitted_at": locked.submitted_at},
            )
            _grade(locked, now=now, by=by)

    Schedule.objects.filter(name=f"exams-auto-submit-{locked.pk}").delete()
    if departed:
        raise OfficerLeftError()
    return locked
