"""Reads of the case library: the cases related to a lesson (相关案例, shown under the lesson through
cms.extensions.lesson_section) and the files of a round that may be proposed for the library."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from appraisal.models import ReviewRound, RoundCase
from appraisal.pages import CasePage
from exams.models import Category, Question

RELATED_LIMIT = 5
PROPOSE_LIMIT = 5  # the best-scored files of a round offered for the library


def _lesson_refs(lesson) -> tuple[set[int], set[int]]:
    """(knowledge point ids, question ids) that the lesson's knowledge checks draw from."""
    categories: set[int] = set()
    questions: set[int] = set()
    for block in lesson.body.raw_data or []:
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


def lesson_topics(lesson) -> tuple[list[str], set[str]]:
    """(knowledge point paths, tag names) of a lesson: the points and the questions' points and tags of its
    knowledge checks. At most two queries, none when the lesson has no knowledge check."""
    category_ids, question_ids = _lesson_refs(lesson)
    tags: set[str] = set()
    if question_ids:
        rows = Question.objects.filter(pk__in=question_ids).values_list("category_id", "tags__name")
        for category_id, tag in rows:
            if category_id:
                category_ids.add(category_id)
            if tag:
                tags.add(tag)
    paths = (
        list(Category.objects.filter(pk__in=category_ids).values_list("path", flat=True))
        if category_ids
        else []
    )
    return paths, tags


def related_cases(lesson, limit: int = RELATED_LIMIT) -> list[CasePage]:
    """Live library cases sharing a knowledge point with the lesson (the point or one below it) or a tag, newest
    first."""
    paths, tags = lesson_topics(lesson)
    if not paths and not tags:
        return []
    match = Q()
    for path in paths:
        match |= Q(knowledge_points__path=path) | Q(knowledge_points__path__startswith=path + "/")
    if tags:
        match |= Q(tags__name__in=tags)
    ids = CasePage.objects.live().filter(match).values("pk")
    return list(CasePage.objects.filter(pk__in=ids).order_by("-first_published_at", "-pk")[:limit])


def lesson_section(request, lesson) -> dict | None:
    """The lesson page's 相关案例 section, or None when no case relates to it."""
    cases = related_cases(lesson)
    if not cases:
        return None
    return {"template": "appraisal/library/lesson_section.html", "cases": cases}


def proposable_cases(round_: ReviewRound, limit: int = PROPOSE_LIMIT) -> QuerySet[RoundCase]:
    """The best-scored files of a closed round (highest final score first), with whether each is already in the
    library."""
    if round_.status != ReviewRound.Status.CLOSED:
        return RoundCase.objects.none()
    return (
        RoundCase.objects.filter(round=round_, score__isnull=False)
        .select_related("case", "case__unit", "case__handler")
        .order_by("-score", "draw_order")[:limit]
    )


def proposed_round_cases(round_: ReviewRound) -> set[int]:
    """Ids of the round's files that already have a library page (draft or live)."""
    return set(CasePage.objects.filter(source__round=round_).values_list("source_id", flat=True))
