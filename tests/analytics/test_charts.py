"""analytics.charts: figures are valid plotly figures, tables match the figures, funnel limits by hand."""

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics import charts, frames
from tests.analytics.test_frames import BASIC, TRANSFERS

D = dt.date


def valid(fig):
    go.Figure(fig)  # raises ValueError on any property plotly does not know


def test_headcount_flows():
    t = frames.turnover(BASIC, period="month", start=D(2024, 1, 1), end=D(2024, 3, 31))
    out = charts.headcount_flows(t)
    valid(out["figure"])
    bars = {d["name"]: d["y"] for d in out["figure"]["data"]}
    assert list(bars.values())[0] == [2, 1, 0]  # hires
    assert out["table"]["rows"][1][:3] == ["2024-02", 3, 2]


def test_funnel_limits_by_hand():
    lo, hi = charts.funnel_limits(0.2, np.array([5.0, 80.0]), 1.96)
    assert hi[0] == pytest.approx(0.2 + 1.96 * (0.2 / 5) ** 0.5)
    assert lo[0] == 0.0  # clipped
    assert lo[1] == pytest.approx(0.2 - 1.96 * (0.2 / 80) ** 0.5)


def test_turnover_funnel_flags_units_outside_limits():
    per_unit = pd.DataFrame(
        {"group": ["A", "B", "C"], "avg_headcount": [100.0, 100.0, 4.0], "separations": [40, 2, 1]}
    )
    out = charts.turnover_funnel(per_unit, {"A": "甲", "B": "乙", "C": "丙"})
    valid(out["figure"])
    verdicts = {r[0]: r[-1] for r in out["table"]["rows"]}
    assert verdicts["甲"] in ("Above limits", "高于控制限")
    assert verdicts["丙"] in ("Within limits", "在控制限内")


def test_km_and_cohorts():
    t = frames.tenures(TRANSFERS, by="category", as_of=D(2025, 12, 31))
    cmp = frames.compare(t["duration"], t["event"], t["group"], min_n=1)
    out = charts.km_curves(cmp, {"full_time": "专职"}, x_title="Days since hire")
    valid(out["figure"])
    assert any(d.get("fill") == "tonexty" for d in out["figure"]["data"])
    assert out["figure"]["layout"]["xaxis"]["title"]["text"] == "Days since hire"
    assert "title" not in out["figure"]["layout"]  # the page's heading is the only title
    cohorts = frames.retention(BASIC, by="cohort", as_of=D(2025, 12, 31))
    out = charts.cohort_heatmap(cohorts, int(frames.day_of(D(2025, 12, 31))), max_years=3)
    valid(out["figure"])
    rows = {r[0]: r[2:] for r in out["table"]["rows"]}
    assert out["table"]["rows"][0][1] == 1  # the 2023 cohort is one officer, and says so
    assert out["figure"]["data"][0]["y"][0].startswith("2023") and "1" in out["figure"]["data"][0]["y"][0][4:]
    assert rows["2023"][0] == 0.0  # officer 4 left within his first year
    assert rows["2024"][0] == pytest.approx(1 / 3, abs=1e-4)
    assert rows["2024"][1] is None  # a 2024 hire cannot be two years in by 2025-12-31


def test_leavers_by_reason():
    leavers = pd.DataFrame(
        {
            "staff_category": ["full_time", "full_time", "auxiliary", "full_time"],
            "tenure_band": ["0-3m", "0-3m", "1-2y", "1-2y"],
            "leave_reason": ["resigned", "retired", "resigned", "resigned"],
            "leavers": [1, 1, 1, 1],
        }
    )
    bands = [b[2] for b in frames.TENURE_BANDS]
    out = charts.leavers_by_reason(leavers, {"resigned": "辞职", "retired": "退休"}, bands, {})
    valid(out["figure"])
    assert out["table"]["rows"][0] == ["辞职", 1, 0, 0, 2, 0, 0, 3]  # summed over staff categories


def test_long_curves_are_thinned_for_drawing_only():
    rng = np.random.default_rng(1)
    durations = rng.integers(1, 5000, 20000)
    km = frames.kaplan_meier(durations, rng.random(20000) < 0.7)
    assert len(km.curves) > 1000
    out = charts.km_curves(frames.Comparison(km, ["all"], [], None, 10), {}, x_title="T")
    line = out["figure"]["data"][2]
    assert len(line["x"]) <= charts.MAX_CURVE_POINTS + 3
    # Every drawn value is the exact S(t) at its day.
    for t, s in list(zip(line["x"], line["y"], strict=True))[1::50]:
        assert s == pytest.approx(charts.survival_at(km.curves, t))
    assert out["table"]["rows"][0][1] == 20000


