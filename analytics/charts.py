"""Plotly figures (plain figure dicts: {"data": [...], "layout": {...}}) and their data tables for the HR dashboard.

Pure: inputs are analytics.frames outputs and label mappings; titles, axes and hover texts are translated
(Chinese in the default locale). Each builder returns {"figure": dict, "table": {"columns": [...], "rows": [...]}}.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from analytics import frames

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
FONT = {"family": '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif', "size": 13}


def _layout(title: str, x_title: str, y_title: str, **extra) -> dict:
    layout = {
        "title": {"text": title},
        "font": FONT,
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "closest",
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _clean(v):
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    return v


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# --------------------------------------------------------------------------------------------------- headcount
def headcount_flows(table: pd.DataFrame) -> dict:
    """Headcount at period end with hires and leavers per period (frames.turnover output, one group)."""
    periods = list(table["period"])
    hover_n = _("%{x}<br>%{fullData.name}: %{y}<extra></extra>")
    data = [
        {
            "type": "bar",
            "name": _("Hires"),
            "x": periods,
            "y": [int(v) for v in table["hires"]],
            "marker": {"color": PALETTE[2]},
            "hovertemplate": hover_n,
        },
        {
            "type": "bar",
            "name": _("Leavers"),
            "x": periods,
            "y": [int(v) for v in table["separations"]],
            "marker": {"color": PALETTE[1]},
            "hovertemplate": hover_n,
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Headcount at period end"),
            "x": periods,
            "y": [int(v) for v in table["end_headcount"]],
            "yaxis": "y2",
            "line": {"color": PALETTE[0], "width": 3},
            "hovertemplate": hover_n,
        },
    ]
    layout = _layout(
        _("Headcount, hires and leavers"),
        _("Period"),
        _("Hires / leavers"),
        barmode="group",
        yaxis2={"title": {"text": _("Headcount")}, "overlaying": "y", "side": "right", "rangemode": "tozero"},
    )
    columns = [
        _("Period"),
        _("Headcount at start"),
        _("Headcount at end"),
        _("Average headcount"),
        _("Hires"),
        _("Leavers"),
        _("Voluntary leavers"),
        _("Turnover rate"),
    ]
    rows = [
        [
            r.period,
            int(r.start_headcount),
            int(r.end_headcount),
            round(float(r.avg_headcount), 2),
            int(r.hires),
            int(r.separations),
            int(r.voluntary_separations),
            _clean(round(float(r.turnover_rate), 4) if not math.isnan(r.turnover_rate) else None),
        ]
        for r in table.itertuples(index=False)
    ]
    return {"figure": {"data": data, "layout": layout}, "table": {"columns": columns, "rows": rows}}


# --------------------------------------------------------------------------------------------------- funnel
def funnel_limits(mean_rate: float, headcounts: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Control limits of a rate for a unit of average headcount n: separations ~ Poisson(rate·n), so the rate's
    limits are rate ± z·√(rate / n) (lower clipped at 0)."""
    n = np.asarray(headcounts, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(mean_rate / n)
    return np.clip(mean_rate - half, 0, None), mean_rate + half


def turnover_funnel(per_unit: pd.DataFrame, labels: Mapping[str, str], *, window: str) -> dict:
    """Turnover rate by unit against its average headcount, with 95 % and 99.8 % funnel limits around the
    pooled rate so that small units are not over-read. per_unit: group, avg_headcount, separations."""
    df = per_unit[per_unit["avg_headcount"] > 0].copy()
    df["rate"] = df["separations"] / df["avg_headcount"]
    pooled = float(df["separations"].sum() / df["avg_headcount"].sum()) if len(df) else 0.0
    names = [labels.get(g, g) for g in df["group"]]
    data = [
        {
            "type": "scatter",
            "mode": "markers+text",
            "name": _("Units"),
            "x": [round(float(v), 2) for v in df["avg_headcount"]],
            "y": [float(v) for v in df["rate"]],
            "text": names,
            "textposition": "top center",
            "marker": {"size": 10, "color": PALETTE[0]},
            "hovertemplate": _("%{text}<br>Average headcount %{x}<br>Turnover rate %{y:.1%}<extra></extra>"),
        }
    ]
    if len(df):
        grid = np.linspace(
            max(float(df["avg_headcount"].min()) * 0.8, 0.5), float(df["avg_headcount"].max()) * 1.1, 60
        )
        lo95, hi95 = funnel_limits(pooled, grid, 1.959963984540054)
        lo998, hi998 = funnel_limits(pooled, grid, 3.090232306167813)
        x = [round(float(v), 3) for v in grid]
        for y, name, dash, colour, legend in (
            ([pooled] * len(grid), _("City-wide rate"), "solid", "#444", True),
            # xgettext:no-python-format
            (hi95, _("95% limits"), "dash", PALETTE[3], True),
            # xgettext:no-python-format
            (lo95, _("95% limits"), "dash", PALETTE[3], False),
            # xgettext:no-python-format
            (hi998, _("99.8% limits"), "dot", PALETTE[1], True),
            # xgettext:no-python-format
            (lo998, _("99.8% limits"), "dot", PALETTE[1], False),
        ):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "x": x,
                    "y": [float(v) for v in y],
                    "line": {"dash": dash, "color": colour, "width": 1.5},
                    "hoverinfo": "skip",
                    "legendgroup": name,
                    "showlegend": legend,
                }
            )
    unit_lo, unit_hi = funnel_limits(pooled, df["avg_headcount"].to_numpy(dtype=float), 1.959963984540054)
    columns = [
        _("Unit"),
        _("Average headcount"),
        _("Leavers"),
        _("Turnover rate"),
        # xgettext:no-python-format
        _("95% lower limit"),
        # xgettext:no-python-format
        _("95% upper limit"),
        _("Assessment"),
    ]
    rows = []
    for name, r, lo, hi in zip(names, df.itertuples(index=False), unit_lo, unit_hi, strict=True):
        verdict = (
            _("Above limits") if r.rate > hi else _("Below limits") if r.rate < lo else _("Within limits")
        )
        rows.append(
            [
                name,
                round(float(r.avg_headcount), 2),
                int(r.separations),
                round(float(r.rate), 4),
                round(float(lo), 4),
                round(float(hi), 4),
                verdict,
            ]
        )
    layout = _layout(
        _("Turnover rate by unit (%(window)s) with funnel limits") % {"window": window},
        _("Average headcount"),
        _("Turnover rate"),
        yaxis={"tickformat": ".0%", "rangemode": "tozero"},
    )
    return {"figure": {"data": data, "layout": layout}, "table": {"columns": columns, "rows": rows}}


