"""Issue #15's acceptance: a case-review round run end to end in the browser. The district's unit leader opens a
round in the admin (执法考评 → 评查轮次), draws the files and assigns the reviewers; two reviewers of different
streets score their files on 360×740 phones and never see a file of their own street; the leader closes the round,
reads the scorecards and downloads the xlsx export; the handler of a reviewed file sees the result only then.

Only the city, its people and their closed files are made in Python; everything after that is done by clicking."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlparse

import openpyxl

from appraisal.models import ReviewAssignment, ReviewRound, RoundCase
from appraisal.reference import default_rubric, ensure_default_rubrics
from tests.appraisal.factories import CaseFileFactory
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory, make_staff, make_unit

PASSWORD = "Passw0rd!2026"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@dataclass
class City:
    district: object
    streets: list  # 南湖, 南岭, 南山
    handlers: list  # one per street, in street order
    reviewers: dict  # username → officer: rev_nanling (南岭), rev_nanshan (南山), rev_nanhu (南湖)
    files_by_street: dict  # street pk → the case numbers of its closed files in the period


def _officer(unit, username, name, roles):
    officer = OfficerFactory(user=UserFactory(username=username, roles=list(roles)), unit=unit, name=name)
    EmploymentSpellFactory(officer=officer, unit=unit, hire_date=datetime.date(2020, 3, 1))
    return officer


def build_city() -> City:
    """A district of three streets: per street one handler with two files closed in the first half of 2026 (and
    one closed in 2025, outside the period), and one reviewer (the mentor role) per street."""
    ensure_default_rubrics()
    city = make_unit("C01", "示范市", kind="city")
    district = make_unit("D05", "南城区", kind="district", parent=city)
    streets = [
        make_unit("S0501", "南湖街道", parent=district),
        make_unit("S0502", "南岭街道", parent=district),
        make_unit("S0503", "南山街道", parent=district),
    ]
    make_staff("leader_south", "unit_leader", district)
    handler_names = ["王承办", "李承办", "赵承办"]
    handlers = [
        _officer(street, f"handler_{n}", name, ("trainee",))
        for n, (street, name) in enumerate(zip(streets, handler_names, strict=True), start=1)
    ]
    reviewers = {
        "rev_nanling": _officer(streets[1], "rev_nanling", "钱评查", ("trainee", "mentor")),
        "rev_nanshan": _officer(streets[2], "rev_nanshan", "孙评查", ("trainee", "mentor")),
        "rev_nanhu": _officer(streets[0], "rev_nanhu", "周评查", ("trainee", "mentor")),
    }
    files_by_street = {}
    for n, (street, handler) in enumerate(zip(streets, handlers, strict=True), start=1):
        numbers = []
        for k in range(2):
            case = CaseFileFactory(
                number=f"南城应急罚〔2026〕{n}{k + 1:02d}号",
                title=f"{street.name}企业未开展安全培训案{k + 1}",
                handler=handler,
                unit=street,
                opened_on=datetime.date(2026, 2, 1),
                closed_on=datetime.date(2026, 3, 10 + k + n),
            )
            numbers.append(case.number)
        CaseFileFactory(
            number=f"南城应急罚〔2025〕{n}99号",
            handler=handler,
            unit=street,
            closed_on=datetime.date(2025, 11, 5),
        )
        files_by_street[street.pk] = numbers
    return City(district, streets, handlers, reviewers, files_by_street)


def new_page(browser, live_server, viewport: dict):
    """A page in a fresh zh-CN context (a phone when 360 px wide) whose off-machine requests are blocked and
    listed in `page.external_requests`."""
    phone = viewport["width"] <= 400
    context = browser.new_context(
        viewport=viewport,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )
    page = context.new_page()
    allowed = urlparse(live_server.url).netloc
    external: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).netloc == allowed:
            route.continue_()
        else:
            external.append(url)
            route.abort()

    page.route("**/*", guard)
    page.external_requests = external
    page.set_default_timeout(15000)
    return page


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _score(max_score: int, share: str) -> str:
    """A score on the form's 0.5 step."""
    value = (Decimal(max_score) * Decimal(share) * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2
    return f"{value.normalize():f}"


def review_all_pending(page, live_server, *, own_street, own_numbers, share, finding) -> list[str]:
    """As a reviewer on the phone: from 我的培训 to the review list, then score and submit every pending file.
    Returns the case numbers reviewed."""
    page.goto(f"{live_server.url}/me/")
    assert no_sideways_scroll(page)
    page.locator("#case-review-section a[href='/appraisal/reviews/']").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/appraisal/reviews/")
    reviewed = []
    while page.locator("#pending-reviews a.btn").count():
        listing = page.locator("main").inner_text()
        assert not any(number in listing for number in own_numbers)  # never a file of one's own street
        assert no_sideways_scroll(page)
        page.locator("#pending-reviews a.btn").first.click()
        page.wait_for_selector("#review-form")
        number = page.locator("h1").inner_text().strip()
        facts = page.locator("#case-facts dl.facts").inner_text()
        assert own_street not in facts and number not in own_numbers
        assert no_sideways_scroll(page)
        items = page.locator("#review-form fieldset.review-item")
        assert items.count() == 6  # the default rubric's six items, each scored
        for n in range(items.count()):
            score_input = items.nth(n).locator("input[type=number]")
            score_input.fill(_score(int(score_input.get_attribute("max")), share))
            items.nth(n).locator("textarea").fill(f"{finding}（第{n + 1}项）")
        page.fill("#comment", f"{finding}：总体规范")
        # Submitting without the confirmation box keeps what was typed and says why nothing was sent.
        page.click("#review-form button[type=submit]")
        page.wait_for_selector("#review-form .errorlist")
        assert page.locator("#submitted-review").count() == 0
        page.check("#review-form input[name=confirm]")
        page.click("#review-form button[type=submit]")
        page.wait_for_selector("#submitted-review")
        # Final: the scores are shown, the submit form is gone; only a correction, recorded beside it, remains.
        assert "评查已提交" in page.content()
        assert page.locator("#submitted-review tbody tr").count() == 6
        assert f"{finding}（第1项）" in page.locator("#submitted-review").inner_text()
        assert page.locator("#review-form input[name=action][value=correct]").count() == 1
        assert not page.locator("#review-form input[type=number]").first.is_visible()
        assert page.get_by_role("button", name="提交评查").count() == 0
        assert no_sideways_scroll(page)
        reviewed.append(number)
        page.click("a[href='/appraisal/reviews/']")
        page.wait_for_load_state("networkidle")
    assert "暂无待评查的案卷" in page.locator("#pending-reviews").inner_text()
    done = page.locator("#done-reviews").inner_text()
    assert all(number in done for number in reviewed)
    assert no_sideways_scroll(page)
    return reviewed


def test_review_round_end_to_end(chromium_browser, live_server, login):
    city = build_city()
    rubric = default_rubric()
    south_hu, south_ling, south_shan = city.streets
    pages = []

    # --- the unit leader opens a round and draws it (desktop admin) ---------------------------------------------
    leader = new_page(chromium_browser, live_server, DESKTOP)
    pages.append(leader)
    login(leader, "leader_south", PASSWORD)
    assert urlparse(leader.url).path.startswith("/admin/")
    leader.get_by_role("button", name="执法考评").click()
    leader.get_by_role("link", name="评查轮次").click()
    leader.wait_for_selector("#review-rounds")
    leader.click("text=新建评查轮次")
    leader.wait_for_selector("#round-form")
    leader.fill("#id_name", "南城区2026年上半年案卷评查")
    leader.select_option("#id_unit", str(city.district.pk))
    leader.fill("#id_period_start", "2026-01-01")
    leader.fill("#id_period_end", "2026-06-30")
    leader.keyboard.press("Escape")
    leader.select_option("#id_rubric", str(rubric.pk))
    leader.fill("#id_per_street", "1")
    leader.click("#round-form button[type=submit]")
    leader.wait_for_selector("[data-round-status=draft]")
    round_ = ReviewRound.objects.get(name="南城区2026年上半年案卷评查")
    assert round_.unit_id == city.district.pk and round_.per_street == 1

    leader.click("button[data-draw]")
    leader.wait_for_load_state("networkidle")
    for _ in range(20):  # the draw is a background task: the page shows 抽取中 until it is done
        if leader.locator("#round-draw[data-draw-state=done]").count():
            break
        assert leader.locator("#round-draw[data-draw-state=failed]").count() == 0, leader.content()
        leader.wait_for_timeout(500)
        leader.reload()
    assert leader.locator("#round-draw[data-draw-state=done]").count() == 1
    assert "已抽取案卷并分配评查人" in leader.content()
    drawn = {rc.case.unit_id: rc for rc in RoundCase.objects.filter(round=round_).select_related("case")}
    assert set(drawn) == {s.pk for s in city.streets}  # one file per street
    cases_table = leader.locator("#round-cases").inner_text()
    for street in city.streets:
        assert drawn[street.pk].case.number in cases_table
    for name in ("钱评查", "孙评查", "周评查"):
        assert name in cases_table
    assert leader.locator("#round-progress tbody tr").count() == 3

    # Every file goes to two reviewers, neither of its street: 南湖's file to 南岭's and 南山's reviewers.
    nanhu_file = drawn[south_hu.pk]
    assert set(
        ReviewAssignment.objects.filter(round_case=nanhu_file).values_list(
            "reviewer__user__username", flat=True
        )
    ) == {"rev_nanling", "rev_nanshan"}

    # --- the handler of 南湖's file sees nothing while the round is open (phone) ----------------------------------
    handler = new_page(chromium_browser, live_server, PHONE)
    pages.append(handler)
    login(handler, "handler_1", PASSWORD)
    handler.goto(f"{live_server.url}/appraisal/results/")
    assert "暂无结果" in handler.content() and nanhu_file.case.number not in handler.content()
    assert no_sideways_scroll(handler)

    # --- two reviewers of different streets score their files on phones ------------------------------------------
    reviewed = {}
    for username, street, share, finding in (
        ("rev_nanling", south_ling, "0.9", "证据链完整"),
        ("rev_nanshan", south_shan, "0.8", "文书用语规范"),
    ):
        page = new_page(chromium_browser, live_server, PHONE)
        pages.append(page)
        login(page, username, PASSWORD)
        reviewed[username] = review_all_pending(
            page,
            live_server,
            own_street=street.name,
            own_numbers=city.files_by_street[street.pk],
            share=share,
            finding=finding,
        )
        page.context.close()
    assert (
        nanhu_file.case.number in reviewed["rev_nanling"]
        and nanhu_file.case.number in reviewed["rev_nanshan"]
    )
    assert drawn[south_ling.pk].case.number not in reviewed["rev_nanling"]
    assert drawn[south_shan.pk].case.number not in reviewed["rev_nanshan"]

    # --- the leader closes the round (南湖's reviewer has not reviewed: closing needs confirming) ---------------
    leader.reload()
    assert "还有 2 份评查未提交" in leader.content()  # 南湖's reviewer's two
    leader.click("button[data-close]")
    leader.wait_for_load_state("networkidle")
    assert leader.locator("[data-round-status=open]").count() == 1  # not confirmed: still open
    leader.check("input[name=confirm_pending]")
    leader.click("button[data-close]")
    leader.wait_for_selector("[data-round-status=closed]")
    assert "评查轮次已结束" in leader.content()

    leader.click("#round-draw a:has-text('评查结果')")
    leader.wait_for_selector("#by-officer")
    by_officer = leader.locator("#by-officer").inner_text()
    by_unit = leader.locator("#by-unit").inner_text()
    assert "王承办" in by_officer
    assert "南湖街道" in by_unit
    nanhu_file.refresh_from_db()
    assert nanhu_file.score is not None
    assert f"{nanhu_file.score}" in leader.locator("#files").inner_text()

    with leader.expect_download() as download_info:
        leader.click("text=导出结果（xlsx）")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    data = download.path().read_bytes()
    assert data[:2] == b"PK"  # a zip container, as xlsx is
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = {str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c is not None}
    assert nanhu_file.case.number in cells

    # --- the handler now sees the result of their file, with the reviewers' findings -------------------------
    handler.goto(f"{live_server.url}/me/")
    handler.locator("#case-review-section a[href='/appraisal/results/']").click()
    handler.wait_for_load_state("networkidle")
    result = handler.locator(f"#result-{nanhu_file.pk}")
    assert nanhu_file.case.number in result.inner_text()
    assert f"{nanhu_file.score}" in result.locator("h2 .badge").inner_text()
    assert "证据链完整（第1项）" in result.inner_text() and "文书用语规范（第1项）" in result.inner_text()
    assert no_sideways_scroll(handler)

    for page in pages:
        assert page.external_requests == []
    for page in (leader, handler):
        page.context.close()
