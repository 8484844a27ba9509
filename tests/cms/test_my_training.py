"""The learner shell: "我的培训" shows the officer's real unit, category, hire date; denials for anonymous users."""

import datetime

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_my_training_shows_profile_in_chinese(client, trainee):
    client.force_login(trainee.user)
    response = client.get(reverse("my_training"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "我的培训" in body
    assert "示范市/东城区/东华街道" in body
    assert "专职安监员" in body
    assert "2024年3月1日" in body
    assert "暂未安排" in body  # no mentor yet


@pytest.mark.django_db
def test_my_training_in_english(client, trainee):
    client.force_login(trainee.user)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("my_training")).content.decode()
    assert "My training" in body and "Full-time safety officer" in body


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("my_training"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_staff_without_profile_goes_to_admin(client, hr_east):
    client.force_login(hr_east)
    response = client.get(reverse("my_training"))
    assert response.status_code == 302 and response.url.endswith("/admin/")


@pytest.mark.django_db
def test_mentor_is_shown_when_a_lookup_provides_one(client, trainee, street_east, make_officer):
    from cms import extensions

    mentor = make_officer(
        street_east, username="mentor1", name="王师傅", roles=("mentor",), hire_date=datetime.date(2015, 5, 1)
    )
    lookup = lambda officer: mentor if officer.pk == trainee.pk else None  # noqa: E731
    extensions.mentor_lookup(lookup)
    try:
        client.force_login(trainee.user)
        assert "王师傅" in client.get(reverse("my_training")).content.decode()
    finally:
        extensions.MENTOR_LOOKUPS.remove(lookup)


@pytest.mark.django_db
def test_pages_use_only_local_assets(client, trainee):
    client.force_login(trainee.user)
    for url in [reverse("my_training"), reverse("login"), "/"]:
        body = client.get(url).content.decode()
        for marker in ("http://", "https://", "//cdn", "googleapis"):
            assert f'src="{marker}' not in body and f'href="{marker}' not in body, (url, marker)


@pytest.mark.django_db
def test_my_training_queries_are_bounded(client, trainee, django_assert_max_num_queries):
    client.force_login(trainee.user)
    client.get(reverse("my_training"))
    with django_assert_max_num_queries(25):
        client.get(reverse("my_training"))


@pytest.mark.django_db
def test_notifications_are_private(client, trainee, other_trainee):
    from cms.models import Notification

    Notification.objects.create(recipient=other_trainee.user, key="k1", title="李四的私人通知")
    client.force_login(trainee.user)
    assert "李四的私人通知" not in client.get(reverse("notifications")).content.decode()


# 我的培训 (/me/), counted once and pinned, the same with one exam taken or three: a change that adds a query must
# say why here.
# 21: the 下一步 card reads the officer's attempts at the open exams once (their status: to take, in progress, not
# passed yet); with an unfinished course it also reads the lesson to resume (one more, see the card's test).
# 22: appraisal's case-review section reads the officer's pending reviews, results and open follow-ups in one query.
MY_TRAINING_QUERIES = 22  # plus the session read (session_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("exams_taken", [1, 3])
def test_my_training_query_count_is_exact(
    client, trainee, exams_taken, session_queries, django_assert_num_queries
):
    from exams import services as exam_services
    from tests.exams.conftest import make_bank, make_exam

    bank = make_bank(questions=[], n_single=3)
    for _ in range(exams_taken):
        exam = make_exam(bank, rules=[{"count": 3}])
        attempt = exam_services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
        exam_services.submit_attempt(attempt=attempt, by=trainee.user)
    client.force_login(trainee.user)
    client.get(reverse("my_training"))
    with django_assert_num_queries(MY_TRAINING_QUERIES + session_queries):
        assert client.get(reverse("my_training")).status_code == 200


@pytest.mark.django_db
def test_next_steps_come_first_continue_reading_overdue_and_open_exams(
    client, trainee, django_assert_max_num_queries
):
    """下一步 opens the page: the lesson to resume, an overdue course, an open exam with its status."""
    from cms.models import HomePage
    from courses import services as course_services
    from courses.models import CoursePage, CurriculumIndexPage, LessonPage
    from exams import services as exam_services
    from tests.courses.conftest import add_page
    from tests.exams.conftest import make_bank, make_exam

    index = add_page(HomePage.objects.get(), CurriculumIndexPage(title="课程体系", slug="curriculum"))
    course = add_page(
        index,
        CoursePage(
            title="安全生产法",
            slug="aqf",
            summary="x",
            category="law",
            study_hours=2,
            objectives=["x"],
            target_categories=[],
        ),
    )
    lesson = add_page(course, LessonPage(title="第一课 方针", slug="l1", body=[("paragraph", "<p>x</p>")]))
    course_services.enrol(officer=trainee, course=course, by=None, due_date=datetime.date(2020, 1, 1))
    course_services.lesson_opened(officer=trainee, lesson=lesson)
    exam = make_exam(make_bank(n_single=3), title="应知应会资格考试", attempts_allowed=2)
    attempt = exam_services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    client.force_login(trainee.user)
    client.get(reverse("my_training"))
    with django_assert_max_num_queries(MY_TRAINING_QUERIES + 8):
        html = client.get(reverse("my_training")).content.decode()
    card = html.split('id="next-steps"', 1)[1].split("</section>", 1)[0]
    assert html.index('id="next-steps"') < html.index('id="profile"')
    assert "继续学习" in card and "第一课 方针" in card and lesson.url in card
    assert (
        card.index("继续学习") < card.index("已逾期") < card.index("考试作答中")
    )  # resume, overdue, pressing
    assert "已逾期" in card and "截止 2020-01-01" in card
    assert "考试作答中" in card and f"/exams/attempt/{attempt.pk}/" in card
    exam_services.submit_attempt(attempt=attempt, by=trainee.user)
    card = client.get(reverse("my_training")).content.decode().split('id="next-steps"', 1)[1]
    assert "考试作答中" not in card.split("</section>", 1)[0]


@pytest.mark.django_db
def test_next_steps_says_when_nothing_waits(client, trainee):
    client.force_login(trainee.user)
    card = client.get(reverse("my_training")).content.decode().split('id="next-steps"', 1)[1]
    assert "暂无待办事项" in card.split("</section>", 1)[0]
