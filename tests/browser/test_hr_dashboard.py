"""HR opens the dashboard, changes a filter and sees the charts redraw; plotly.js comes from our server and no
request leaves the machine."""

import datetime as dt
import os
from urllib.parse import urlparse

import pytest

from analytics.dashboard import CHART_IDS
from tests.factories import EmploymentSpellFactory, OfficerFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def desk(chromium_browser, live_server):
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    allowed = urlparse(live_server.url).netloc
    external, scripts = [], []

    def guard(route):
        url = route.request.url
        if route.request.resource_type == "script":
            scripts.append(url)
        if url.startswith(("data:", "blob:")) or urlparse(url).netloc == allowed:
            route.continue_()
        else:
            external.append(url)
            route.abort()

    page.route("**/*", guard)
    page.external_requests, page.scripts = external, scripts
    page.set_default_timeout(20000)
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_hr_changes_a_filter_and_charts_redraw(desk, login, live_server, street_east, hr_east):
    for i in range(6):
        officer = OfficerFactory(unit=street_east, user=None)
        EmploymentSpellFactory(
            officer=officer,
            unit=street_east,
            hire_date=dt.date(2021, 1 + i, 1),
            leave_date=dt.date(2023, 1 + i, 1) if i % 2 else None,
            leave_reason="resigned" if i % 2 else "",
            staff_category="auxiliary" if i > 3 else "full_time",
        )
    login(desk, "hr_east", "Passw0rd!2026")
    desk.goto(f"{live_server.url}/hr/?period=year&start=2021-01-01&as_of=2024-06-30")
    desk.wait_for_selector("#chart-headcount .hr-plot[data-drawn=true] .main-svg")
    assert desk.locator(".hr-plot[data-drawn=true]").count() == len(CHART_IDS)
    first_stamp = desk.locator("#hr-computed").inner_text()
    bars_before = desk.locator("#chart-headcount .hr-plot .bars .point").count()

    desk.select_option("#id_period", "quarter")  # the form submits itself on change
    desk.wait_for_url("**period=quarter**")
    desk.wait_for_selector("#chart-headcount .hr-plot[data-drawn=true] .main-svg")
    assert desk.locator("#chart-headcount .hr-plot .bars .point").count() > bars_before
    assert "季度" in desk.locator("#id_period option:checked").inner_text()
    assert desk.locator("#hr-computed").inner_text()  # the page says when its data was computed
    assert first_stamp

    assert any("/static/analytics/plotly.min.js" in url for url in desk.scripts)
    assert desk.external_requests == []