# --------------------------------------------------------------------------------------------------- KM
def km_curves(
    km: frames.KaplanMeier, labels: Mapping[str, str], *, p_value: float | None, title: str
) -> dict:
    """Kaplan–Meier step curves with 95 % bands, one colour per group."""
    data = []
    curves = km.curves
    for i, key in enumerate(km.summary["group"]):
        c = curves[curves["group"] == key]
        colour = PALETTE[i % len(PALETTE)]
        name = labels.get(key, str(key))
        c = _thin_curve(c)
        t = [0.0, *map(float, c["t"])]
        s = [1.0, *(round(float(v), 6) for v in c["s"])]
        hi = [1.0, *[_clean(round(float(v), 6)) for v in c["ci_high"]]]
        lo = [1.0, *[_clean(round(float(v), 6)) for v in c["ci_low"]]]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": t,
                "y": hi,
                "line": {"width": 0, "shape": "hv"},
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": name,
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": t,
                "y": lo,
                "line": {"width": 0, "shape": "hv"},
                "fill": "tonexty",
                "fillcolor": _rgba(colour, 0.15),
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": name,
                # xgettext:no-python-format
                "name": _("95% band"),
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": t,
                "y": s,
                "line": {"color": colour, "shape": "hv", "width": 2},
                "legendgroup": name,
                "hovertemplate": _("%{fullData.name}<br>Day %{x}: retained %{y:.1%}<extra></extra>"),
            }
        )
    subtitle = ""
    if p_value is not None:
        subtitle = _("log-rank p = %(p)s") % {"p": f"{p_value:.3g}"}
    layout = _layout(
        f"{title}<br><sub>{subtitle}</sub>" if subtitle else title,
        _("Days since hire"),
        _("Share still employed"),
        yaxis={"tickformat": ".0%", "range": [0, 1.02]},
    )
    columns = [
        _("Group"),
        _("Officers"),
        _("Leavers"),
        _("Median tenure (days)"),
        _("Retained at 1 year"),
        _("Retained at 3 years"),
    ]
    rows = []
    for r in km.summary.itertuples(index=False):
        c = curves[curves["group"] == r.group]
        rows.append(
            [
                labels.get(r.group, str(r.group)),
                int(r.n),
                int(r.events),
                None if math.isnan(r.median) else int(r.median),
                _clean(round(survival_at(c, 365), 4)),
                _clean(round(survival_at(c, 1095), 4)),
            ]
        )
    return {"figure": {"data": data, "layout": layout}, "table": {"columns": columns, "rows": rows}}


