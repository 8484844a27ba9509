"""State changes for exams: question versions and imports, attempts (start, autosave, submit, grade, mark, regrade),
practice and the mistake book, qualifications. Each function owns its transaction and writes the audit record."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Notification, Officer
from exams import autosave, grading, paper, signals
from exams.models import (
    GRACE_SECONDS,
    Attempt,
    Category,
    Exam,
    Favourite,
    Mistake,
    PracticeProgress,
    Qualification,
    Question,
    QuestionBank,
    QuestionVersion,
    Response,
    ScoreOverride,
    ScoreOverrideDecision,
    bump_bank_revision,
)
from exams.selectors import (
    attempts_visible_to,
    can_mark,
    can_override_scores,
    officer_in_audience,
    question_data,
)

QUESTION_FIELDS = (
    "type",
    "title",
    "stem",
    "stem_format",
    "category",
    "explanation",
    "legal_basis",
    "difficulty",
    "points",
    "tags",
)


class ExamError(Exception):
    """A rule of the exam refuses the request; the message is translated and shown to the user.

    `code` names the rule that fired (stable, for callers and tests): e.g. "not_markable", "own_attempt"."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(message)
        self.code = code


class OfficerLeftError(ExamError):
    """The examinee is no longer serving (status `left`): their open attempt takes no more answers."""

    def __init__(self):
        super().__init__(
            _(
                "You are no longer a serving officer, so this exam attempt is closed and takes no more answers."
            ),
            code="officer_left",
        )


# --- questions -----------------------------------------------------------------------------------------------------


def category_for_path(*, bank: QuestionBank, path: str | None) -> Category | None:
    """The category at `path` ("法律法规/安全生产法"), creating the missing levels."""
    if not path:
        return None
    parent = None
    for name in [p.strip() for p in path.replace("$course$/", "").split("/") if p.strip()]:
        full = f"{parent.path}/{name}" if parent else name
        parent = Category.objects.filter(bank=bank, path=full).first() or Category.objects.create(
            bank=bank, parent=parent, name=name
        )
    return parent


