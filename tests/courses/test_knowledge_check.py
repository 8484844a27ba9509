"""Knowledge checks: the page carries stems and options only; the endpoint grades one question and answers for it
alone, revealing the answer only once the question is settled (right, or out of tries); a required check is a
condition of completion besides the reading time, never a shortcut."""

import datetime
import json

import pytest
from django.test import override_settings
from django.utils import timezone

from courses import knowledge, services
from courses.models import LessonProgress, StudyHoursEntry
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


def test_a_wrong_answer_reveals_nothing_until_the_tries_are_used_up(client, trainee, kc_lesson, enrolled):
    client.force_login(trainee.user)
    block, seed, (first, second) = _drawn(trainee, kc_lesson)
    wrong = {"block": block.id, "question": first.pk, "answer": _wrong_display_answer(first, seed)}
    response = post(client, kc_lesson, wrong)
    assert response.status_code == 200
    data = response.json()
    assert data["correct"] is False and data["settled"] is False and data["tries_left"] == 1
    body = response.content.decode()
    assert "right_answer" not in data and "legal_basis" not in data and first.explanation not in body
    data = post(client, kc_lesson, wrong).json()
    assert data["settled"] is True and data["tries_left"] == 0
    assert data["right_answer"] == knowledge.reveal(first)["right_answer"] != ""
    assert data["explanation"] == first.explanation
    assert second.explanation not in json.dumps(data, ensure_ascii=False)
    # Settled: a right answer now is not graded again, and the question stays wrong.
    data = post(
        client,
        kc_lesson,
        {"block": block.id, "question": first.pk, "answer": _right_display_answer(first, seed)},
    ).json()
    assert data["correct"] is False and data["settled"] is True
    assert LessonProgress.objects.get(officer=trainee, lesson=kc_lesson).check_state.get(block.id, []) == []


def test_a_right_answer_shows_the_explanation_and_settles_the_question(client, trainee, kc_lesson, enrolled):
    client.force_login(trainee.user)
    block, seed, (first, _second) = _drawn(trainee, kc_lesson)
    data = post(
        client,
        kc_lesson,
        {"block": block.id, "question": first.pk, "answer": _right_display_answer(first, seed)},
    ).json()
    assert data["correct"] and data["settled"] and data["explanation"] == first.explanation


def test_a_settled_question_shows_its_answer_after_a_reload_and_open_ones_do_not(
    client, trainee, kc_lesson, enrolled
):
    client.force_login(trainee.user)
    block, seed, (first, second) = _drawn(trainee, kc_lesson)
    for _ in range(knowledge.MAX_TRIES):
        post(
            client,
            kc_lesson,
            {"block": block.id, "question": first.pk, "answer": _wrong_display_answer(first, seed)},
        )
    html = client.get(kc_lesson.url).content.decode()
    assert first.explanation in html and second.explanation not in html


def test_answering_the_check_without_reading_neither_completes_the_lesson_nor_earns_hours(
    client, trainee, kc_lesson, enrolled
):
    """The 23-second course: every question right, no reading time."""
    client.force_login(trainee.user)
    block, seed, questions = _drawn(trainee, kc_lesson)
    for q in questions:
        data = post(
            client, kc_lesson, {"block": block.id, "question": q.pk, "answer": _right_display_answer(q, seed)}
        ).json()
    assert data["check_passed"] and not data["lesson_completed"]
    assert not LessonProgress.objects.get(officer=trainee, lesson=kc_lesson).is_complete
    assert not StudyHoursEntry.objects.filter(officer_id=trainee.pk).exists()


def _read_to_the_end(trainee, lesson, seconds):
    start = timezone.now() - datetime.timedelta(seconds=seconds + 60)
    services.lesson_opened(officer=trainee, lesson=lesson, now=start)
    result = None
    for s in range(15, seconds + 1, 15):
        result = services.heartbeat(
            officer=trainee,
            lesson=lesson,
            now=start + datetime.timedelta(seconds=s),
            interacted=True,
            reached_end=True,
        )
    return result


@override_settings(COURSES_COMPLETION_SHARE=0.05)  # 30 min lesson → 90 s of reading
def test_a_required_check_is_a_condition_besides_the_reading(client, trainee, kc_lesson, enrolled):
    result = _read_to_the_end(trainee, kc_lesson, 90)
    assert result.progress.seconds_spent == 90 and not result.lesson_completed
    client.force_login(trainee.user)
    block, seed, (first, second) = _drawn(trainee, kc_lesson)
    post(
        client,
        kc_lesson,
        {"block": block.id, "question": first.pk, "answer": _right_display_answer(first, seed)},
    )
    # Wrong twice: out of tries is settled too, so a learner is never stuck on a check.
    for _ in range(knowledge.MAX_TRIES):
        data = post(
            client,
            kc_lesson,
            {"block": block.id, "question": second.pk, "answer": _wrong_display_answer(second, seed)},
        ).json()
    assert data["check_passed"] and data["lesson_completed"]
    assert LessonProgress.objects.get(officer=trainee, lesson=kc_lesson).is_complete


@override_settings(COURSES_COMPLETION_SHARE=0.05)
def test_a_lesson_not_requiring_its_check_completes_by_reading(trainee, kc_lesson, enrolled):
    kc_lesson.complete_on_check = False
    kc_lesson.save_revision().publish()
    assert _read_to_the_end(trainee, kc_lesson, 90).lesson_completed


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


def test_only_officers_may_post(client, hr_east, kc_lesson):
    client.force_login(hr_east)
    assert post(client, kc_lesson, {"block": "x", "question": 1, "answer": 0}).status_code == 404


@override_settings(COURSES_COMPLETION_SHARE=0.05)
def test_the_lesson_shows_the_reading_clock_and_what_is_still_needed(client, trainee, kc_lesson, enrolled):
    _read_to_the_end(trainee, kc_lesson, 60)
    client.force_login(trainee.user)
    html = client.get(kc_lesson.url).content.decode()
    assert "已学 1 / 2 分钟" in html  # 60 s read of the 90 s required (5 % of 30 min)
    assert "还需完成本课知识检测" in html
