"""The organizer's attendance page keeps the rotating check-in code and its QR current by itself (weakness 7 of
issue #10), from a static script, so the strict Content-Security-Policy reports nothing."""

import datetime
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from courses.models import TrainingDay, TrainingSession


@override_settings(COURSES_CHECKIN_STEP_SECONDS=10)
def test_the_organizers_screen_shows_the_current_code_as_it_rotates(
    chromium_browser, live_server, login, training_admin_east, district_east
):
    session = TrainingSession.objects.create(
        title="东城区岗前集训",
        organizer=district_east,
        location="区应急局三楼",
        capacity=10,
        hours_per_day=Decimal("6"),
        status=TrainingSession.Status.OPEN,
    )
    day = TrainingDay.objects.create(
        session=session, date=timezone.localdate(), start=datetime.time(0, 1), end=datetime.time(23, 59)
    )
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, "tadmin_east", "Passw0rd!2026")
    page.goto(f"{live_server.url}/admin/courses/sessions/{session.pk}/days/{day.pk}/")
    first = page.locator("#checkin-code").inner_text().strip()
    first_qr = page.locator("#checkin-qr").get_attribute("src")
    assert first in {day.checkin_code(), day.checkin_code(timezone.now() - datetime.timedelta(seconds=10))}
    # Within a step the page swaps in the next code and QR image, with no reload.
    page.wait_for_function(
        "first => document.getElementById('checkin-code').textContent.trim() !== first",
        arg=first,
        timeout=15000,
    )
    shown = page.locator("#checkin-code").inner_text().strip()
    assert shown in {day.checkin_code(), day.checkin_code(timezone.now() - datetime.timedelta(seconds=10))}
    assert page.locator("#checkin-qr").get_attribute("src") != first_qr
    # The new QR image loads (the PNG view answers the organizer).
    page.wait_for_function(
        "() => { const i = document.getElementById('checkin-qr'); return i.complete && i.naturalWidth > 0; }"
    )
    context.close()
    assert problems == []
