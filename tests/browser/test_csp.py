"""With the strict Content-Security-Policy on, the main learner and staff pages of the demo city run without a single
CSP violation (Chrome reports each blocked inline script, handler, style or source on the console)."""

import pytest
from django.core.management import call_command

from courses.models import LessonPage

CSP_WORDS = ("Content Security Policy", "Refused to")


def _watch(page):
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{page.url}: {m.text}") if any(w in m.text for w in CSP_WORDS) else None,
    )
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    return problems


def _visit(page, url):
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_learner_and_staff_pages_raise_no_csp_violation(chromium_browser, phone, login, live_server):
    call_command("seed_demo", verbosity=0)
    lesson = LessonPage.objects.live().first()
    problems = _watch(phone)

    login(phone, "demo_trainee", "Demo@2026!")
    for path in ["/me/", "/learn/", "/learn/sessions/", "/learn/record/", "/exams/", "/mentoring/me/"]:
        _visit(phone, f"{live_server.url}{path}")
    if lesson is not None:
        _visit(phone, f"{live_server.url}{lesson.url}")
    # The language switch submits itself on change, without inline JS.
    with phone.expect_navigation():
        phone.select_option("select[name=language]", "en")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == "en"

    desk_context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk = desk_context.new_page()
    desk.set_default_timeout(20000)
    problems += _watch(desk)
    for username, paths in [
        ("demo_hr", ["/admin/", "/admin/officers/", "/admin/officers/new/", "/admin/sign-in-locks/", "/hr/"]),
        ("demo_mentor", ["/mentoring/"]),
    ]:
        desk.context.clear_cookies()
        login(desk, username, "Demo@2026!")
        for path in paths:
            _visit(desk, f"{live_server.url}{path}")
    # The page editor: choosers, date pickers and inline panels are Wagtail's own inline scripts (nonce-carrying).
    desk.context.clear_cookies()
    login(desk, "admin", "Demo@2026!")
    if lesson is not None:
        _visit(desk, f"{live_server.url}/admin/pages/{lesson.pk}/edit/")
        desk.locator("text=/设置|Settings/").first.click()
    _visit(desk, f"{live_server.url}/admin/pages/")
    desk_context.close()
    assert problems == []
