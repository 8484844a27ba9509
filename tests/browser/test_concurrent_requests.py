"""The live server the browser tests drive must serve overlapping requests the way the deployed server does: each
request on its own database connection. A lesson page writes (the reading clock starts when it opens) and its
script posts heartbeats, so a crawler that moves on while the last page's heartbeat is in flight sends two writing
requests at once. On one shared in-memory SQLite connection those interleave their transactions and one of them
fails with a 500 (CI, stop 20: the 360 px crawl of demo_trainee). This sends such overlaps on purpose and counts."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string

from cms.models import HomePage
from courses import services
from courses.models import CoursePage, CurriculumIndexPage, LessonPage, LessonProgress
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory, make_unit

ROUNDS = 40  # each round: two lesson opens and two heartbeats sent together


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_the_live_server_gives_each_request_its_own_database_connection():
    name = settings.DATABASES["default"]["NAME"]
    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # pytest-django has already switched NAME to the test database: a file, not ":memory:" or a shared-cache URI
        assert "memory" not in str(name) and "memory" not in str(test_name or ""), (name, test_name)


def test_overlapping_lesson_opens_and_heartbeats_all_succeed(live_server):
    unit = make_unit("S7801", "并发街道")
    user = UserFactory(username="overlap", roles=["trainee"])
    officer = OfficerFactory(user=user, unit=unit, name="赵六")
    EmploymentSpellFactory(officer=officer, unit=unit)
    home = HomePage.objects.get()
    index = _publish(home, CurriculumIndexPage(title="课程体系", slug="curriculum"))
    course = _publish(
        index,
        CoursePage(
            title="并发课程", slug="overlap", summary="并发", category="law", study_hours=Decimal("1")
        ),
    )
    lessons = [
        _publish(
            course,
            LessonPage(
                title=f"第{i}课",
                slug=f"l{i}",
                estimated_minutes=1,
                body=[("paragraph", f"<p>第{i}课正文</p>")],
            ),
        )
        for i in (1, 2)
    ]
    services.enrol(officer=officer, course=course, by=None)

    client = Client()
    client.force_login(user)
    csrf = get_random_string(32)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; csrftoken={csrf}"

    def send(job):
        kind, lesson = job
        if kind == "open":
            request = urllib.request.Request(f"{live_server.url}{lesson.url}", headers={"Cookie": cookie})
        else:
            request = urllib.request.Request(
                f"{live_server.url}/learn/lessons/{lesson.pk}/heartbeat/",
                data=json.dumps({"position": 0.5, "interacted": True}).encode(),
                headers={
                    "Cookie": cookie,
                    "Content-Type": "application/json",
                    "X-CSRFToken": csrf,
                    "Referer": live_server.url + lesson.url,
                },
                method="POST",
            )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    jobs = [(kind, lesson) for _ in range(ROUNDS) for lesson in lessons for kind in ("open", "beat")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(send, jobs))
    counts = {status: statuses.count(status) for status in set(statuses)}
    print(f"\n{len(jobs)} overlapping requests, by status: {counts}")
    assert counts == {200: len(jobs)}, counts
    assert LessonProgress.objects.filter(officer=officer).count() == 2


pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
