"""Follow-up study (整改学习): a low-scored finding on a rubric item tagged with knowledge points sends the file's
handler to study those points.

Rules decided here:
- When: at round close (finalise_round), because handlers see their results only after the round closes; a
  correction of a closed round's review sets the follow-ups of its new low findings the same way.
- Which findings: the effective reviews the file's score rests on (see reviews.file_score); an item scored below
  LOW_SHARE (60 %) of its highest score is low.
- Who: the handler only (the handler answers for the file; co-handlers are named on the results page but not sent
  to study). One follow-up per (handler, knowledge point) and round: the lowest finding on that point is linked.
- What: kind `lessons` when live lessons cover the point (a knowledge-check block of the lesson draws from the point
  or one of its sub-points, courses.knowledge); the handler is enrolled in those lessons' courses through courses'
  services, due on the follow-up's date. Otherwise kind `practice`: practise the point's questions (exams practice
  by knowledge point).
- Mentor task: when the handler still has a mentor (cms.extensions.current_mentor), an 出题目 task on the
  handler's apprenticeship is set through mentorship's services in the mentor's name (the mentor is the one who
  poses the questions; the round's closer is recorded on the follow-up's own audit row) and linked.
- Done: lessons — every covering lesson completed; practice — at least PRACTICE_TARGET answers (or every question
  when the point has fewer) recorded on the point's practice progress. `refresh_status(officer)` checks this; the
  learner's pages call it, and a receiver of courses.course_completed too.
Idempotent throughout: running twice creates nothing new.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import CaseReview, FollowUp, ReviewItemScore, ReviewRound, RoundCase
from cms import audit, extensions
from cms.models import Officer
from cms.notify import notify
from courses.models import CoursePage, LessonPage, LessonProgress
from courses.services.enrolment import enrol
from exams.models import Category, PracticeProgress, Question
from exams.selectors import practice_allowed_questions

LOW_SHARE = Decimal("0.6")
PRACTICE_TARGET = 10
MENTOR_TASK_PREFIX = "出题目"


def is_low(score: Decimal, max_score: int) -> bool:
    return Decimal(score) < LOW_SHARE * Decimal(max_score)


# --- lessons that cover a knowledge point -------------------------------------------------------------------------


def _block_refs(raw_body) -> tuple[set[int], set[int]]:
    """(category ids, question ids) named by a lesson body's knowledge-check blocks (raw stream data)."""
    categories: set[int] = set()
    questions: set[int] = set()
    for block in raw_body or []:
        if not isinstance(block, dict) or block.get("type") != "knowledge_check":
            continue
        value = block.get("value") or {}
        if value.get("category"):
            categories.add(int(value["category"]))
        for q in value.get("questions") or []:
            qid = q.get("value") if isinstance(q, dict) else q
            if qid:
                questions.add(int(qid))
    return categories, questions


def lessons_covering(points: list[Category]) -> dict[int, list[LessonPage]]:
    """{knowledge point id: live lessons whose knowledge checks draw from the point or one of its sub-points}.
    One pass over the live lessons with knowledge checks, two more queries for the names they refer to."""
    if not points:
        return {}
    lessons = [
        (lesson, *_block_refs(lesson.body.raw_data))
        for lesson in LessonPage.objects.live().filter(body__icontains="knowledge_check").order_by("path")
    ]
    lessons = [row for row in lessons if row[1] or row[2]]
    cat_ids = {c for _l, cats, _q in lessons for c in cats}
    q_ids = {q for _l, _c, qs in lessons for q in qs}
    cat_paths = dict(Category.objects.filter(pk__in=cat_ids).values_list("pk", "path"))
    question_paths = dict(
        Question.objects.filter(pk__in=q_ids, category__isnull=False).values_list("pk", "category__path")
    )
    result: dict[int, list[LessonPage]] = {}
    for point in points:
        prefix = point.path + "/"

        def inside(path, point=point, prefix=prefix):
            return path is not None and (path == point.path or path.startswith(prefix))

        result[point.pk] = [
            lesson
            for lesson, cats, qs in lessons
            if any(inside(cat_paths.get(c)) and c in cat_paths for c in cats)
            or any(inside(question_paths.get(q)) for q in qs)
        ]
    return result


