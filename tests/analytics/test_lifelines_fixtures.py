"""Kaplan–Meier and log-rank against lifelines' reference values on its bundled datasets (to 1e-9).

The fixtures were written by fixtures/make_lifelines_fixtures.py in a throwaway venv; lifelines is not a
dependency of the project."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from analytics import frames

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("lifelines_*.json"))
TOL = 1e-9


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_fixtures_are_present():
    names = {p.stem for p in FIXTURES}
    assert {"lifelines_waltons", "lifelines_rossi", "lifelines_lymphoma", "lifelines_dd"} <= names


def assert_curve(curves, summary, ref):
    c = curves[curves["group"] == ref["key"]]
    pts = ref["survival"]
    assert len(c) == len(pts), ref["key"]
    for col in ("t", "at_risk", "events", "s", "ci_low", "ci_high"):
        got = c[col].to_numpy(dtype=float)
        want = np.array([np.nan if p[col] is None else p[col] for p in pts], dtype=float)
        assert np.array_equal(np.isnan(got), np.isnan(want)), (ref["key"], col)
        ok = ~np.isnan(want)
        assert np.max(np.abs(got[ok] - want[ok]), initial=0.0) <= TOL, (ref["key"], col)
    s = summary.set_index("group").loc[ref["key"]]
    assert s["n"] == ref["n"] and s["events"] == ref["events"]
    if ref["median"] is None:
        assert math.isnan(s["median"])
    else:
        assert s["median"] == pytest.approx(ref["median"], abs=TOL)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_kaplan_meier_pooled(path):
    data = load(path)
    km = frames.kaplan_meier(data["durations"], data["events"])
    assert_curve(km.curves, km.summary, data["all"])


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_kaplan_meier_by_group(path):
    data = load(path)
    km = frames.kaplan_meier(data["durations"], data["events"], data["groups"])
    assert sorted(km.summary["group"]) == sorted(g["key"] for g in data["by_group"])
    for ref in data["by_group"]:
        assert_curve(km.curves, km.summary, ref)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_logrank(path):
    data = load(path)
    res = frames.logrank(data["durations"], data["events"], data["groups"])
    ref = data["logrank"]
    assert res.df == ref["df"]
    assert res.statistic == pytest.approx(ref["statistic"], abs=TOL, rel=TOL)
    assert res.p_value == pytest.approx(ref["p_value"], abs=TOL, rel=TOL)


def test_fixtures_cover_ties_censoring_and_a_curve_reaching_zero():
    seen_ties = seen_censoring = seen_zero = False
    for path in FIXTURES:
        data = load(path)
        seen_censoring |= not all(data["events"])
        for ref in data["by_group"]:
            seen_ties |= any(p["events"] > 1 for p in ref["survival"])
            seen_zero |= any(p["s"] == 0 for p in ref["survival"])
    assert seen_ties and seen_censoring and seen_zero
