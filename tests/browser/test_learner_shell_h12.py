"""On a 360×740 phone: a knowledge check keeps the answer back until it is settled and the lesson shows its reading
clock; the tab bar shows the active tab and a cue while tabs are off-screen."""

import os
from decimal import Decimal

import pytest

from cms.models import HomePage
from courses import services
from courses.models import CoursePage, CurriculumIndexPage, LessonPage
from exams import services as exam_services
from exams.models import QuestionBank
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory, make_unit

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

QUESTION = {
    "type": "true_false",
    "title": None,
    "stem": "安全生产工作坚持安全第一、预防为主、综合治理的方针。",
    "category": "法律法规",
    "explanation": "见《安全生产法》第三条。",
    "difficulty": 1,
    "tags": [],
    "answer": True,
}


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def trainee_with_a_check(db):
    unit = make_unit("S7702", "测试街道")
    user = UserFactory(username="checker360", roles=["trainee"])
    officer = OfficerFactory(user=user, unit=unit, name="赵六")
    EmploymentSpellFactory(officer=officer, unit=unit)
    bank = QuestionBank.objects.create(code="KC360", name="检测题库", practice_allowed=True)
    exam_services.import_questions(bank=bank, questions=[QUESTION], by=None)
    index = _publish(HomePage.objects.get(), CurriculumIndexPage(title="课程体系", slug="curriculum"))
    course = _publish(
        index,
        CoursePage(title="安全生产法", slug="aqf", summary="入门", category="law", study_hours=Decimal("1")),
    )
    lesson = _publish(
        course,
        LessonPage(
            title="方针",
            slug="principles",
            estimated_minutes=20,
            body=[
                ("paragraph", "<p>安全第一、预防为主、综合治理。</p>"),
                (
                    "knowledge_check",
                    {"title": "小测", "bank": bank, "category": None, "questions": [], "count": 1},
                ),
            ],
        ),
    )
    services.enrol(officer=officer, course=course, by=None)
    return lesson


def test_a_wrong_answer_keeps_the_answer_back_until_the_tries_are_used(
    phone, login, live_server, trainee_with_a_check
):
    lesson = trainee_with_a_check
    login(phone, "checker360", "Passw0rd!2026")
    phone.goto(f"{live_server.url}{lesson.url}")
    assert phone.locator("#lesson-clock-text").inner_text() == "已学 0 / 16 分钟"
    assert phone.locator("#lesson-check-pending").is_visible()
    form = phone.locator("form.kc-question").first
    form.locator("input[value=false]").check()
    form.locator("button[type=submit]").click()
    feedback = form.locator(".kc-feedback")
    feedback.get_by_text("还可作答 1 次").wait_for()
    assert "正确答案" not in feedback.inner_text() and "第三条" not in feedback.inner_text()
    form.locator("input[value=false]").check()
    form.locator("button[type=submit]").click()
    feedback.get_by_text("正确答案").wait_for()
    assert "见《安全生产法》第三条。" in feedback.inner_text()
    assert form.locator("input[value=true]").is_disabled()  # settled: no more answers
    # the check is done, the reading is not: the lesson is still in progress
    assert phone.locator("#lesson-check-pending").is_hidden()
    assert phone.locator("#lesson-completed").count() == 0
    phone.screenshot(path="/tmp/shots_h12b/kc_flow_360.png", full_page=True)
    assert phone.external_requests == []


def test_the_tab_bar_shows_the_active_tab_and_a_cue_for_more(phone, login, live_server, trainee_with_a_check):
    login(phone, "checker360", "Passw0rd!2026")
    phone.goto(f"{live_server.url}/me/")
    nav = phone.locator("nav.mainnav")
    assert nav.get_attribute("data-more") == "right"  # more tabs than fit at 360 px
    assert nav.locator(".more").is_visible()
    phone.goto(f"{live_server.url}/learn/record/")
    active = nav.locator("a.active")
    assert active.get_attribute("href") == "/learn/record/"
    box = active.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360  # scrolled into view
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
