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
    # charts on screen draw first, the rest right after: wait for all of them (a loaded CI machine is slow)
    desk.wait_for_function(
        "n => document.querySelectorAll('.hr-plot[data-drawn=true]').length >= n", arg=len(CHART_IDS)
    )
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


def _no_page_overflow(page, width):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_changing_only_the_unit_keeps_the_quarterly_period_and_charts_read_right(
    phone, login, live_server, street_east, hr_east
):
    """Issue #12 items 5, 6, 20 at 360 px: the form shows the quarter and dates in use and keeps them when only
    the unit changes; no chart prints its title twice; counts have whole ticks; axis titles stay inside their
    chart; groups too small to compare say 样本不足，不作比较 instead of drawing curves."""
    for i in range(14):
        officer = OfficerFactory(unit=street_east, user=None)
        left = i % 3 == 0
        EmploymentSpellFactory(
            officer=officer,
            unit=street_east,
            hire_date=dt.date(2022, 1 + i % 12, 1),
            leave_date=dt.date(2024, 1 + i % 12, 15) if left else None,
            leave_reason="resigned" if left else "",
            staff_category="auxiliary" if i < 3 else "full_time",  # 3 auxiliary: too few to draw
        )
    login(phone, "hr_east", "Passw0rd!2026")
    phone.goto(f"{live_server.url}/hr/")
    assert phone.locator("#id_period").input_value() == "quarter"
    assert phone.locator("#id_start").input_value() and phone.locator("#id_as_of").input_value()

    phone.select_option("#id_unit", "S0101")  # the form submits itself on change
    phone.wait_for_url("**unit=S0101**")
    assert "period=quarter" in phone.url
    assert phone.locator("#id_period").input_value() == "quarter"
    phone.locator(".hr-plot[data-drawn=true]").nth(len(CHART_IDS) - 1).wait_for()
    headcount = phone.locator("#chart-headcount .hr-plot")
    assert "-Q" in headcount.locator(".xtick text").first.text_content()
    for tick in headcount.locator(".ytick text").all_text_contents():
        assert tick.replace(",", "").isdigit(), tick  # whole people, never 0.5
    assert phone.locator(".hr-plot .gtitle").count() == 0  # the section heading is the only title

    km = phone.locator("#chart-km_category")
    assert (
        "样本不足" in km.locator(".hr-status").inner_text()
        and "辅助执法人员" in km.locator(".hr-status").inner_text()
    )
    assert km.locator(".hr-plot .legendtext").all_text_contents() == ["专职安监员"]
    mentoring = phone.locator("#chart-mentoring")  # nobody has a mentor: one curve, and the page says why
    assert "只有一组" in mentoring.locator(".hr-status").inner_text()
    qualification = phone.locator("#chart-qualification")  # nobody has qualified: no curve at all
    assert "样本不足，不作比较" in qualification.locator(".annotation-text").text_content()
    assert km.locator(".hr-plot .xtitle").text_content() == "入职后天数"

    for plot in phone.locator(".hr-plot[data-drawn=true]").all():
        box = plot.bounding_box()
        for title in plot.locator(".xtitle, .ytitle, .y2title").all():
            t = title.bounding_box()
            assert t["x"] >= box["x"] - 1 and t["x"] + t["width"] <= box["x"] + box["width"] + 1, (
                title.text_content()
            )
    _no_page_overflow(phone, 360)
    assert phone.external_requests == []


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_board_marks_incomplete_candidates_and_explains_the_ranking(
    phone, login, live_server, district_east, street_east, hr_east, make_officer
):
    """Issue #12 item 7: the candidate without data no longer tops the board; 不完整 candidates are listed apart
    with each missing part and why, and the page says how the ranking works."""
    from analytics.models import SelectionBoard
    from tests.analytics.test_board import _exam_attempt

    done = make_officer(street_east, username="cand_done", name="王完整")
    empty = make_officer(street_east, username="cand_empty", name="李空白")
    _exam_attempt(done, 75)
    board = SelectionBoard.objects.create(
        title="择优选用（测试）",
        unit=district_east,
        created_by=hr_east,
        **{
            f"w_{k}": 0
            for k in ("self_study", "timeliness", "training", "mentor_evaluation", "milestones_on_time")
        },
        w_exam=1,
    )
    board.candidates.set([done, empty])
    login(phone, "hr_east", "Passw0rd!2026")
    phone.goto(f"{live_server.url}/hr/selection/{board.pk}/")
    ranked = phone.locator("#ranking tbody tr[id]")
    assert ranked.count() == 1 and "王完整" in ranked.first.inner_text()
    incomplete = phone.locator("#incomplete tbody tr[id]")
    assert "李空白" in incomplete.first.inner_text() and "不完整" in incomplete.first.inner_text()
    content = phone.content()
    assert "：：" not in content
    phone.locator("#ranking-method summary").click()
    assert "按 0 分计" in phone.locator("#ranking-method ul").inner_text()
    phone.locator("#incomplete details summary").first.click()
    assert "尚无已评分的资格考试" in phone.locator("#incomplete .board-missing").first.inner_text()
    _no_page_overflow(phone, 360)
