"""Knowledge checks: the page carries stems and options only; the endpoint grades one question and answers for it
alone; passing every check completes a lesson configured that way."""

import json

import pytest

from courses import knowledge, services
from courses.models import LessonProgress
from exams.models import Question


@pytest.fixture
def enrolled(trainee, course):
    return services.enrol(officer=trainee, course=course, by=None)


def _drawn(trainee, lesson):
    block = lesson.knowledge_check_blocks()[0]
    seed = knowledge.block_seed(trainee.pk, lesson.pk, block.id)
    return block, seed, knowledge.draw(block.value, seed=seed)


def _right_display_answer(question, seed):
    data = question.current_version.data
    if data["type"] == "true_false":
        return "true" if data["answer"] else "false"
    order = knowledge.option_order(question, seed)
    right = next(i for i, c in enumerate(data["choices"]) if c["fraction"] > 0)
    return order.index(right)


def _wrong_display_answer(question, seed):
    data = question.current_version.data
    if data["type"] == "true_false":
        return "false" if data["answer"] else "true"
    order = knowledge.option_order(question, seed)
    wrong = next(i for i, c in enumerate(data["choices"]) if c["fraction"] <= 0)
    return order.index(wrong)


def post(client, lesson, payload):
    return client.post(
        f"/learn/lessons/{lesson.pk}/check/", json.dumps(payload), content_type="application/json"
    )


def test_draw_is_stable_and_limited_to_the_knowledge_point(trainee, kc_lesson):
    block, seed, questions = _drawn(trainee, kc_lesson)
    assert len(questions) == 2
    assert {q.category.path for q in questions} == {"法律法规"}
    assert [q.pk for q in knowledge.draw(block.value, seed=seed)] == [q.pk for q in questions]


def test_page_never_contains_answers_or_explanations(client, trainee, kc_lesson, enrolled):
    client.force_login(trainee.user)
    html = client.get(kc_lesson.url).content.decode()
    for q in Question.objects.all():
        assert q.explanation not in html
    assert "fraction" not in html and "EXPLAIN" not in html
    assert "主要负责人对本单位安全生产工作负有什么责任" in html
    assert "一般事故的死亡人数上限" not in html  # another knowledge point: not drawn


def test_endpoint_grades_one_question_and_returns_only_its_feedback(client, trainee, kc_lesson, enrolled):
    client.force_login(trainee.user)
    block, seed, questions = _drawn(trainee, kc_lesson)
    first, second = questions
    response = post(
        client,
        kc_lesson,
        {"block": block.id, "question": first.pk, "answer": _wrong_display_answer(first, seed)},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["correct"] is False and data["question"] == first.pk
    assert data["explanation"] == first.explanation
    assert second.explanation not in response.content.decode()
    assert set(data) == {
        "question",
        "answered",
        "correct",
        "right_answer",
        "explanation",
        "legal_basis",
        "lesson_completed",
        "check_passed",
    }


def test_questions_outside_the_draw_are_refused(client, trainee, kc_lesson, enrolled, bank):
    client.force_login(trainee.user)
    block, seed, questions = _drawn(trainee, kc_lesson)
    other = Question.objects.exclude(pk__in=[q.pk for q in questions]).first()
    assert post(client, kc_lesson, {"block": block.id, "question": other.pk, "answer": 0}).status_code == 404
    assert (
        post(client, kc_lesson, {"block": "nope", "question": questions[0].pk, "answer": 0}).status_code
        == 404
    )
    assert post(client, kc_lesson, {"block": block.id}).status_code == 400


def test_answering_every_question_right_completes_the_lesson(client, trainee, kc_lesson, enrolled):
    client.force_login(trainee.user)
    block, seed, (first, second) = _drawn(trainee, kc_lesson)
    data = post(
        client,
        kc_lesson,
        {"block": block.id, "question": first.pk, "answer": _right_display_answer(first, seed)},
    ).json()
    assert data["correct"] and not data["lesson_completed"]
    data = post(
        client,
        kc_lesson,
        {"block": block.id, "question": second.pk, "answer": _right_display_answer(second, seed)},
    ).json()
    assert data["correct"] and data["check_passed"] and data["lesson_completed"]
    progress = LessonProgress.objects.get(officer=trainee, lesson=kc_lesson)
    assert progress.is_complete and progress.seconds_spent == 0


def test_a_lesson_not_configured_for_it_needs_the_reading(client, trainee, kc_lesson, enrolled):
    kc_lesson.complete_on_check = False
    kc_lesson.save_revision().publish()
    client.force_login(trainee.user)
    block, seed, questions = _drawn(trainee, kc_lesson)
    for q in questions:
        data = post(
            client, kc_lesson, {"block": block.id, "question": q.pk, "answer": _right_display_answer(q, seed)}
        ).json()
    assert data["check_passed"] and not data["lesson_completed"]


def test_only_officers_may_post(client, hr_east, kc_lesson):
    client.force_login(hr_east)
    assert post(client, kc_lesson, {"block": "x", "question": 1, "answer": 0}).status_code == 404
