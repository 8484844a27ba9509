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
    out = charts.turnover_funnel(per_unit, {"A": "甲", "B": "乙", "C": "丙"}, window="12m")
    valid(out["figure"])
    verdicts = {r[0]: r[-1] for r in out["table"]["rows"]}
    assert verdicts["甲"] in ("Above limits", "高于控制限")
    assert verdicts["丙"] in ("Within limits", "在控制限内")


def test_km_and_cohorts():
    km = frames.retention(TRANSFERS, by="category", as_of=D(2025, 12, 31))
    out = charts.km_curves(km, {"full_time": "专职"}, p_value=0.03, title="T")
    valid(out["figure"])
    assert any(d.get("fill") == "tonexty" for d in out["figure"]["data"])
    cohorts = frames.retention(BASIC, by="cohort", as_of=D(2025, 12, 31))
    out = charts.cohort_heatmap(cohorts, int(frames.day_of(D(2025, 12, 31))), max_years=3)
    valid(out["figure"])
    rows = {r[0]: r[1:] for r in out["table"]["rows"]}
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
    out = charts.km_curves(km, {}, p_value=None, title="T")
    line = out["figure"]["data"][2]
    assert len(line["x"]) <= charts.MAX_CURVE_POINTS + 2
    # Every drawn value is the exact S(t) at its day.
    for t, s in list(zip(line["x"], line["y"], strict=True))[1::50]:
        assert s == pytest.approx(charts.survival_at(km.curves, t))
    assert out["table"]["rows"][0][1] == 20000