def question_sync_version(*, question: Question, by) -> QuestionVersion | None:
    """Freeze the question's current content as a new version when it is published and has changed."""
    if question.status != Question.Status.PUBLISHED:
        return None
    data = question_data(question)
    current = question.current_version
    if current is not None and current.data == data:
        return None
    number = (question.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = QuestionVersion(question=question, number=number, data=data, created_by=by)
    version.save(force_insert=True)
    Question.objects.filter(pk=question.pk).update(current_version=version, version=number)
    bump_bank_revision(question.bank_id)
    question.current_version, question.version = version, number
    return version


@transaction.atomic
def question_publish(*, questions, by) -> int:
    count = 0
    for question in questions:
        was = question.status
        question.status = Question.Status.PUBLISHED
        if was != question.status:
            Question.objects.filter(pk=question.pk).update(status=question.status)
        if question_sync_version(question=question, by=by) is not None:
            audit.record(
                actor=by, action="exams.question_publish", obj=question, after={"version": question.version}
            )
            count += 1
    return count


def _question_fields(bank: QuestionBank, data: dict, categories: dict) -> tuple[dict, dict, list[str]]:
    path = data.get("category") or None
    if path not in categories:
        categories[path] = category_for_path(bank=bank, path=path)
    content = {k: v for k, v in data.items() if k not in QUESTION_FIELDS}
    fields = {
        "bank": bank,
        "category": categories[path],
        "type": data["type"],
        "title": (data.get("title") or "")[:200],
        "stem": data.get("stem") or "",
        "stem_format": data.get("stem_format") or "plain",
        "explanation": data.get("explanation") or "",
        "legal_basis": data.get("legal_basis") or "",
        "difficulty": int(data.get("difficulty") or 3),
        "points": Decimal(str(data.get("points") or 1)),
    }
    return fields, content, [str(t) for t in data.get("tags") or []]


def import_questions(
    *, bank: QuestionBank, questions: list[dict], by, publish: bool = True, progress=None, source: str = ""
) -> list[Question]:
    """Create questions (and their first versions when publishing) from exams.formats dicts, all or nothing."""
    created = []
    categories: dict = {}
    with transaction.atomic():
        for i, data in enumerate(questions, start=1):
            fields, content, tags = _question_fields(bank, data, categories)
            question = Question.objects.create(
                **fields,
                content=content,
                status=Question.Status.PUBLISHED if publish else Question.Status.DRAFT,
            )
            if tags:
                question.tags.set(tags)
            question_sync_version(question=question, by=by)
            created.append(question)
            if progress is not None and (i % 50 == 0 or i == len(questions)):
                progress(i)
        audit.record(
            actor=by,
            action="exams.question_import",
            obj=bank,
            after={"count": len(created), "source": source, "published": publish},
        )
    return created


def export_questions(*, bank: QuestionBank) -> list[dict]:
    qs = Question.objects.filter(bank=bank).select_related("category").prefetch_related("tags").order_by("id")
    return [question_data(q, tags=[t.name for t in q.tags.all()]) for q in qs]


# --- attempts ------------------------------------------------------------------------------------------------------


# Draw pools per rule, cached in this process and keyed by the banks' revisions (bumped on every question change):
# a 10,000-question bank then costs no id scan per start. Bounded so a long-lived worker does not grow.
_POOL_CACHE: dict = {}
_POOL_CACHE_MAX = 256


def _candidate_ids(exam: Exam, rule, bank_ids: list[int], revisions: tuple = ()) -> list[int]:
    key = (rule.pk, rule.category_id, rule.tag, rule.difficulty, rule.question_type, revisions)
    cached = _POOL_CACHE.get(key)
    if cached is not None:
        return cached
    ids = _query_candidate_ids(rule, bank_ids)
    if len(_POOL_CACHE) >= _POOL_CACHE_MAX:
        _POOL_CACHE.clear()
    _POOL_CACHE[key] = ids
    return ids


def _query_candidate_ids(rule, bank_ids: list[int]) -> list[int]:
    qs = Question.objects.filter(
        bank_id__in=bank_ids, status=Question.Status.PUBLISHED, current_version__isnull=False
    )
    if rule.category_id:
        qs = qs.filter(
            category__in=Category.objects.filter(rule.category.subtree_q(), bank=rule.category.bank_id)
        )
    if rule.tag:
        qs = qs.filter(tags__name=rule.tag)
    if rule.difficulty:
        qs = qs.filter(difficulty=rule.difficulty)
    if rule.question_type:
        qs = qs.filter(type=rule.question_type)
    return list(qs.order_by("id").values_list("id", flat=True))


def draw_paper(exam: Exam, *, seed: int, seen: set[int]) -> list[tuple[int, Decimal | None]]:
    """(question id, points or None for the default) in paper order; retakes prefer questions not seen before."""
    rng = random.Random(seed)
    banks = sorted(exam.banks.all(), key=lambda b: b.pk)
    bank_ids = [b.pk for b in banks]
    revisions = tuple((b.pk, b.revision) for b in banks)
    chosen: list[tuple[int, Decimal | None]] = []
    taken: set[int] = set()
    for fixed in exam.fixed_questions.all():
        if fixed.question_id not in taken:
            chosen.append((fixed.question_id, fixed.points))
            taken.add(fixed.question_id)
    for rule in exam.rules.select_related("category").all():
        pool = [qid for qid in _candidate_ids(exam, rule, bank_ids, revisions) if qid not in taken]
        if len(pool) < rule.count:
            raise ExamError(
                _(
                    "This exam cannot be drawn: a rule asks for %(count)s questions but the bank has "
                    "only %(available)s."
                )
                % {"count": rule.count, "available": len(pool)}
            )
        fresh = [qid for qid in pool if qid not in seen]
        if len(fresh) >= rule.count:
            picked = rng.sample(fresh, rule.count)
        else:
            stale = [qid for qid in pool if qid in seen]
            picked = fresh + rng.sample(stale, rule.count - len(fresh))
            rng.shuffle(picked)
        for qid in picked:
            chosen.append((qid, rule.points))
            taken.add(qid)
    if exam.shuffle_questions:
        rng.shuffle(chosen)
    return chosen


def _published_rows(qids: list[int]) -> dict:
    qs = Question.objects.filter(
        pk__in=qids, status=Question.Status.PUBLISHED, current_version__isnull=False
    ).order_by()  # a dict: the default ordering would only add a join and a sort
    return {
        row["id"]: row
        for row in qs.values("id", "points", "current_version_id", "current_version__option_count")
    }


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
            open_attempt = Attempt.objects.filter(
                officer=officer, exam=exam, is_mock=mock, status=Attempt.Status.IN_PROGRESS
            ).first()
            if open_attempt is not None:
                if not open_attempt.accepts_answers(now):
                    submit_attempt(attempt=open_attempt, by=None, auto=True, now=now)
                else:
                    return open_attempt
            return _create_attempt(exam=exam, officer=officer, by=by, mock=mock, now=now, seed=seed)
    except IntegrityError:
        # Another request created the attempt between our check and insert (the partial unique constraint).
        existing = Attempt.objects.filter(
            officer=officer, exam=exam, is_mock=mock, status=Attempt.Status.IN_PROGRESS
        ).first()
        if existing is None:
            raise
        return existing


def _create_attempt(*, exam: Exam, officer: Officer, by, mock: bool, now, seed: int | None = None) -> Attempt:
    if not exam.is_published:
        raise ExamError(_("This exam is not published."))
    if officer.status != Officer.Status.ACTIVE or not officer_in_audience(exam, officer):
        raise ExamError(_("You are not in this exam's audience."))
    # A mock run of an exam draws from the same banks, so it keeps the exam's window and attempt limit (mock runs
    # counted apart from real ones): otherwise mocks before the exam opens would reveal its questions.
    if exam.opens_at and now < exam.opens_at:
        raise ExamError(_("This exam has not opened yet."), code="not_open")
    if exam.closes_at and now >= exam.closes_at:
        raise ExamError(_("This exam has closed."), code="closed")
    previous = list(
        Attempt.objects.filter(officer=officer, exam=exam, is_mock=mock).values_list("number", flat=True)
    )
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
    seen = set(
        Response.objects.filter(attempt__officer=officer, attempt__exam=exam).values_list(
            "question_id", flat=True
        )
    )
    if seed is None:
        seed = random.SystemRandom().getrandbits(62)
    drawn = draw_paper(exam, seed=seed, seen=seen)
    if not drawn:
        raise ExamError(_("This exam has no questions."))
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
    from django_q.models import Schedule

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


@dataclass
class SaveResult:
    ok: bool
    reason: str  # "saved" | "stale" | "closed"
    seq: int
    answer: object  # the stored answer, in display positions
    flagged: bool


def save_answer(
    *,
    attempt_id: int,
    officer: Officer | None = None,
    user_id: int | None = None,
    password: str | None = None,
    known: tuple | None = None,
    position: int,
    raw,
    seq: int,
    flagged: bool | None = None,
    now=None,
) -> SaveResult:
    """Autosave one answer. A save whose seq is not newer than the stored one is stale and changes nothing.

    The hottest path of an exam, so two statements and no explicit transaction (exams.autosave): one read of the
    response with its attempt, then one conditional UPDATE that only applies while the save is newer, the attempt
    is open and the response is ungraded. Submitting locks the responses before grading and sets their
    auto_score, so a save racing a submit either lands before the grading reads it or is refused (never stored
    ungraded). With `password`, the read also requires the user's password hash to be unchanged and the account
    active (the autosave view's cached session check); a mismatch reads as not found.

    `known` (answer shape and option order: exams.autosave.paper_entry, with `user_id` and `password`)
    skips the read: one UPDATE that also proves ownership and the session, and returns the flag. When it stores
    nothing (stale, closed, not this user's, or the session no longer holds) the read below finds out why.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=GRACE_SECONDS)
    if known is not None and user_id is not None and password is not None:
        shape, order = known
        answer = paper.answer_from_display(shape, order, raw)
        stored_flag = autosave.write_owned(
            attempt_id=attempt_id,
            position=position,
            user_id=user_id,
            password=password,
            answer=answer,
            seq=seq,
            now=now,
            cutoff=cutoff,
            flagged=flagged,
        )
        if stored_flag is not None:
            return SaveResult(True, "saved", seq, paper.answer_to_display(shape, order, answer), stored_flag)
    row = autosave.read(
        attempt_id=attempt_id,
        position=position,
        officer_id=officer.pk if officer is not None else None,
        user_id=user_id,
        password=password,
    )
    if row is None:
        raise Response.DoesNotExist
    if row["officer_status"] != Officer.Status.ACTIVE:
        # The fast UPDATE above requires a serving officer too, so a departed officer's save lands here.
        close_attempt_of_departed(attempt_id=attempt_id, now=now)
        raise OfficerLeftError()
    data, order = row["data"], row["option_order"]
    is_open = row["status"] == Attempt.Status.IN_PROGRESS and row["deadline"] >= cutoff
    if is_open and seq > row["seq"]:
        answer = paper.answer_from_display(data, order, raw)
        if autosave.write(
            response_id=row["id"],
            attempt_id=attempt_id,
            answer=answer,
            seq=seq,
            now=now,
            cutoff=cutoff,
            flagged=flagged,
        ):
            return SaveResult(
                True,
                "saved",
                seq,
                paper.answer_to_display(data, order, answer),
                row["flagged"] if flagged is None else bool(flagged),
            )
        row = (
            Response.objects.filter(pk=row["id"])
            .values("seq", "answer", "flagged", "attempt__status", "attempt__deadline")
            .first()
        )
        is_open = row["attempt__status"] == Attempt.Status.IN_PROGRESS and row["attempt__deadline"] >= cutoff
    if not is_open:
        finalize_if_overdue(attempt_id=attempt_id, now=now)
    return SaveResult(
        False,
        "stale" if is_open else "closed",
        row["seq"],
        paper.answer_to_display(data, order, row["answer"]),
        row["flagged"],
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
    from django_q.models import Schedule

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
    from django_q.models import Schedule

    Schedule.objects.filter(name=f"exams-auto-submit-{locked.pk}").delete()
    if departed:
        raise OfficerLeftError()
    return locked


def _grade(attempt: Attempt, *, now, by) -> None:
    """Auto-grade every response (keeping manual marks) and finalize when nothing awaits a marker."""
    exam = attempt.exam
    # Lock the responses: an autosave racing this submit waits, then finds auto_score set and is refused.
    responses = list(
        attempt.responses.select_for_update(of=("self",)).select_related("version").order_by("position")
    )
    results, _total = grading.grade_paper(
        [(r.version.data, r.answer, r.points) for r in responses],
        multiple_rule=exam.multiple_choice_rule,
        review_short_answers=exam.review_short_answers,
    )
    for r, (_g, s, needs) in zip(responses, results, strict=True):
        r.auto_score = s
        r.needs_marking = needs
    Response.objects.bulk_update(responses, ["auto_score", "needs_marking"])
    _finalize(attempt, responses, results=[g for g, _s, _n in results], now=now, by=by)


def _finalize(attempt: Attempt, responses: list[Response], *, results=None, now, by) -> None:
    pending = [r for r in responses if r.needs_marking and r.manual_score is None]
    if pending:
        attempt.status = Attempt.Status.NEEDS_MARKING
        attempt.save(update_fields=["status"])
        return
    was_marking = attempt.status == Attempt.Status.NEEDS_MARKING
    before = {"score": attempt.score, "passed": attempt.passed}
    attempt.score = sum((r.score or Decimal("0") for r in responses), Decimal("0"))
    attempt.max_score = sum((r.points for r in responses), Decimal("0"))
    attempt.percent = round(float(attempt.score / attempt.max_score * 100), 2) if attempt.max_score else 0.0
    attempt.passed = attempt.percent + 1e-9 >= float(attempt.exam.pass_percent)
    attempt.status = Attempt.Status.GRADED
    attempt.graded_at = now
    attempt.save(update_fields=["score", "max_score", "percent", "passed", "status", "graded_at"])
    audit.record(
        actor=by,
        action="exams.attempt_graded",
        obj=attempt,
        unit=attempt.officer.unit,
        before=before,
        after={"score": attempt.score, "percent": attempt.percent, "passed": attempt.passed},
    )
    _update_mistakes_from_attempt(attempt, responses)
    if was_marking and attempt.officer.user_id:
        # The examinee waited for a marker: tell them the result is out (once per attempt).
        Notification.objects.get_or_create(
            recipient_id=attempt.officer.user_id,
            key=f"exams.result_released.{attempt.pk}",
            defaults={
                "title": _("Your result for %(exam)s is out") % {"exam": attempt.exam.title},
                "body": _("Marking is complete."),
                "url": reverse("exams:attempt_result", args=[attempt.pk]),
            },
        )
    qualification = None
    if attempt.passed:
        qualification = issue_qualification(attempt=attempt, by=by, today=timezone.localdate(now))
    attempt_id = attempt.pk

    def _send():
        fresh = Attempt.objects.select_related("officer", "exam").get(pk=attempt_id)
        signals.attempt_finalized.send(
            sender=Attempt,
            attempt=fresh,
            officer=fresh.officer,
            exam=fresh.exam,
            score=fresh.score,
            percent=fresh.percent,
            passed=fresh.passed,
        )

    transaction.on_commit(_send)
    if qualification is not None:
        qid = qualification.pk

        def _send_q():
            q = Qualification.objects.select_related("officer", "exam").get(pk=qid)
            signals.qualification_issued.send(
                sender=Qualification, qualification=q, officer=q.officer, exam=q.exam
            )

        transaction.on_commit(_send_q)


def _update_mistakes_from_attempt(attempt: Attempt, responses: list[Response]) -> None:
    for r in responses:
        if r.version.data.get("type") == "essay" or r.answer is None:
            continue
        fraction = float(r.score / r.points) if r.points else 0.0
        record_practice_outcome(
            officer_id=attempt.officer_id, question_id=r.question_id, correct=fraction >= 1
        )


def _is_candidate(attempt: Attempt, user) -> bool:
    return user is not None and attempt.officer.user_id is not None and attempt.officer.user_id == user.pk


def _check_score(response: Response, score) -> Decimal:
    try:
        score = Decimal(score)
    except (ArithmeticError, TypeError, ValueError):
        raise ExamError(_("Enter a number."), code="invalid_score") from None
    if not score.is_finite() or score < 0 or score > response.points:
        raise ExamError(
            _("The score must be between 0 and %(max)s.") % {"max": response.points}, code="invalid_score"
        )
    return score


def _locked_attempt_for_staff(response: Response, by) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam", "officer__unit")
        .filter(pk=response.attempt_id, pk__in=attempts_visible_to(by).values("pk"))
        .first()
    )
    if attempt is None:
        raise ExamError(_("This attempt is outside your scope."), code="out_of_scope")
    if _is_candidate(attempt, by):
        raise ExamError(_("You cannot mark or change the score of your own exam."), code="own_attempt")
    return attempt


@transaction.atomic
def mark_response(*, response: Response, by, score: Decimal, comment: str = "", now=None) -> Response:
    """A marker's score for an answer the engine sent to marking (an essay, or a fill-in that matched nothing
    when the exam asks for review), while its attempt awaits marking. The attempt is finalized when the last one
    is marked. Anything else (objective answers, a released result) goes through a score override."""
    now = now or timezone.now()
    if not can_mark(by):
        raise ExamError(_("You may not mark answers."), code="not_marker")
    score = _check_score(response, score)
    attempt = _locked_attempt_for_staff(response, by)
    response = Response.objects.select_for_update(of=("self",)).get(pk=response.pk)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        raise ExamError(_("The attempt has not been submitted yet."), code="not_submitted")
    if not response.needs_marking:
        raise ExamError(
            _("This answer was graded automatically; only a score override can change it."),
            code="not_markable",
        )
    if attempt.status != Attempt.Status.NEEDS_MARKING:
        raise ExamError(
            _("This attempt's result is final; only a score override can change it."), code="not_awaiting"
        )
    before = {"manual_score": response.manual_score}
    response.manual_score = score
    response.marker = by
    response.marked_at = now
    response.marker_comment = comment
    response.save(update_fields=["manual_score", "marker", "marked_at", "marker_comment"])
    audit.record(
        actor=by,
        action="exams.response_mark",
        obj=attempt,
        unit=attempt.officer.unit,
        before=before,
        after={"position": response.position, "manual_score": score, "comment": comment},
    )
    # Finalize when this was the last pending mark.
    responses = list(attempt.responses.select_related("version").order_by("position"))
    _finalize(attempt, responses, now=now, by=by)
    return response


def _require_override_permission(by) -> None:
    if not can_override_scores(by):
        raise ExamError(_("You may not override scores."), code="no_override_permission")


@transaction.atomic
def request_score_override(*, response: Response, by, score, reason: str, now=None) -> ScoreOverride:
    """First step of a score override: a person with `exams.override_score` asks, with a reason. Nothing changes
    until a second such person approves (decide_score_override)."""
    now = now or timezone.now()
    _require_override_permission(by)
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Give the reason for the override."), code="reason_required")
    score = _check_score(response, score)
    attempt = _locked_attempt_for_staff(response, by)
    if attempt.status not in (Attempt.Status.NEEDS_MARKING, Attempt.Status.GRADED):
        raise ExamError(_("Only a submitted and graded attempt can have a score override."), code="not_final")
    response = Response.objects.get(pk=response.pk)
    if ScoreOverride.objects.filter(response=response, decision__isnull=True).exists():
        raise ExamError(_("An override of this answer is already waiting for approval."), code="pending")
    if response.score is not None and score == response.score:
        raise ExamError(_("The requested score is the current score."), code="unchanged")
    override = ScoreOverride(
        response=response,
        old_score=response.score,
        new_score=score,
        reason=reason,
        requested_by=by,
        requested_at=now,
    )
    override.save(force_insert=True)
    audit.record(
        actor=by,
        action="exams.score_override_request",
        obj=attempt,
        unit=attempt.officer.unit,
        before={"position": response.position, "score": response.score},
        after={"override": override.pk, "score": score, "reason": reason},
    )
    return override


@transaction.atomic
def decide_score_override(
    *, override: ScoreOverride, by, approve: bool, comment: str = "", now=None
) -> ScoreOverrideDecision:
    """Second step: another person with `exams.override_score` (not the requester, not the candidate) approves or
    rejects. An approval sets the answer's score, re-totals the attempt (issuing or withdrawing the
    qualification), and the candidate is notified."""
    now = now or timezone.now()
    _require_override_permission(by)
    override = ScoreOverride.objects.select_related("response").get(pk=override.pk)
    response = override.response
    attempt = _locked_attempt_for_staff(response, by)
    if override.requested_by_id == by.pk:
        raise ExamError(_("Another person must approve your own override request."), code="same_person")
    if ScoreOverrideDecision.objects.filter(override=override).exists():
        raise ExamError(_("This override request has already been decided."), code="decided")
    response = Response.objects.select_for_update(of=("self",)).get(pk=response.pk)
    if approve and response.score != override.old_score:
        raise ExamError(
            _("The score changed after the request; ask for a new override."), code="stale_request"
        )
    decision = ScoreOverrideDecision(
        override=override,
        outcome=ScoreOverrideDecision.Outcome.APPROVED if approve else ScoreOverrideDecision.Outcome.REJECTED,
        comment=(comment or "").strip(),
        decided_by=by,
        decided_at=now,
    )
    decision.save(force_insert=True)
    before = {"position": response.position, "score": response.score, "passed": attempt.passed}
    if approve:
        response.manual_score = override.new_score
        response.marker = by
        response.marked_at = now
        response.save(update_fields=["manual_score", "marker", "marked_at"])
        was_passed = attempt.passed
        responses = list(attempt.responses.select_related("version").order_by("position"))
        _finalize(attempt, responses, now=now, by=by)
        if was_passed and attempt.passed is False:
            for q in Qualification.objects.filter(attempt=attempt, status=Qualification.Status.VALID):
                q.status = Qualification.Status.REVOKED
                q.save(update_fields=["status"])
                audit.record(
                    actor=by,
                    action="exams.qualification_revoke",
                    obj=q,
                    unit=attempt.officer.unit,
                    after={"reason": "score_override", "override": override.pk},
                )
    audit.record(
        actor=by,
        action="exams.score_override_approve" if approve else "exams.score_override_reject",
        obj=attempt,
        unit=attempt.officer.unit,
        before=before,
        after={
            "override": override.pk,
            "requested_by": override.requested_by_id,
            "score": response.score,
            "passed": attempt.passed,
            "comment": decision.comment,
        },
    )
    if approve and attempt.officer.user_id:
        Notification.objects.get_or_create(
            recipient_id=attempt.officer.user_id,
            key=f"exams.score_override.{override.pk}",
            defaults={
                "title": _("A score of your %(exam)s attempt was changed") % {"exam": attempt.exam.title},
                # No scores or reasons here: they would show a result the review policy may still hold back.
                "body": _("An answer's score was corrected after review and your result was re-totalled."),
                "url": reverse("exams:attempt_result", args=[attempt.pk]),
            },
        )
    return decision


def regrade_question(*, question: Question, by, now=None) -> int:
    """After a correction, move finished attempts that used an older version to the current one and regrade them."""
    now = now or timezone.now()
    current = question.current_version
    if current is None:
        raise ExamError(_("The question has no published version."))
    count = 0
    with transaction.atomic():
        affected = (
            Response.objects.filter(question=question)
            .exclude(version=current)
            .exclude(attempt__status=Attempt.Status.IN_PROGRESS)
            .select_related("version")
        )
        attempt_ids = set()
        for r in affected:
            if paper.option_count(r.version.data) != paper.option_count(current.data):
                raise ExamError(
                    _(
                        "The corrected question has a different number of options, so earlier answers "
                        "cannot be regraded automatically."
                    )
                )
            r.version = current
            r.save(update_fields=["version"])
            attempt_ids.add(r.attempt_id)
        for attempt in (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam", "officer__unit")
            .filter(pk__in=attempt_ids)
        ):
            before = {"score": attempt.score, "passed": attempt.passed}
            _grade(attempt, now=now, by=by)
            if before["passed"] and attempt.passed is False:
                Qualification.objects.filter(attempt=attempt).update(status=Qualification.Status.REVOKED)
            audit.record(
                actor=by,
                action="exams.regrade",
                obj=attempt,
                unit=attempt.officer.unit,
                before=before,
                after={
                    "score": attempt.score,
                    "passed": attempt.passed,
                    "question": question.pk,
                    "version": current.number,
                },
            )
            count += 1
    return count


# --- qualifications ------------------------------------------------------------------------------------------------


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def issue_qualification(*, attempt: Attempt, by, today=None) -> Qualification | None:
    exam = attempt.exam
    if not (exam.is_qualifying and attempt.counts and attempt.passed):
        return None
    if attempt.officer.status != Officer.Status.ACTIVE:
        return None  # a qualification is issued only to a serving officer (see close_attempt_of_departed)
    if Qualification.objects.filter(attempt=attempt).exists():
        return None
    today = today or timezone.localdate()
    if Qualification.objects.filter(
        officer_id=attempt.officer_id, exam=exam, status=Qualification.Status.VALID, valid_until__gte=today
    ).exists():
        return None
    valid_until = _add_years(today, exam.qualification_years) if exam.qualification_years else None
    qualification = Qualification.objects.create(
        officer_id=attempt.officer_id,
        exam=exam,
        attempt=attempt,
        issued_on=today,
        valid_until=valid_until,
        certificate_no=f"YZ{today:%Y}{exam.pk:04d}{attempt.pk:07d}",
    )
    audit.record(
        actor=by,
        action="exams.qualification_issue",
        obj=qualification,
        unit=attempt.officer.unit,
        after={"certificate_no": qualification.certificate_no, "valid_until": valid_until},
    )
    return qualification


def send_expiry_reminders(*, today=None, days_ahead: int = 60) -> int:
    """Notify officers whose qualification expires soon; mark expired ones. Idempotent (notification keys)."""
    today = today or timezone.localdate()
    sent = 0
    with transaction.atomic():
        for q in Qualification.objects.filter(
            status=Qualification.Status.VALID, valid_until__lt=today
        ).select_related("officer__unit"):
            q.status = Qualification.Status.EXPIRED
            q.save(update_fields=["status"])
            audit.record(actor=None, action="exams.qualification_expire", obj=q, unit=q.officer.unit)
        soon = Qualification.objects.filter(
            status=Qualification.Status.VALID,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=days_ahead),
            officer__user__isnull=False,
        ).select_related("officer", "exam")
        for q in soon:
            _n, created = Notification.objects.get_or_create(
                recipient_id=q.officer.user_id,
                key=f"exams.qualification_expiry.{q.pk}.{q.valid_until}",
                defaults={
                    "title": _("Your qualification expires on %(date)s") % {"date": q.valid_until},
                    "body": _("Certificate %(no)s (%(exam)s) expires on %(date)s. Please sit the exam again.")
                    % {"no": q.certificate_no, "exam": q.exam.title, "date": q.valid_until},
                    "url": q.get_absolute_url(),
                },
            )
            sent += int(created)
    return sent


# --- practice, mistake book, favourites -----------------------------------------------------------------------------


def record_practice_outcome(*, officer_id: int, question_id: int, correct: bool) -> None:
    """错题本: a wrong answer adds (or re-arms) the entry; two right answers in a row remove it."""
    if not correct:
        mistake, created = Mistake.objects.get_or_create(
            officer_id=officer_id, question_id=question_id, defaults={"wrong_count": 1}
        )
        if not created:
            Mistake.objects.filter(pk=mistake.pk).update(
                wrong_count=F("wrong_count") + 1, right_streak=0, last_wrong_at=timezone.now()
            )
        return
    mistake = Mistake.objects.filter(officer_id=officer_id, question_id=question_id).first()
    if mistake is None:
        return
    if mistake.right_streak + 1 >= 2:
        mistake.delete()
    else:
        Mistake.objects.filter(pk=mistake.pk).update(right_streak=F("right_streak") + 1)


def practice_scope_key(bank: QuestionBank, category: Category | None) -> str:
    return f"c{category.pk}" if category else f"b{bank.pk}"


@transaction.atomic
def practice_answer(
    *,
    officer: Officer,
    question: Question,
    raw,
    bank: QuestionBank | None = None,
    category: Category | None = None,
    advance_to: int | None = None,
) -> grading.Grade:
    """Grade a practice answer (source order, instant feedback), update the mistake book and the progress."""
    data = question.current_version.data
    answer = paper.answer_from_display(data, list(range(paper.option_count(data))), raw)
    result = grading.grade(data, answer, multiple_rule=grading.ALL_OR_NOTHING)
    if data.get("type") != "essay":
        record_practice_outcome(officer_id=officer.pk, question_id=question.pk, correct=result.correct)
    if bank is not None:
        progress, _c = PracticeProgress.objects.select_for_update().get_or_create(
            officer=officer,
            scope_key=practice_scope_key(bank, category),
            defaults={"bank": bank, "category": category},
        )
        progress.answered += 1
        progress.correct += int(result.correct)
        if advance_to is not None:
            progress.position = max(progress.position, advance_to)
        progress.save()
    return result


def toggle_favourite(*, officer: Officer, question: Question) -> bool:
    deleted, _d = Favourite.objects.filter(officer=officer, question=question).delete()
    if deleted:
        return False
    Favourite.objects.get_or_create(officer=officer, question=question)
    return True


# --- file import ---------------------------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What importing a file into a bank would do: the questions to create, and every problem found."""

    fmt: str
    questions: list  # the new questions (exams.formats dicts)
    errors: list  # FormatError: any error means nothing is written
    warnings: list  # FormatError: reported, not blocking (e.g. a stem repeated inside the file)
    duplicates: list  # FormatError: stems already in the bank; those questions are skipped

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_import(
    *, bank: QuestionBank | None, data: bytes, fmt: str = "auto", filename: str = ""
) -> ImportPlan:
    from exams.formats import FormatError, detect_format, parse, stem_key

    if fmt == "auto":
        try:
            fmt = detect_format(filename, data)
        except FormatError as exc:
            return ImportPlan("auto", [], [exc], [], [])
    result = parse(data, fmt, filename=filename)
    existing = set()
    if bank is not None and bank.pk:
        existing = {
            stem_key(stem, sf)
            for stem, sf in Question.objects.filter(bank=bank).values_list("stem", "stem_format")
        }
    new, duplicates = [], []
    for i, q in enumerate(result.questions):
        if stem_key(q.get("stem") or "", q.get("stem_format") or "plain") in existing:
            duplicates.append(
                result.error_at(i, _("A question with the same stem is already in the bank; skipped."))
            )
        else:
            new.append(q)
    if not result.errors and not result.questions:
        result.errors.append(FormatError(_("The file holds no questions.")))
    return ImportPlan(fmt, new, list(result.errors), list(result.warnings), duplicates)