MAX_CURVE_POINTS = 400


def _thin_curve(curve: pd.DataFrame, max_points: int = MAX_CURVE_POINTS) -> pd.DataFrame:
    """For drawing only: a curve with thousands of event days is sampled as a step function on an even grid of
    days (the value at each grid day is exact; steps between grid days merge). Tables keep every point."""
    if len(curve) <= max_points:
        return curve
    t = curve["t"].to_numpy(dtype=float)
    grid = np.unique(np.r_[np.linspace(t[0], t[-1], max_points), t[-1]])
    idx = np.searchsorted(t, grid, side="right") - 1
    thinned = curve.iloc[idx].copy()
    thinned["t"] = grid
    return thinned


def survival_at(curve: pd.DataFrame, day: float) -> float:
    """S(day) of one group's curve (step function, 1 before the first event)."""
    t = curve["t"].to_numpy(dtype=float)
    i = np.searchsorted(t, day, side="right") - 1
    return 1.0 if i < 0 else float(curve["s"].to_numpy()[i])


# --------------------------------------------------------------------------------------------------- cohorts
def cohort_heatmap(km: frames.KaplanMeier, as_of_day: int, *, max_years: int = 10) -> dict:
    """Share of each hire cohort still employed after 1, 2, … years (blank where not yet observable)."""
    cohorts = [str(g) for g in km.summary["group"]]
    years = list(range(1, max_years + 1))
    z = []
    for key in cohorts:
        c = km.curves[km.curves["group"] == key]
        first_day = int(np.datetime64(f"{key}-01-01", "D").astype(np.int64))
        # Year k is shown once the cohort's latest hire (31 Dec) could have reached k years of tenure.
        observable = [first_day + 364 + 365 * k <= as_of_day for k in years]
        z.append(
            [
                round(survival_at(c, 365 * k), 4) if ok else None
                for k, ok in zip(years, observable, strict=True)
            ]
        )
    x = [_("Year %(n)s") % {"n": k} for k in years]
    data = [
        {
            "type": "heatmap",
            "x": x,
            "y": cohorts,
            "z": z,
            "zmin": 0,
            "zmax": 1,
            "colorscale": "Blues",
            "hovertemplate": _("Hired in %{y}, %{x}: retained %{z:.1%}<extra></extra>"),
            "colorbar": {"tickformat": ".0%"},
        }
    ]
    layout = _layout(
        _("Retention by hire cohort"), _("Years since hire"), _("Hire cohort"), yaxis={"type": "category"}
    )
    columns = [_("Hire cohort"), *x]
    rows = [[key, *row] for key, row in zip(cohorts, z, strict=True)]
    return {"figure": {"data": data, "layout": layout}, "table": {"columns": columns, "rows": rows}}


# --------------------------------------------------------------------------------------------------- reasons
def leavers_by_reason(
    leavers: pd.DataFrame,
    reason_labels: Mapping[str, str],
    band_order: Sequence[str],
    band_labels: Mapping[str, str],
) -> dict:
    """Stacked bars of leavers per tenure band, one colour per leaving reason. leavers: frames.leave_reasons
    output (tenure_band, leave_reason, leavers; other columns are summed over)."""
    counts = (
        leavers.groupby(["leave_reason", "tenure_band"])["leavers"]
        .sum()
        .unstack(fill_value=0)
        .reindex(columns=list(band_order), fill_value=0)
        if len(leavers)
        else pd.DataFrame(columns=list(band_order))
    )
    reasons = [r for r in reason_labels if r in counts.index] + [
        r for r in counts.index if r not in reason_labels
    ]
    x = [band_labels.get(b, b) for b in band_order]
    data = []
    for i, reason in enumerate(reasons):
        data.append(
            {
                "type": "bar",
                "name": reason_labels.get(reason, reason),
                "x": x,
                "y": [int(v) for v in counts.loc[reason]],
                "marker": {"color": PALETTE[i % len(PALETTE)]},
                "hovertemplate": _("%{fullData.name}<br>Tenure %{x}: %{y} leavers<extra></extra>"),
            }
        )
    layout = _layout(_("Leavers by reason and tenure"), _("Tenure at leaving"), _("Leavers"), barmode="stack")
    columns = [_("Leaving reason"), *x, _("Total")]
    rows = [
        [reason_labels.get(r, r), *[int(v) for v in counts.loc[r]], int(counts.loc[r].sum())] for r in reasons
    ]
    return {"figure": {"data": data, "layout": layout}, "table": {"columns": columns, "rows": rows}}