# --- creating follow-ups ------------------------------------------------------------------------------------------


def _counted_reviews(round_case: RoundCase) -> list[CaseReview]:
    """The effective reviews the file's score rests on: both first reviews when within the gap, else all three."""
    from appraisal.services.reviews import effective_by_ordinal  # noqa: PLC0415 (reviews imports this module)

    by_ordinal = effective_by_ordinal(round_case)
    round_ = round_case.round
    if round_.reviews_per_file == 1:
        return [r for n, r in by_ordinal.items() if n == 1]
    first, second = by_ordinal.get(1), by_ordinal.get(2)
    if first and second and abs(first.total - second.total) <= round_.third_review_gap:
        return [first, second]
    return list(by_ordinal.values())


def _low_findings(round_case: RoundCase) -> dict[int, ReviewItemScore]:
    """{knowledge point id: the lowest low finding tagged with it} over the file's counted reviews."""
    reviews = _counted_reviews(round_case)
    rows = (
        ReviewItemScore.objects.filter(review__in=reviews)
        .select_related("item")
        .prefetch_related("item__knowledge_points")
        .order_by("score", "id")
    )
    lowest: dict[int, ReviewItemScore] = {}
    for row in rows:
        if not is_low(row.score, row.item.max_score):
            continue
        for point in row.item.knowledge_points.all():
            lowest.setdefault(point.pk, row)
    return lowest


def _mentor_task(officer: Officer, point: Category, due_on: datetime.date, case_number: str):
    """An 出题目 task on the officer's apprenticeship, set in the current mentor's name; None without a mentor."""
    mentor = extensions.current_mentor(officer)
    if mentor is None or mentor.user_id is None:
        return None
    from mentorship.models import Apprenticeship  # noqa: PLC0415
    from mentorship.services.assignments import set_assignment  # noqa: PLC0415

    apprenticeship = Apprenticeship.objects.filter(
        officer=officer,
        status=Apprenticeship.Status.IN_PROGRESS,
        pairings__mentor=mentor,
        pairings__ended_on__isnull=True,
    ).first()
    if apprenticeship is None:
        return None
    return set_assignment(
        apprenticeship=apprenticeship,
        by=mentor.user,
        title=f"{MENTOR_TASK_PREFIX}：{point.name}"[:200],
        description=_(
            "Case review of %(case)s found a weakness on “%(point)s”. Set your apprentice questions on this "
            "knowledge point and go through the answers together."
        )
        % {"case": case_number, "point": point.path},
        due_on=max(due_on, timezone.localdate()),
    )


def create_for_round_case(round_case: RoundCase, *, by, lessons_map=None) -> int:
    """The follow-ups of one file of a closed round (idempotent); returns how many were created."""
    round_case = RoundCase.objects.select_related("round", "case__handler__user", "case__unit").get(
        pk=round_case.pk
    )
    round_ = round_case.round
    lowest = _low_findings(round_case)
    if not lowest:
        return 0
    handler = round_case.case.handler
    points = {c.pk: c for c in Category.objects.filter(pk__in=lowest)}
    if lessons_map is None:
        lessons_map = lessons_covering(list(points.values()))
    already = set(
        FollowUp.objects.filter(
            officer=handler, knowledge_point__in=points, finding__review__assignment__round_case__round=round_
        ).values_list("knowledge_point_id", flat=True)
    )
    due_on = timezone.localdate(round_.closed_at or timezone.now()) + datetime.timedelta(
        days=round_.follow_up_days
    )
    created = 0
    with transaction.atomic():
        for point_id, finding in lowest.items():
            if point_id in already:
                continue
            point = points[point_id]
            lessons = lessons_map.get(point_id) or []
            kind = FollowUp.Kind.LESSONS if lessons else FollowUp.Kind.PRACTICE
            if lessons:
                course_paths = {lesson.path[: -LessonPage.steplen] for lesson in lessons}
                for course in CoursePage.objects.filter(path__in=course_paths):
                    enrol(officer=handler, course=course, by=by, due_date=due_on)
            follow_up = FollowUp.objects.create(
                officer=handler,
                finding=finding,
                knowledge_point=point,
                kind=kind,
                due_on=due_on,
                mentor_task=_mentor_task(handler, point, due_on, round_case.case.number),
            )
            audit.record(
                actor=by,
                action="appraisal.follow_up",
                obj=follow_up,
                unit=handler.unit,
                object_repr=f"{handler} · {point.path}",
                after={
                    "case": round_case.case.number,
                    "item": finding.item_id,
                    "score": str(finding.score),
                    "knowledge_point": point.path,
                    "kind": kind,
                    "lessons": [lesson.pk for lesson in lessons],
                    "due_on": due_on,
                    "mentor_task": follow_up.mentor_task_id,
                },
            )
            notify(
                handler.user,
                key=f"appraisal-follow-up:{follow_up.pk}",
                title=_("Follow-up study: %(point)s") % {"point": point.name},
                body=_("From the review of case %(case)s in %(round)s; due %(due)s.")
                % {"case": round_case.case.number, "round": round_.name, "due": due_on},
                url=reverse("appraisal:follow_ups"),
            )
            created += 1
    return created


