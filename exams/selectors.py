"""Read queries for exams, already scoped to who asks."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cms.models import AuditEvent, Officer
from cms.selectors import has_role, officer_of, officers_visible_to
from exams.models import (
    Attempt,
    Category,
    Exam,
    Mistake,
    Qualification,
    Question,
    QuestionBank,
    Response,
    ScoreOverride,
)

MARKER_ROLES = ("training_admin", "hr")


def question_data(question: Question, *, tags: list[str] | None = None) -> dict:
    """The question as an exams.formats dict (the JSON export schema plus our optional keys)."""
    content = question.content or {}
    data = {
        "type": question.type,
        "title": question.title or None,
        "stem": question.stem,
        "stem_format": question.stem_format,
        "category": question.category.path if question.category_id else None,
        "explanation": question.explanation or None,
        "legal_basis": question.legal_basis or None,
        "difficulty": question.difficulty,
        "points": float(question.points),
        "tags": sorted(tags if tags is not None else question.tags.names()),
    }
    for key, value in content.items():
        if key not in data:
            data[key] = value
    return data


def officer_in_audience(exam: Exam, officer: Officer) -> bool:
    unit_paths = [u.path for u in exam.audience_units.all()]
    categories = exam.audience_categories or []
    officer_ids = {o.pk for o in exam.audience_officers.all()}
    if officer.pk in officer_ids:
        return True
    if not unit_paths and not categories:
        return not officer_ids
    in_units = not unit_paths or any(officer.unit.path.startswith(p) for p in unit_paths)
    in_categories = not categories or officer.staff_category in categories
    return in_units and in_categories


def exams_for_officer(officer: Officer) -> list[Exam]:
    """Published exams whose audience includes the officer (open or not; the page shows the window)."""
    exams = (
        Exam.objects.filter(is_published=True)
        .prefetch_related("audience_units", "audience_officers")
        .order_by("closes_at", "-created_at")
    )
    return [e for e in exams if officer.status == Officer.Status.ACTIVE and officer_in_audience(e, officer)]


def exam_for_officer(officer: Officer, exam_id: int) -> Exam:
    exam = (
        Exam.objects.filter(pk=exam_id, is_published=True)
        .prefetch_related("audience_units", "audience_officers")
        .first()
    )
    if exam is None or not officer_in_audience(exam, officer):
        raise Http404
    return exam


def attempts_of(officer: Officer, exam: Exam) -> list[Attempt]:
    return list(Attempt.objects.filter(officer=officer, exam=exam).order_by("-started_at"))


def counted_attempts(officer: Officer, exam: Exam) -> int:
    return Attempt.objects.filter(officer=officer, exam=exam, is_mock=False).count()


def attempt_for_officer(user, attempt_id: int) -> Attempt:
    """The officer's own attempt or 404 (another officer's attempt is indistinguishable from a missing one)."""
    officer = officer_of(user)
    if officer is None:
        raise Http404
    attempt = Attempt.objects.select_related("exam", "officer").filter(pk=attempt_id, officer=officer).first()
    if attempt is None:
        raise Http404
    return attempt


def paper(attempt: Attempt) -> list[Response]:
    return list(attempt.responses.select_related("version").order_by("position"))


def exam_result(officer: Officer, exam: Exam) -> Attempt | None:
    """The attempt that counts for the exam by its grading method (highest or last graded)."""
    graded = Attempt.objects.filter(officer=officer, exam=exam, is_mock=False, status=Attempt.Status.GRADED)
    if exam.grading_method == Exam.GradingMethod.LAST:
        return graded.order_by("-submitted_at").first()
    return graded.order_by("-score", "-submitted_at").first()


def review_policy(attempt: Attempt, now=None) -> dict:
    """What the examinee may see of a finished attempt now.

    Mock runs follow the exam's own policy too: they draw from the same banks, so showing their right answers
    before the exam's review allows would leak the answer key."""
    exam = attempt.exam
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return {"score": False, "correctness": False, "answers": False, "explanations": False}
    closed = exam.is_closed(now)
    final = attempt.status == Attempt.Status.GRADED
    policy = {
        "score": (exam.after_close_score if closed else exam.after_submit_score),
        "correctness": (exam.after_close_correctness if closed else exam.after_submit_correctness),
        "answers": (exam.after_close_answers if closed else exam.after_submit_answers),
        "explanations": (exam.after_close_explanations if closed else exam.after_submit_explanations),
    }
    if not final:  # results are released when marking is complete
        policy = {k: False for k in policy}
    return policy


def result_released(attempt: Attempt, now=None) -> bool:
    """Whether the examinee may see the attempt's outcome (score, passed or not, a qualification from it)."""
    return review_policy(attempt, now)["score"]


