"""Drawing a paper: the candidate pools per exam rule (cached per process) and the seeded draw."""

from __future__ import annotations

import random
from decimal import Decimal

from django.utils.translation import gettext as _

from exams.models import (
    Category,
    Exam,
    Question,
)
from exams.services.errors import ExamError

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
                % {"count": rule.count, "available": len(pool)},
                code="pool_too_small",
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
