"""Learner pages: "我的培训" with bounded queries, course and lesson pages, the heartbeat endpoint, search,
self-enrolment and session pages, the one-person record, and the denials."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from courses import services
from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress, Registration
from tests.courses.conftest import add_page


def _make_courses(curriculum, n, start=0):
    courses = []
    for i in range(start, start + n):
        c = add_page(
            curriculum,
            CoursePage(title=f"课程{i}", slug=f"c{i}", summary="s", category="law", study_hours=Decimal("1")),
        )
        add_page(c, LessonPage(title=f"课时{i}a", slug="a", estimated_minutes=5, body=[]))
        add_page(c, LessonPage(title=f"课时{i}b", slug="b", estimated_minutes=5, body=[]))
        courses.append(c)
    return courses


def test_my_training_lists_courses_with_bounded_queries(
    client, trainee, curriculum, django_assert_max_num_queries
):
    courses = _make_courses(curriculum, 2)
    for c in courses:
        services.enrol(officer=trainee, course=c, by=None, due_date=datetime.date(2020, 1, 1))
    client.force_login(trainee.user)
    client.get("/me/")  # warm caches (content types, site root)
    with django_assert_max_num_queries(40) as few:
        response = client.get("/me/")
    html = response.content.decode()
    assert "课程0" in html and "课程1" in html and "badge danger" in html
    baseline = len(few.captured_queries)
    for c in _make_courses(curriculum, 8, start=2):
        services.enrol(officer=trainee, course=c, by=None)
    with django_assert_max_num_queries(baseline) as many:
        response = client.get("/me/")
    assert "课程9" in response.content.decode()
    assert len(many.captured_queries) == baseline


def test_course_page_shows_progress_and_resume(client, trainee, course, lessons):
    services.enrol(officer=trainee, course=course, by=None)
    LessonProgress.objects.create(
        officer=trainee, lesson=lessons[0], course=course, completed_at=timezone.now()
    )
    client.force_login(trainee.user)
    response = client.get(course.url)
    assert response.context["lessons_done"] == 1 and response.context["percent"] == 50
    assert response.context["resume_lesson"].pk == lessons[1].pk
    assert 'id="resume"' in response.content.decode()


def test_lesson_page_has_neighbours_and_opens_the_clock(client, trainee, course, lessons):
    services.enrol(officer=trainee, course=course, by=None)
    client.force_login(trainee.user)
    response = client.get(lessons[1].url)
    html = response.content.decode()
    assert response.context["prev_lesson"].pk == lessons[0].pk
    assert response.context["next_lesson"].pk == lessons[2].pk
    assert 'id="lesson-config"' in html and "lesson.js" in html
    progress = LessonProgress.objects.get(officer=trainee, lesson=lessons[1])
    assert progress.last_heartbeat_at is not None
    assert Enrolment.objects.get(officer=trainee).status == "in_progress"


def test_heartbeat_endpoint(client, trainee, other_trainee, course, lessons):
    services.enrol(officer=trainee, course=course, by=None)
    client.force_login(trainee.user)
    client.get(lessons[0].url)
    url = f"/learn/lessons/{lessons[0].pk}/heartbeat/"
    response = client.post(
        url, json.dumps({"position": 0.5, "interacted": True}), content_type="application/json"
    )
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"credited", "seconds_spent", "completed", "course_percent"}
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    assert client.get(url).status_code == 405
    # Not enrolled: refused.
    client.force_login(other_trainee.user)
    assert client.post(url, "{}", content_type="application/json").status_code == 409


def test_self_enrolment_only_in_open_courses_with_prerequisites_done(
    client, trainee, curriculum, course, lessons
):
    advanced = add_page(
        curriculum, CoursePage(title="进阶", slug="adv", summary="s", category="practice", is_open=True)
    )
    advanced.prerequisites.add(course)
    advanced.save_revision().publish()
    client.force_login(trainee.user)
    client.post(f"/learn/courses/{course.pk}/enrol/")
    assert not Enrolment.objects.filter(officer=trainee, course=course).exists()  # not open
    client.post(f"/learn/courses/{advanced.pk}/enrol/")
    assert not Enrolment.objects.filter(officer=trainee, course=advanced).exists()  # prerequisite missing
    Enrolment.objects.create(officer=trainee, course=course, completed_at=timezone.now(), status="completed")
    client.post(f"/learn/courses/{advanced.pk}/enrol/")
    assert Enrolment.objects.get(officer=trainee, course=advanced).source == "self"


def test_search_finds_courses_and_lessons(client, trainee, course, lessons):
    client.force_login(trainee.user)
    response = client.get("/learn/", {"q": "安全生产法"})
    assert response.status_code == 200
    assert course.title in response.content.decode()


def test_session_pages_registration_and_check_in(client, trainee, other_trainee, session, time_machine):
    day = session.days.get(date=timezone.localdate())
    time_machine.move_to(
        timezone.make_aware(datetime.datetime.combine(day.date, datetime.time(8, 50))), tick=False
    )
    client.force_login(trainee.user)
    assert session.title in client.get("/learn/sessions/").content.decode()
    client.post(f"/learn/sessions/{session.pk}/register/")
    assert Registration.objects.get(officer=trainee).status == "registered"
    right = day.checkin_code()
    client.post("/learn/check-in/", {"day": day.pk, "code": f"{(int(right) + 1) % 10**6:06d}"})
    assert not day.attendance.exists()
    # The organizer's QR code opens the page with the day and the current code filled in.
    page = client.get("/learn/check-in/", {"day": day.pk, "code": right})
    assert f'value="{right}"' in page.content.decode()
    response = client.post("/learn/check-in/", {"day": day.pk, "code": right})
    assert response.status_code == 302 and day.attendance.get().officer == trainee
    # Another district's officer cannot even see the session.
    client.force_login(other_trainee.user)
    assert client.get(f"/learn/sessions/{session.pk}/").status_code == 404
    assert client.post(f"/learn/sessions/{session.pk}/register/").status_code == 404


def test_record_pages_and_denials(client, trainee, other_trainee, hr_east):
    client.force_login(trainee.user)
    response = client.get("/learn/record/")
    assert response.status_code == 200 and trainee.name in response.content.decode()
    assert client.get(f"/learn/record/{other_trainee.pk}/").status_code == 404
    assert client.get(f"/learn/record/{trainee.pk}/").status_code == 302  # own record → canonical URL
    client.force_login(hr_east)
    assert client.get(f"/learn/record/{trainee.pk}/").status_code == 200
    assert client.get(f"/learn/record/{other_trainee.pk}/").status_code == 404
    assert client.get("/learn/record/").status_code == 404  # HR account without an officer profile


@pytest.mark.parametrize("url", ["/learn/", "/learn/sessions/", "/learn/record/", "/learn/check-in/"])
def test_learner_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_finished_course_offers_reading_again_not_continuing(client, trainee, course, lessons):
    enrolment = services.enrol(officer=trainee, course=course, by=None)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.COMPLETED, completed_at=timezone.now()
    )
    client.force_login(trainee.user)
    html = client.get(course.url).content.decode()
    assert 'id="resume"' not in html and "继续学习" not in html
    assert 'id="read-again"' in html and "重新阅读" in html


def test_check_in_explains_when_there_is_no_training_day_today(client, trainee):
    client.force_login(trainee.user)
    html = client.get("/learn/check-in/").content.decode()
    assert 'id="checkin-none"' in html and "今天没有您报名的集训日" in html
    assert 'name="code"' not in html


def test_the_record_tables_carry_labels_for_the_phone_cards(client, trainee, course, lessons):
    services.enrol(officer=trainee, course=course, by=None)
    client.force_login(trainee.user)
    html = client.get("/learn/record/").content.decode()
    assert 'class="simple cards"' in html
    assert f'<td data-label="课程">{course.title}</td>' in html