def create_for_round(round_: ReviewRound, *, by) -> int:
    """Every follow-up of a round's low findings (idempotent)."""
    round_cases = list(RoundCase.objects.filter(round=round_, score__isnull=False))
    points = list(
        Category.objects.filter(
            pk__in=ReviewItemScore.objects.filter(review__assignment__round_case__round=round_).values(
                "item__knowledge_points"
            )
        )
    )
    lessons_map = lessons_covering(points)
    return sum(create_for_round_case(rc, by=by, lessons_map=lessons_map) for rc in round_cases)


# --- done? --------------------------------------------------------------------------------------------------------


def practice_target(point: Category) -> int:
    available = practice_allowed_questions().filter(point.subtree_q("category__")).count()
    return min(PRACTICE_TARGET, available) if available else 0


def is_done(follow_up: FollowUp, lessons_map: dict[int, list[LessonPage]] | None = None) -> bool:
    officer_id = follow_up.officer_id
    point = follow_up.knowledge_point
    if follow_up.kind == FollowUp.Kind.LESSONS:
        lessons = (lessons_map or lessons_covering([point])).get(point.pk) or []
        if not lessons:
            return False
        done = LessonProgress.objects.filter(
            officer_id=officer_id, lesson__in=[lesson.pk for lesson in lessons], completed_at__isnull=False
        ).count()
        return done >= len(lessons)
    target = practice_target(point)
    answered = PracticeProgress.objects.filter(
        officer_id=officer_id, category__in=Category.objects.filter(point.subtree_q())
    ).values_list("answered", flat=True)
    return target > 0 and sum(answered) >= target


def refresh_status(officer: Officer) -> int:
    """Mark the officer's open follow-ups done whose study is done; returns how many changed."""
    open_ = list(
        FollowUp.objects.filter(officer=officer, status=FollowUp.Status.OPEN).select_related(
            "knowledge_point"
        )
    )
    if not open_:
        return 0
    lessons_map = lessons_covering(
        list(
            {
                f.knowledge_point_id: f.knowledge_point for f in open_ if f.kind == FollowUp.Kind.LESSONS
            }.values()
        )
    )
    done_ids = [f.pk for f in open_ if is_done(f, lessons_map)]
    if done_ids:
        FollowUp.objects.filter(pk__in=done_ids, status=FollowUp.Status.OPEN).update(
            status=FollowUp.Status.DONE, done_at=timezone.now()
        )
    return len(done_ids)


def on_course_completed(sender, *, officer, **kwargs) -> None:
    """courses.signals.course_completed: a completed course may finish a lessons follow-up."""
    if FollowUp.objects.filter(officer=officer, status=FollowUp.Status.OPEN).exists():
        refresh_status(officer)


def open_follow_ups(officer: Officer):
    return FollowUp.objects.filter(officer=officer, status=FollowUp.Status.OPEN)
