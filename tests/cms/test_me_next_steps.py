"""Issue #12 item 16: the 下一步 card at the top of 我的培训 (/me/) — due-soon courses and open exams with their status.

tests/cms/test_my_training.py covers the resume link, an overdue course and an exam in progress; these add a course
due within COURSES_DUE_SOON_DAYS, an open exam not started yet, one not passed yet, and one already passed."""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cms.models import HomePage
from courses import services as course_services
from courses.models import CoursePage, CurriculumIndexPage
from exams import services as exam_services
from tests.courses.conftest import add_page
from tests.exams.conftest import make_bank, make_exam

pytestmark = pytest.mark.django_db


def _card(html: str) -> str:
    return html.split('id="next-steps"', 1)[1].split("</section>", 1)[0]


def _steps(card: str) -> list[str]:
    """Each step of the card as the reader sees it: its text with the tags removed, spaces collapsed."""
    items = re.findall(r'<li class="step[^"]*">(.*?)</li>', card, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def _me(client, officer) -> str:
    client.force_login(officer.user)
    response = client.get(reverse("my_training"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def curriculum(db):
    return add_page(HomePage.objects.get(), CurriculumIndexPage(title="课程体系", slug="curriculum"))


def _course(curriculum, title, slug):
    return add_page(
        curriculum,
        CoursePage(
            title=title,
            slug=slug,
            summary="x",
            category="law",
            study_hours=2,
            objectives=["x"],
            target_categories=[],
        ),
    )


def _enrol(officer, course, due):
    course_services.enrol(officer=officer, course=course, by=None, due_date=due)


# --- courses ----------------------------------------------------------------------------------------------------


def test_a_course_due_within_the_due_soon_window_is_on_the_card_with_its_due_date(
    client, trainee, curriculum, settings
):
    today = timezone.localdate()
    days = settings.COURSES_DUE_SOON_DAYS
    overdue, soon, later = (
        _course(curriculum, "逾期课程甲", "overdue"),
        _course(curriculum, "即将到期课程乙", "soon"),
        _course(curriculum, "远期课程丙", "later"),
    )
    _enrol(trainee, overdue, today - datetime.timedelta(days=1))
    soon_due = today + datetime.timedelta(days=days)  # the last day of the window still counts
    _enrol(trainee, soon, soon_due)
    _enrol(trainee, later, today + datetime.timedelta(days=days + 1))

    html = _me(client, trainee)
    card = _card(html)
    steps = _steps(card)
    due_soon = [s for s in steps if "即将到期" in s]
    assert due_soon == [f"即将到期 即将到期课程乙 截止 {soon_due:%Y-%m-%d}"]
    assert soon.url in card
    assert any(s.startswith("已逾期 逾期课程甲") for s in steps)
    # One day past the window: not pressing yet, so not on the card at all.
    assert "远期课程丙" not in card
    # Overdue before due soon.
    assert steps.index(next(s for s in steps if s.startswith("已逾期"))) < steps.index(due_soon[0])
    # The card opens the page: above every other section, the profile facts included.
    assert html.index('id="next-steps"') < html.index('id="profile"')
    assert html.index('id="next-steps"') < html.index('class="card"')


def test_a_finished_course_due_soon_is_not_on_the_card(client, trainee, curriculum):
    from courses.models import Enrolment

    course = _course(curriculum, "已学完课程", "done")
    _enrol(trainee, course, timezone.localdate() + datetime.timedelta(days=2))
    Enrolment.objects.filter(officer=trainee, course=course).update(
        completed_at=timezone.now(), status=Enrolment.Status.COMPLETED
    )
    card = _card(_me(client, trainee))
    assert "已学完课程" not in card
    assert "暂无待办事项" in card


def test_the_due_soon_window_follows_the_setting(client, trainee, curriculum, settings):
    settings.COURSES_DUE_SOON_DAYS = 14
    due = timezone.localdate() + datetime.timedelta(days=10)
    _enrol(trainee, _course(curriculum, "十天后到期", "ten"), due)
    steps = _steps(_card(_me(client, trainee)))
    assert f"即将到期 十天后到期 截止 {due:%Y-%m-%d}" in steps


# --- exams ------------------------------------------------------------------------------------------------------


_BANK_CODES = itertools.count(1)


def _exam(title, **kwargs):
    bank = make_bank(code=f"NS{next(_BANK_CODES)}", questions=[], n_single=3)
    return make_exam(
        bank,
        rules=[{"question_type": "single_choice", "count": 3, "points": Decimal("2")}],
        title=title,
        attempts_allowed=2,
        **kwargs,
    )


def _take(exam, officer, *, right: bool):
    attempt = exam_services.start_attempt(exam=exam, officer=officer, by=officer.user)
    for r in attempt.responses.select_related("version"):
        choices = r.version.data["choices"]
        pick = next(i for i, c in enumerate(choices) if (c["fraction"] >= 1) == right)
        exam_services.save_answer(
            attempt_id=attempt.pk, officer=officer, position=r.position, raw=r.option_order.index(pick), seq=1
        )
    attempt = exam_services.submit_attempt(attempt=attempt, by=officer.user)
    assert attempt.passed is right
    return attempt


def test_an_open_exam_not_started_is_on_the_card_as_to_take_with_its_closing_time(client, trainee):
    closes = timezone.now() + datetime.timedelta(days=3)
    exam = _exam("应知应会资格考试", closes_at=closes)
    _exam("尚未开放的考试", opens_at=timezone.now() + datetime.timedelta(days=1))
    _exam("已经截止的考试", closes_at=timezone.now() - datetime.timedelta(days=1))

    card = _card(_me(client, trainee))
    steps = _steps(card)
    assert f"待参加考试 应知应会资格考试 截止 {timezone.localtime(closes):%Y-%m-%d %H:%M}" in steps
    assert f'href="{reverse("exams:exam_detail", args=[exam.pk])}"' in card
    # Only exams the officer can sit now.
    assert "尚未开放的考试" not in card and "已经截止的考试" not in card


def test_a_passed_exam_leaves_the_card_and_a_failed_one_says_not_passed_with_tries_left(client, trainee):
    passed, failed = _exam("已通过的考试"), _exam("未通过的考试")
    _take(passed, trainee, right=True)
    _take(failed, trainee, right=False)

    card = _card(_me(client, trainee))
    steps = _steps(card)
    assert "已通过的考试" not in card
    assert "尚未通过 未通过的考试 还可考 1 次" in steps
    assert f'href="{reverse("exams:exam_detail", args=[failed.pk])}"' in card


def test_an_exam_with_no_tries_left_leaves_the_card(client, trainee):
    exam = _exam("机会用完的考试")
    _take(exam, trainee, right=False)
    _take(exam, trainee, right=False)
    assert "机会用完的考试" not in _card(_me(client, trainee))


def test_the_card_does_not_reveal_an_outcome_the_review_policy_holds_back(client, trainee):
    held = {"closes_at": timezone.now() + datetime.timedelta(days=3), "after_submit_score": False}
    _take(_exam("成绩待公布甲", **held), trainee, right=True)
    _take(_exam("成绩待公布乙", **held), trainee, right=False)

    steps = _steps(_card(_me(client, trainee)))
    passed = [s.replace("成绩待公布甲", "…") for s in steps if "成绩待公布甲" in s]
    failed = [s.replace("成绩待公布乙", "…") for s in steps if "成绩待公布乙" in s]
    # Passed or not, the two exams look the same on the card until the result is released.
    closes = timezone.localtime(held["closes_at"])
    assert passed == failed == [f"已提交 … 截止 {closes:%Y-%m-%d %H:%M}"]
    assert not any("尚未通过" in s for s in steps)
