"""Practice, the mistake book (错题本) and favourites."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cms.models import Officer
from exams import grading, paper
from exams.models import (
    Category,
    Favourite,
    Mistake,
    PracticeProgress,
    Question,
    QuestionBank,
)


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
