"""Issue #12 item 6: a retention chart's x-axis title names the clock its note describes and its curves use.

The qualification chart once said 入职后天数 while its note (and its data) started the clock at qualification. Each
Kaplan–Meier chart of /hr/ is checked three ways, in zh-hans: the axis title, the clock named in the note, and the
longest x value drawn, which is the follow-up measured from that clock (not from hire)."""

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest
from django.core.cache import cache
from django.utils import translation

from analytics.dashboard import (
    MENTORING_LANDMARK_DAYS,
    QUALIFICATION_LANDMARK_DAYS,
    SELF_STUDY_LANDMARK_DAYS,
    Filters,
    compute,
)
from analytics.selectors import Dataset
from tests.analytics.test_frames import PATHS, spells
from tests.factories import EmploymentSpellFactory, OfficerFactory

HIRED = dt.date(2020, 1, 1)
QUALIFIED = dt.date(2021, 1, 1)
APPRAISED = dt.date(2022, 1, 1)
AS_OF = dt.date(2024, 12, 31)
N = 24  # every group well above frames.MIN_GROUP_SIZE, so each chart draws a curve on visible axes

QUALIFYING_TITLE = "取得资格后天数"
HIRE_TITLE = "入职后天数"


def _hire_landmark_title(days: int) -> str:
    return f"入职第 {days} 天之后的天数"


def _dataset() -> Dataset:
    # Everyone hired on one day; six resign in mid-2023 (after every landmark), the rest are still employed.
    rows = [
        (i, "S1", "full_time", HIRED, dt.date(2023, 6, 1) if i <= 6 else None, "resigned" if i <= 6 else "")
        for i in range(1, N + 1)
    ]
    units = pd.DataFrame({"code": list(PATHS), "path": list(PATHS.values()), "name": list(PATHS)})
    return Dataset(spells=spells(*rows), units=units, root=None)


def _training() -> pd.DataFrame:
    def dates(d):
        return np.array([np.datetime64(d)] * N, dtype="datetime64[D]")

    return pd.DataFrame(
        {
            "officer_id": np.arange(1, N + 1),
            "qualified_on": dates(QUALIFIED),
            "exam_percent": [90.0] * N,
            "mentored_from": dates(dt.date(2020, 1, 15)),
            "courses_done_on": dates(dt.date(2020, 3, 1)),
            "courses_assigned": [1] * N,
        }
    )


def _appraisals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "officer_id": np.arange(1, N + 1),
            "appraised_on": np.array([np.datetime64(APPRAISED)] * N, dtype="datetime64[D]"),
            "band": ["competent"] * N,
        }
    )


FILTERS = Filters(unit=None, category=None, period="year", as_of=AS_OF, start=dt.date(2020, 1, 1))


@pytest.fixture(scope="module")
def zh_charts():
    with translation.override("zh-hans"):
        return compute(_dataset(), FILTERS, _training(), _appraisals())


def _follow_up(figure) -> float:
    return max(max(trace["x"]) for trace in figure["data"])


# chart id → (x-axis title, the clock as the note says it, the day the clock starts)
CLOCKS = {
    "km_category": (HIRE_TITLE, None, HIRED),
    "qualification": (QUALIFYING_TITLE, "取得资格之日起", QUALIFIED),
    "km_appraisal": ("考评后天数", "执法考评确定之日起", APPRAISED),
    "mentoring": (
        _hire_landmark_title(MENTORING_LANDMARK_DAYS),
        f"入职第 {MENTORING_LANDMARK_DAYS} 天起",
        HIRED + dt.timedelta(days=MENTORING_LANDMARK_DAYS),
    ),
    "time_to_qualification": (
        _hire_landmark_title(QUALIFICATION_LANDMARK_DAYS),
        f"入职第 {QUALIFICATION_LANDMARK_DAYS} 天起",
        HIRED + dt.timedelta(days=QUALIFICATION_LANDMARK_DAYS),
    ),
    "self_study": (
        _hire_landmark_title(SELF_STUDY_LANDMARK_DAYS),
        f"入职第 {SELF_STUDY_LANDMARK_DAYS} 天起",
        HIRED + dt.timedelta(days=SELF_STUDY_LANDMARK_DAYS),
    ),
}


@pytest.mark.parametrize("chart_id", list(CLOCKS))
def test_each_retention_chart_titles_its_x_axis_with_the_clock_its_note_and_curves_use(zh_charts, chart_id):
    title, note_clock, clock_start = CLOCKS[chart_id]
    chart = zh_charts[chart_id]
    layout = chart["figure"]["layout"]
    assert chart["figure"]["data"], "the chart should draw curves on visible axes"
    assert layout["xaxis"].get("visible", True) is not False
    assert layout["xaxis"]["title"]["text"] == title
    if note_clock:
        assert note_clock in chart["note"]
    # The curves run from the clock's start to as_of: the axis measures what its title says.
    assert _follow_up(chart["figure"]) == (AS_OF - clock_start).days


