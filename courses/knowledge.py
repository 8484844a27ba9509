"""The adapter between knowledge-check blocks and exams' question banks: which questions a learner gets, what they
may see of them, and the grade of one answer. The only courses module that reads exams' question models."""

from __future__ import annotations

import random

from exams import grading, paper
from exams.models import Question
from exams.selectors import practice_allowed_questions, practice_questions

# Essays need a human marker: a knowledge check never shows them.
INSTANT_TYPES = ("single_choice", "multiple_choice", "true_false", "short_answer", "numerical", "matching")

# Tries per question. The right answer and the explanation (which usually gives the answer away) are shown only
# once the question is settled: answered right, or its tries used up. Until then a wrong answer says only "not
# quite", so guessing through the options is not a way to learn the answer without reading.
MAX_TRIES = 2


def block_seed(officer_id: int | None, lesson_id: int, block_id: str) -> str:
    return f"kc:{officer_id or 0}:{lesson_id}:{block_id}"


def draw(value, *, seed: str) -> list[Question]:
    """The questions of one knowledge-check block for one learner (the same every time for the same seed)."""
    explicit = [q for q in (value.get("questions") or []) if q is not None]
    # Only practice-allowed banks: a check shows the right answers, so exam-only questions never appear here,
    # not even when chosen explicitly.
    base = practice_allowed_questions().select_related("current_version").filter(type__in=INSTANT_TYPES)
    if explicit:
        found = {q.pk: q for q in base.filter(pk__in=[q.pk for q in explicit])}
        return [found[q.pk] for q in explicit if q.pk in found]
    bank = value.get("bank")
    if bank is None:
        return []
    ids = list(
        practice_questions(bank, value.get("category"))
        .filter(type__in=INSTANT_TYPES)
        .values_list("id", flat=True)
    )
    rng = random.Random(seed)
    picked = rng.sample(ids, min(int(value.get("count") or 1), len(ids)))
    found = {q.pk: q for q in base.filter(pk__in=picked)}
    return [found[i] for i in picked if i in found]


def option_order(question: Question, seed: str) -> list[int]:
    order = list(range(paper.option_count(question.current_version.data)))
    random.Random(f"{seed}:{question.pk}").shuffle(order)
    return order


def public(question: Question, seed: str) -> dict:
    """What the page may contain about a question: stem and options only, never answers or feedback."""
    data = question.current_version.data
    return {"id": question.pk, **paper.public_question(data, option_order(question, seed))}


def grade_one(question: Question, seed: str, raw) -> tuple[bool, bool]:
    """Grade one answer: (answered, correct). Says nothing about the right answer."""
    data = question.current_version.data
    answer = paper.answer_from_display(data, option_order(question, seed), raw)
    result = grading.grade(data, answer, multiple_rule=grading.ALL_OR_NOTHING)
    return result.answered, bool(result.correct)


def reveal(question: Question) -> dict:
    """The answer and its explanation: only for a settled question (see MAX_TRIES)."""
    data = question.current_version.data
    return {
        "right_answer": paper.correct_answer_text(data),
        "explanation": data.get("explanation") or "",
        "legal_basis": data.get("legal_basis") or "",
    }


def tries_key(block_id: str, question_id: int) -> str:
    return f"{block_id}:{question_id}"


def settled(state: dict, block_id: str, question_id: int) -> bool:
    """Answered right, or no tries left. `state` is LessonProgress.check_state."""
    if question_id in state.get(block_id, []):
        return True
    return (state.get("tries") or {}).get(tries_key(block_id, question_id), 0) >= MAX_TRIES


def check_done(lesson, officer_id: int | None, state: dict) -> bool:
    """Whether every question of every knowledge check on the lesson is settled (a check that draws no question
    asks nothing)."""
    for block in lesson.knowledge_check_blocks():
        seed = block_seed(officer_id, lesson.pk, block.id)
        if not all(settled(state, block.id, q.pk) for q in draw(block.value, seed=seed)):
            return False
    return True


def questions_by_stem(bank_code: str, stems: list[str]) -> list[Question]:
    """For demo content: the published questions of a bank whose stems are given (missing ones are skipped)."""
    found = {
        q.stem: q
        for q in Question.objects.filter(
            bank__code=bank_code, stem__in=stems, status=Question.Status.PUBLISHED
        )
    }
    return [found[s] for s in stems if s in found]
