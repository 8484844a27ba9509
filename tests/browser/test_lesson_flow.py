"""On a 360×740 phone: open a lesson, read it to the end, see it completed and the course's progress move."""

import os
from decimal import Decimal

import pytest

from cms.models import HomePage
from courses import services
from courses.models import CoursePage, CurriculumIndexPage, LessonPage, LessonProgress
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory, make_unit

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PARAGRAPHS = [
    (
        "paragraph",
        f"<p>第{i}段：生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。"
        "其他负责人对职责范围内的安全生产工作负责。安监员在现场检查时应当对照条文逐项核查。</p>",
    )
    for i in range(1, 16)
]


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_read_a_lesson_to_the_end_on_a_phone(phone, login, live_server, settings):
    # Small threshold: 5 % of 1 minute = 3 seconds of reading.
    settings.COURSES_COMPLETION_SHARE = 0.05
    unit = make_unit("S7701", "测试街道")
    user = UserFactory(username="reader360", roles=["trainee"])
    officer = OfficerFactory(user=user, unit=unit, name="王五")
    EmploymentSpellFactory(officer=officer, unit=unit)
    home = HomePage.objects.get()
    index = _publish(home, CurriculumIndexPage(title="课程体系", slug="curriculum"))
    course = _publish(
        index,
        CoursePage(
            title="安全生产法入门", slug="aqf-intro", summary="入门", category="law", study_hours=Decimal("1")
        ),
    )
    first = _publish(
        course,
        LessonPage(
            title="主要负责人的职责",
            slug="duties",
            estimated_minutes=1,
            body=[
                ("heading", "第一责任人"),
                (
                    "legal_article",
                    {
                        "law": "《中华人民共和国安全生产法》",
                        "article": "第五条",
                        "text": "生产经营单位的主要负责人是本单位安全生产第一责任人。",
                    },
                ),
                *PARAGRAPHS,
                ("callout", {"kind": "tip", "text": "读到这里，本课时就完成了。"}),
            ],
        ),
    )
    _publish(
        course, LessonPage(title="从业人员的权利", slug="rights", estimated_minutes=1, body=PARAGRAPHS[:3])
    )
    services.enrol(officer=officer, course=course, by=None)

    login(phone, "reader360", "Passw0rd!2026")
    phone.goto(f"{live_server.url}{course.url}")
    assert phone.locator("#resume").is_visible()
    phone.click("#resume")
    phone.wait_for_url(f"**{first.url}")
    assert phone.locator("h1").inner_text() == "主要负责人的职责"
    assert phone.locator("#course-progress > span").evaluate("e => e.style.width") == "0%"
    # The course's bar is labelled and sits above the title, apart from the lesson's reading clock.
    assert phone.locator(".course-progress-line").inner_text().split() == ["课程进度", "0%"]
    assert phone.locator("#course-progress").bounding_box()["y"] < phone.locator("h1").bounding_box()["y"]
    assert phone.locator(".lesson-meta").inner_text().startswith("预计")
    assert phone.locator("#lesson-completed").count() == 0

    phone.wait_for_timeout(3500)  # read for a while
    for _ in range(30):  # scroll down the way a thumb does
        phone.mouse.wheel(0, 400)
        phone.wait_for_timeout(120)
    phone.locator("#lesson-completed").wait_for(state="visible", timeout=15000)
    phone.screenshot(path="/tmp/lesson_360.png")
    assert phone.locator("#lesson-completed").inner_text() == "已完成"
    phone.wait_for_function("document.querySelector('#course-progress > span').style.width === '50%'")
    assert phone.locator("#course-progress-text").inner_text() == "50%"

    progress = LessonProgress.objects.get(officer=officer, lesson=first)
    assert progress.is_complete and progress.reached_end and progress.seconds_spent >= 3
    assert progress.last_anchor.startswith("h-")  # the resume link jumps back to the last heading read
    # Nothing scrolls sideways on a 360 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.click("a[rel=next]")
    phone.wait_for_url("**/rights/")
    phone.goto(f"{live_server.url}{course.url}")
    assert phone.locator("#course-progress [role=progressbar]").get_attribute("aria-valuenow") == "50"
    assert phone.locator(".lesson-list li.done").count() == 1
    phone.goto(f"{live_server.url}/me/")
    bar = phone.locator("#courses-section [role=progressbar]").first
    assert bar.get_attribute("aria-valuenow") == "50"
    assert phone.external_requests == []
    phone.screenshot(path="/tmp/lesson_flow_360.png", full_page=True)