def closed_because_officer_left(attempt: Attempt) -> bool:
    """Whether the attempt was closed because its officer left (the audit trail holds the reason)."""
    return AuditEvent.objects.filter(
        action="exams.attempt_closed_officer_left",
        content_type=ContentType.objects.get_for_model(Attempt),
        object_id=str(attempt.pk),
    ).exists()


def released_results_q(prefix: str = "", now=None) -> Q:
    """The Q (on Attempt, or through `prefix`, e.g. "attempt__") of graded attempts whose score is released."""
    now = now or timezone.now()
    closed = Q(**{f"{prefix}exam__closes_at__lte": now})
    return Q(**{f"{prefix}status": Attempt.Status.GRADED}) & (
        (closed & Q(**{f"{prefix}exam__after_close_score": True}))
        | (~closed & Q(**{f"{prefix}exam__after_submit_score": True}))
    )


# --- staff ---------------------------------------------------------------------------------------------------------


def can_mark(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, *MARKER_ROLES)))


OVERRIDE_PERMISSION = "exams.override_score"


def can_override_scores(user) -> bool:
    """Changing an automatic score (or a released mark) needs its own permission, granted to no role by default."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(OVERRIDE_PERMISSION))


def pending_score_overrides(user) -> QuerySet[ScoreOverride]:
    """Override requests awaiting a decision that `user` could decide (in scope, not their own, not about them)."""
    if not can_override_scores(user):
        return ScoreOverride.objects.none()
    return (
        ScoreOverride.objects.filter(
            decision__isnull=True, response__attempt__in=attempts_visible_to(user).values("pk")
        )
        .exclude(requested_by=user)
        .exclude(response__attempt__officer__user=user)
        .select_related("response__attempt__exam", "response__attempt__officer__unit", "requested_by")
        .order_by("requested_at", "id")
    )


def attempts_visible_to(user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(officer__in=officers_visible_to(user).values("pk"))


def marking_queue(user) -> QuerySet[Response]:
    if not can_mark(user):
        return Response.objects.none()
    return (
        Response.objects.filter(
            needs_marking=True,
            manual_score__isnull=True,
            attempt__in=attempts_visible_to(user).filter(status=Attempt.Status.NEEDS_MARKING),
        )
        .exclude(attempt__officer__user=user)  # never one's own attempt
        .select_related("attempt__exam", "attempt__officer__unit", "version")
        .order_by("attempt__submitted_at", "position")
    )


def exam_results(user, exam: Exam, *, unit=None) -> QuerySet[Attempt]:
    qs = attempts_visible_to(user).filter(exam=exam, is_mock=False).select_related("officer__unit")
    if unit is not None:
        qs = qs.filter(officer__unit__path__startswith=unit.path)
    return qs.order_by("officer__unit__path", "officer__employee_no", "number")


def qualifications_visible_to(user) -> QuerySet[Qualification]:
    return Qualification.objects.filter(officer__in=officers_visible_to(user).values("pk")).select_related(
        "officer__unit", "exam"
    )


def qualifications_of(officer: Officer, now=None) -> list[Qualification]:
    """The officer's own qualifications, as they may see them: one from an attempt whose result is not yet
    released (the exam's review policy) stays hidden until it is."""
    return list(
        Qualification.objects.filter(officer=officer)
        .filter(Q(attempt__isnull=True) | released_results_q("attempt__", now))
        .select_related("exam")
    )


# --- practice ------------------------------------------------------------------------------------------------------


def practice_banks() -> list[QuestionBank]:
    """Banks open to practice (and knowledge checks): only those flagged practice-allowed; exam-only banks never."""
    return list(
        QuestionBank.objects.filter(practice_allowed=True)
        .annotate(n=Count("questions", filter=Q(questions__status=Question.Status.PUBLISHED)))
        .filter(n__gt=0)
    )


def practice_allowed_questions() -> QuerySet[Question]:
    """Published questions whose answers practice may show: those of practice-allowed banks."""
    return Question.objects.filter(
        bank__practice_allowed=True, status=Question.Status.PUBLISHED, current_version__isnull=False
    )


def practice_questions(bank: QuestionBank, category: Category | None = None) -> QuerySet[Question]:
    qs = practice_allowed_questions().filter(bank=bank)
    if category is not None:
        qs = qs.filter(category__in=Category.objects.filter(category.subtree_q(), bank=bank))
    return qs.order_by("category__path", "id")


def mistakes_of(officer: Officer) -> QuerySet[Mistake]:
    """The officer's mistake book: questions of practice-allowed banks only (a wrong answer in a real exam on an
    exam-only bank is recorded, but never offered for practice with its right answer)."""
    return Mistake.objects.filter(
        officer=officer, question__status=Question.Status.PUBLISHED, question__bank__practice_allowed=True
    ).select_related("question__current_version")
