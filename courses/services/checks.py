"""Knowledge checks inside lessons: graded server-side for feedback only, a few tries per question, the answer
revealed only once a question is settled; a lesson that requires its check completes only when it is done too."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Officer
from courses import knowledge
from courses.models import LessonPage, LessonProgress
from courses.services.errors import CoursesError
from courses.services.progress import (
    _course_id_of,
    _enrolment_for,
    _maybe_complete_lesson,
    evaluate_enrolment,
)


def answer_check(
    *, officer: Officer | None, lesson: LessonPage, block_id: str, question_id: int, raw
) -> dict:
    """Grade one knowledge-check question server-side; return its feedback only. Never graded for the record.

    Each question has knowledge.MAX_TRIES tries; its answer and explanation are revealed only once it is settled
    (answered right or out of tries), and a settled question is not graded again. When the lesson requires its
    check, settling every question is one more condition of completion, besides the reading time."""
    blocks = {b.id: b for b in lesson.knowledge_check_blocks()}
    block = blocks.get(block_id)
    if block is None:
        raise CoursesError(_("This knowledge check no longer exists; reload the page."), code="check_missing")
    seed = knowledge.block_seed(officer.pk if officer else None, lesson.pk, block_id)
    questions = {q.pk: q for q in knowledge.draw(block.value, seed=seed)}
    question = questions.get(question_id)
    if question is None:
        raise CoursesError(_("This question is not part of the knowledge check."), code="question_missing")
    feedback = {
        "question": question.pk,
        "answered": False,
        "correct": False,
        "settled": False,
        "tries_left": knowledge.MAX_TRIES,
        "lesson_completed": False,
        "check_passed": False,
    }
    enrolment = _enrolment_for(officer, _course_id_of(lesson)) if officer is not None else None
    if enrolment is None:
        # Nothing is kept for a visitor, so nothing counts tries: a right answer is confirmed, nothing revealed.
        feedback["answered"], feedback["correct"] = knowledge.grade_one(question, seed, raw)
        if feedback["correct"]:
            feedback.update(settled=True, tries_left=0, **knowledge.reveal(question))
        return feedback
    now = timezone.now()
    with transaction.atomic():
        progress, _c = LessonProgress.objects.select_for_update().get_or_create(
            officer=officer, lesson=lesson, defaults={"course_id": enrolment.course_id, "started_at": now}
        )
        state = dict(progress.check_state or {})
        tries = dict(state.get("tries") or {})
        key = knowledge.tries_key(block_id, question.pk)
        if knowledge.settled(state, block_id, question.pk):
            feedback["answered"] = True
            feedback["correct"] = question.pk in state.get(block_id, [])
        else:
            answered, correct = knowledge.grade_one(question, seed, raw)
            feedback["answered"], feedback["correct"] = answered, correct
            if answered:  # an empty answer costs no try
                tries[key] = tries.get(key, 0) + 1
                if correct:
                    state[block_id] = sorted({*state.get(block_id, []), question.pk})
                state["tries"] = tries
                progress.check_state = state
        feedback["settled"] = knowledge.settled(state, block_id, question.pk)
        feedback["tries_left"] = max(knowledge.MAX_TRIES - tries.get(key, 0), 0)
        if feedback["settled"]:
            feedback.update(knowledge.reveal(question))
        progress.check_passed = progress.check_passed or knowledge.check_done(lesson, officer.pk, state)
        progress.save(update_fields=["check_state", "check_passed"])
        feedback["check_passed"] = progress.check_passed
        if _maybe_complete_lesson(progress, lesson, now):
            feedback["lesson_completed"] = True
            evaluate_enrolment(enrolment=enrolment, now=now)
    return feedback