def _status_and_lines(out):
    lines = [d for d in out["figure"]["data"] if d.get("showlegend", True) and d["type"] == "scatter"]
    return out["status"], lines


def test_small_groups_are_not_drawn_and_say_so():
    # 12 in group a (3 leave), 2 in group b: b is below the minimum, so there is one curve and no test.
    durations = [40 * (i + 1) for i in range(12)] + [500, 600]
    events = [i % 4 == 0 for i in range(12)] + [True, False]
    cmp = frames.compare(durations, events, ["a"] * 12 + ["b"] * 2)
    out = charts.km_curves(cmp, {"a": "甲", "b": "乙"}, x_title="days")
    status, lines = _status_and_lines(out)
    assert [line["name"] for line in lines] == ["甲"]
    assert "p =" not in status and "乙" in status
    rows = {r[0]: r for r in out["table"]["rows"]}
    assert rows["乙"][4:7] == [None, None, None] and rows["乙"][7]  # no median, no retention, a note
    # Nobody in a was followed for three years: that column is blank, not the last value carried on.
    assert rows["甲"][5] is not None and rows["甲"][6] is None


def test_no_group_large_enough_draws_nothing_but_the_reason():
    cmp = frames.compare([10, 20, 30], [1, 0, 1], ["a", "a", "b"])
    out = charts.km_curves(cmp, {}, x_title="days")
    valid(out["figure"])
    assert out["figure"]["data"] == []
    assert out["figure"]["layout"]["annotations"][0]["text"]
    assert out["figure"]["layout"]["xaxis"]["visible"] is False


def test_a_group_without_leavers_is_a_visible_line_to_its_follow_up():
    durations = list(range(100, 1100, 100)) + list(range(50, 550, 50))
    events = [False] * 10 + [True, False] * 5
    cmp = frames.compare(durations, events, ["stay"] * 10 + ["go"] * 10)
    out = charts.km_curves(cmp, {}, x_title="days")
    _status, lines = _status_and_lines(out)
    stay = next(line for line in lines if line["name"] == "stay")
    assert stay["x"] == [0.0, 1000.0] and stay["y"] == [1.0, 1.0]
    assert "p =" in out["status"]


def test_count_axes_have_whole_ticks():
    t = frames.turnover(BASIC, period="month", start=D(2024, 1, 1), end=D(2024, 3, 31))
    layout = charts.headcount_flows(t, period_title="月")["figure"]["layout"]
    assert layout["yaxis"]["dtick"] == 1 and layout["yaxis"]["tickformat"] == ",d"
    assert layout["yaxis2"]["dtick"] == 1
    assert layout["xaxis"]["title"]["text"] == "月"


def test_empty_charts_say_there_is_not_enough_data():
    empty = frames.turnover(BASIC, period="year", start=D(2010, 1, 1), end=D(2011, 12, 31))
    out = charts.headcount_flows(empty)
    assert out["figure"]["data"] == [] and out["figure"]["layout"]["annotations"]
    out = charts.leavers_by_reason(
        pd.DataFrame(columns=["staff_category", "tenure_band", "leave_reason", "leavers"]), {}, ["0-3m"], {}
    )
    valid(out["figure"])
    assert out["figure"]["layout"]["annotations"]


def test_cohort_heatmap_is_darkest_at_full_retention():
    cohorts = frames.retention(BASIC, by="cohort", as_of=D(2025, 12, 31))
    trace = charts.cohort_heatmap(cohorts, int(frames.day_of(D(2025, 12, 31))), max_years=3)["figure"][
        "data"
    ][0]
    top = trace["colorscale"][-1][1]
    r, g, b = (int(top[i : i + 2], 16) for i in (1, 3, 5))
    assert b > r + 40 and b > g + 40  # a clear blue, not grey
    assert trace["hoverongaps"] is False


def test_one_unit_is_no_funnel_comparison_and_p_values_read_plainly():
    out = charts.turnover_funnel(
        pd.DataFrame({"group": ["A"], "avg_headcount": [20.0], "separations": [2]}), {"A": "甲"}
    )
    assert out["figure"]["data"] == [] and out["figure"]["layout"]["annotations"]
    assert out["table"]["rows"][0][0] == "甲"
    assert charts.format_p(8.08e-10) == "< 0.001" and charts.format_p(0.0612) == "= 0.061"