def test_the_qualification_clock_is_never_titled_days_since_hire(zh_charts):
    """The reported defect itself: 入职后天数 under a chart whose note starts the clock at qualification."""
    chart = zh_charts["qualification"]
    axis = chart["figure"]["layout"]["xaxis"]["title"]["text"]
    assert "资格" in axis and "入职" not in axis
    assert "取得资格之日起" in chart["note"]
    # Measured from hire the longest follow-up would be a year longer: the curve is on the qualification clock.
    assert _follow_up(chart["figure"]) < (AS_OF - HIRED).days


def test_in_english_the_axis_titles_name_the_same_clocks():
    with translation.override("en"):
        out = compute(_dataset(), FILTERS, _training(), _appraisals())
    titles = {cid: out[cid]["figure"]["layout"]["xaxis"]["title"]["text"] for cid in CLOCKS}
    assert titles["km_category"] == "Days since hire"
    assert titles["qualification"] == "Days since qualifying"
    assert titles["km_appraisal"] == "Days since the appraisal"
    assert titles["mentoring"] == f"Days since day {MENTORING_LANDMARK_DAYS} after hire"


# --- the /hr/ page, from the database ---------------------------------------------------------------------------

PAGE_AS_OF = dt.date(2024, 6, 30)
PAGE_HIRED = dt.date(2020, 3, 1)
PAGE_QUALIFIED = dt.date(2021, 3, 1)


@pytest.fixture
def qualified_officers(street_east):
    from exams.models import Exam, Qualification

    exam = Exam.objects.create(title="应知应会资格考试", is_published=True)
    for i in range(12):
        officer = OfficerFactory(unit=street_east, user=None, name=f"资格{i}")
        EmploymentSpellFactory(
            officer=officer,
            unit=street_east,
            hire_date=PAGE_HIRED,
            leave_date=dt.date(2023, 5, 1) if i < 3 else None,
            leave_reason="resigned" if i < 3 else "",
            staff_category="full_time",
        )
        Qualification.objects.create(
            officer=officer, exam=exam, certificate_no=f"YZT{i:04d}", issued_on=PAGE_QUALIFIED
        )


def _chart_section(html: str, chart_id: str) -> tuple[dict, str]:
    """The figure JSON and the note of one chart section of the rendered page."""
    section = html.split(f'<section class="hr-chart" id="chart-{chart_id}">', 1)[1].split("</section>", 1)[0]
    raw = re.search(rf'<script id="figure-{chart_id}" type="application/json">(.*?)</script>', section, re.S)
    note = re.search(r'<p class="help">(.*?)</p>', section, re.S)
    assert raw and note, chart_id
    return json.loads(raw.group(1)), note.group(1)


@pytest.mark.django_db
def test_hr_page_qualification_chart_axis_says_days_since_qualifying(client, qualified_officers, hr_east):
    cache.clear()
    client.force_login(hr_east)
    response = client.get(
        "/hr/",
        {"period": "year", "start": "2020-01-01", "as_of": PAGE_AS_OF.isoformat()},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    html = response.content.decode()

    figure, note = _chart_section(html, "qualification")
    assert figure["data"], "twelve qualified officers: the chart draws a curve"
    assert figure["layout"]["xaxis"].get("visible", True) is not False
    assert figure["layout"]["xaxis"]["title"]["text"] == QUALIFYING_TITLE
    assert "取得资格之日起" in note
    assert _follow_up(figure) == (PAGE_AS_OF - PAGE_QUALIFIED).days

    figure, _ = _chart_section(html, "km_category")
    assert figure["data"]
    assert figure["layout"]["xaxis"]["title"]["text"] == HIRE_TITLE
    assert _follow_up(figure) == (PAGE_AS_OF - PAGE_HIRED).days

    for chart_id, days in (
        ("mentoring", MENTORING_LANDMARK_DAYS),
        ("time_to_qualification", QUALIFICATION_LANDMARK_DAYS),
        ("self_study", SELF_STUDY_LANDMARK_DAYS),
    ):
        figure, note = _chart_section(html, chart_id)
        assert figure["layout"]["xaxis"]["title"]["text"] == _hire_landmark_title(days), chart_id
        assert f"入职第 {days} 天起" in note, chart_id
