"""Weakness 15: study time was credited for several lessons at once.

Heartbeats were credited per lesson, so a script beating for N lessons earned N times the time it spent. Now
time is credited per officer: all lessons share one clock, and the total never exceeds the real time."""

import datetime

import pytest
from django.utils import timezone

from courses import services
from courses.models import LessonProgress
from tests.courses.conftest import course, curriculum, home, lessons  # noqa: F401 (fixtures)

T0 = timezone.make_aware(datetime.datetime(2026, 3, 2, 20, 0, 0))


@pytest.fixture
def reader(client, trainee, course, lessons):  # noqa: F811
    services.enrol(officer=trainee, course=course, by=None)
    client.force_login(trainee.user)
    return trainee


def beat(client, lesson):
    response = client.post(
        f"/learn/lessons/{lesson.pk}/heartbeat/", {"interacted": True}, content_type="application/json"
    )
    assert response.status_code == 200
    return response.json()


def test_beating_for_three_lessons_at_once_earns_the_real_time_once(client, reader, lessons, time_machine):  # noqa: F811
    time_machine.move_to(T0, tick=False)
    for lesson in lessons:
        assert client.get(lesson.url).status_code == 200  # opening starts each lesson's clock
    credited = 0
    for step in range(1, 11):
        time_machine.move_to(T0 + datetime.timedelta(seconds=15 * step), tick=False)
        for lesson in lessons:
            credited += beat(client, lesson)["credited"]
    elapsed = 150
    assert credited == elapsed
    assert (
        sum(LessonProgress.objects.filter(officer=reader).values_list("seconds_spent", flat=True)) == elapsed
    )


def test_a_second_lesson_beating_right_after_the_first_earns_nothing(client, reader, lessons, time_machine):  # noqa: F811
    a, b = lessons[0], lessons[1]
    time_machine.move_to(T0, tick=False)
    client.get(a.url)
    client.get(b.url)
    time_machine.move_to(T0 + datetime.timedelta(seconds=15), tick=False)
    assert beat(client, a)["credited"] == 15
    time_machine.move_to(T0 + datetime.timedelta(seconds=16), tick=False)
    assert beat(client, b)["credited"] == 1  # only the second since lesson a was credited
    # Reading one lesson alone is credited as before.
    for step in range(2, 6):
        time_machine.move_to(T0 + datetime.timedelta(seconds=1 + 15 * step), tick=False)
        assert beat(client, b)["credited"] == 15
