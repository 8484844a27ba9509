"""Knowledge checks inside lessons: graded server-side for feedback only; passing every check may complete the
lesson."""

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
    """Grade one knowledge-check question server-side; return its feedback only. Never graded for the record,
    but when every question of every check on the page has been answered right, the lesson may complete."""
    blocks = {b.id: b for b in lesson.knowledge_check_blocks()}
    block = blocks.get(block_id)
    if block is None:
        raise CoursesError(_("This knowledge check no longer exists; reload the page."), code="check_missing")
    seed = knowledge.block_seed(officer.pk if officer else None, lesson.pk, block_id)
    questions = {q.pk: q for q in knowledge.draw(block.value, seed=seed)}
    question = questions.get(question_id)
    if question is None:
        raise CoursesError(_("This question is not part of the knowledge check."), code="question_missing")
    feedback = knowledge.grade_one(question, seed, raw)
    feedback["lesson_completed"] = False
    feedback["check_passed"] = False
    if officer is None:
        return feedback
    course_id = _course_id_of(lesson)
    enrolment = _enrolment_for(officer, course_id)
    if enrolment is None:
        return feedback
    now = timezone.now()
    with transaction.atomic():
        progress, _c = LessonProgress.objects.select_for_update().get_or_create(
            officer=officer, lesson=lesson, defaults={"course_id": course_id, "started_at": now}
        )
        state = dict(progress.check_state or {})
        right = set(state.get(block_id, []))
        if feedback["correct"]:
            right.add(question.pk)
        else:
            right.discard(question.pk)
        state[block_id] = sorted(right)
        progress.check_state = state
        passed = True
        for bid, blk in blocks.items():
            wanted = {
                q.pk
                for q in (
                    questions.values()
                    if bid == block_id
                    else knowledge.draw(blk.value, seed=knowledge.block_seed(officer.pk, lesson.pk, bid))
                )
            }
            if not wanted or not wanted <= set(state.get(bid, [])):
                passed = False
                break
        progress.check_passed = progress.check_passed or passed
        progress.save(update_fields=["check_state", "check_passed"])
        feedback["check_passed"] = progress.check_passed
        if _maybe_complete_lesson(progress, lesson, now):
            feedback["lesson_completed"] = True
            evaluate_enrolment(enrolment=enrolment, now=now)
    return feedback
