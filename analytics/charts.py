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
# ColorBrewer YlGnBu, 0 → 1: retention from pale (few still employed) to dark blue (everyone still employed).
RETENTION_SCALE = [
    [0.0, "#ffffd9"],
    [0.125, "#edf8b1"],
    [0.25, "#c7e9b4"],
    [0.375, "#7fcdbb"],
    [0.5, "#41b6c4"],
    [0.625, "#1d91c0"],
    [0.75, "#225ea8"],
    [0.875, "#253494"],
    [1.0, "#081d58"],
]
FONT = {"family": '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif', "size": 13}


def _layout(x_title: str, y_title: str, **extra) -> dict:
    """Shared layout. No figure title: the page shows each chart's title as its heading (it was printed twice).
    Axes make room for their own labels (automargin); the legend sits above the plot, where it never covers the
    x-axis title however many entries wrap on a phone."""
    layout = {
        "font": FONT,
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True},
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"},
        "hovermode": "closest",
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def count_axis(max_value: float) -> dict:
    """Axis settings for whole counts (people, leavers): integer tick labels from 0; below 10 one tick per unit,
    since plotly's automatic step would otherwise be 0.5 and print 0.5 people."""
    axis: dict = {"rangemode": "tozero", "tickformat": ",d"}
    if max_value <= 10:
        axis["dtick"] = 1
        axis["range"] = [0, max(float(max_value), 1.0) * 1.1]
    return axis


def no_data(layout: dict, text: str) -> dict:
    """The layout of a chart with nothing to draw: empty axes hidden, the reason written where the plot would be."""
    return {
        **layout,
        "xaxis": {**layout.get("xaxis", {}), "visible": False},
        "yaxis": {**layout.get("yaxis", {}), "visible": False},
        "annotations": [
            {
                "text": text,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 16, "color": "#5c5c5c"},
            }
        ],
    }


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
def headcount_flows(table: pd.DataFrame, *, period_title: str | None = None) -> dict:
    """Headcount at period end with hires and leavers per period (frames.turnover output, one group).
    ``period_title`` names the x axis after the period actually used (month, quarter, year)."""
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
    flows_max = max([0, *data[0]["y"], *data[1]["y"]])
    heads_max = max([0, *data[2]["y"]])
    layout = _layout(
        period_title or _("Period"),
        _("Hires / leavers"),
        barmode="group",
        xaxis={"type": "category"},
        yaxis=count_axis(flows_max),
        yaxis2={
            "title": {"text": _("Headcount")},
            "overlaying": "y",
            "side": "right",
            "automargin": True,
            **count_axis(heads_max),
        },
    )
    if heads_max == 0 and flows_max == 0:
        layout = no_data(layout, _("Not enough data"))
        data = []
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


def label_positions(x: np.ndarray) -> list[str]:
    order = np.argsort(x, kind="stable")
    positions = [""] * len(x)
    for i, idx in enumerate(order):
        positions[idx] = "top center" if i % 2 == 0 else "bottom center"
    return positions


def turnover_funnel(per_unit: pd.DataFrame, labels: Mapping[str, str]) -> dict:
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
            # Neighbours along the x axis take turns above and below their point, so names do not overprint.
            "textposition": label_positions(df["avg_headcount"].to_numpy(dtype=float)),
            "cliponaxis": False,
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
        _("Average headcount"),
        _("Turnover rate"),
        yaxis={"tickformat": ".0%", "rangemode": "tozero"},
        xaxis={"rangemode": "tozero"},
    )
    if not len(df):
        layout = no_data(layout, _("Not enough data"))
        data = []
    elif len(df) == 1:
        # One unit against its own rate is no comparison: the table still gives its figures.
        layout = no_data(layout, _("Only one unit: no comparison"))
        data = []
    return {"figure": {"data": data, "layout": layout}, "table": {"columns": columns, "rows": rows}}


# --------------------------------------------------------------------------------------------------- KM
def km_curves(cmp: frames.Comparison, labels: Mapping[str, str], *, x_title: str) -> dict:
    """Kaplan–Meier step curves with 95 % bands, one colour per group large enough to show (frames.compare).

    Each curve runs to its group's longest observation (flat after the last leaver), so a group with no leaver is
    a visible line at 100 %. ``x_title`` names the clock (days since hire, since qualifying …). Returns figure,
    table (every group; small ones marked) and ``status``: the comparison's one-line verdict for the page."""
    km = cmp.km
    data = []
    # A group observed for no time at all (its clock started today, e.g. every appraisal decided today) has no
    # curve to draw: it gets no trace and so no legend entry.
    follow_ups = {key: _follow_up(km, key) for key in cmp.shown}
    drawn = [key for key in cmp.shown if follow_ups[key] > 0]
    for i, key in enumerate(drawn):
        c = km.curves[km.curves["group"] == key]
        follow_up = follow_ups[key]
        colour = PALETTE[i % len(PALETTE)]
        name = labels.get(key, str(key))
        c = _thin_curve(c)
        t = [0.0, *map(float, c["t"])]
        s = [1.0, *(round(float(v), 6) for v in c["s"])]
        hi = [1.0, *[_clean(round(float(v), 6)) for v in c["ci_high"]]]
        lo = [1.0, *[_clean(round(float(v), 6)) for v in c["ci_low"]]]
        if follow_up > t[-1]:
            t, s, hi, lo = [*t, follow_up], [*s, s[-1]], [*hi, hi[-1]], [*lo, lo[-1]]
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
    longest = max([follow_ups[key] for key in drawn], default=0.0)
    xaxis: dict = {"tickformat": ",d", "rangemode": "tozero"}
    if longest <= 10:
        # Whole days, one tick each: plotly's automatic step on a short axis is a fraction of a day, which the
        # integer format then prints as "0 0 0 1 1 1".
        xaxis.update(dtick=1, range=[0, max(longest, 1.0)])
    layout = _layout(
        x_title,
        _("Share still employed"),
        yaxis={"tickformat": ".0%", "range": [0, 1.02]},
        xaxis=xaxis,
    )
    status = comparison_status(cmp, labels)
    if not cmp.shown:
        layout = no_data(layout, _("Too few officers to compare"))
    elif not drawn:
        layout = no_data(layout, _("Not enough data: no time observed since the start of the clock yet"))
    columns = [
        _("Group"),
        _("Officers"),
        _("Leavers"),
        _("Longest follow-up (days)"),
        _("Median (days)"),
        _("Retained after 1 year"),
        _("Retained after 3 years"),
        _("Note"),
    ]
    rows = []
    for r in km.summary.itertuples(index=False):
        small = r.group in cmp.small
        rows.append(
            [
                labels.get(r.group, str(r.group)),
                int(r.n),
                int(r.events),
                None if math.isnan(r.follow_up) else int(r.follow_up),
                None if small or math.isnan(r.median) else int(r.median),
                None if small else _rounded(frames.survival_at(km, r.group, 365)),
                None if small else _rounded(frames.survival_at(km, r.group, 1095)),
                _("Too few officers (under %(n)s): not compared") % {"n": cmp.min_n} if small else "",
            ]
        )
    return {
        "figure": {"data": data, "layout": layout},
        "table": {"columns": columns, "rows": rows},
        "status": status,
    }


def _follow_up(km: frames.KaplanMeier, key) -> float:
    value = float(km.summary.loc[km.summary["group"] == key, "follow_up"].iloc[0])
    return 0.0 if math.isnan(value) else value


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def format_p(p: float) -> str:
    """A p-value with its relation, as people read it: "= 0.061", or "< 0.001" (never 8.08e-10)."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def comparison_status(cmp: frames.Comparison, labels: Mapping[str, str]) -> str:
    """What the chart may and may not be read as: the log-rank p-value only where two or more groups are large
    enough and someone left; otherwise why there is no comparison. Small groups are named."""
    parts = []
    if not cmp.shown:
        # The chart itself says "too few officers to compare": the status only names the groups, once.
        if cmp.small:
            return _("Groups under %(n)s officers: %(groups)s.") % {
                "n": cmp.min_n,
                "groups": "、".join(labels.get(g, str(g)) for g in cmp.small),
            }
        return ""
    if len(cmp.shown) == 1:
        parts.append(_("Only one group is large enough: no comparison."))
    elif cmp.test is None:
        parts.append(_("Nobody has left yet in these groups: no comparison."))
    elif cmp.test.p_value is None:
        parts.append(_("The groups were never at risk at the same time: no comparison."))
    else:
        parts.append(_("Log-rank test: p %(p)s.") % {"p": format_p(cmp.test.p_value)})
        if cmp.test.dropped:
            parts.append(
                _("Left out of the test (nobody at risk when others left): %(groups)s.")
                % {"groups": "、".join(labels.get(g, str(g)) for g in cmp.test.dropped)}
            )
    if cmp.small:
        parts.append(
            _("Too few officers (under %(n)s), not drawn: %(groups)s.")
            % {"n": cmp.min_n, "groups": "、".join(labels.get(g, str(g)) for g in cmp.small)}
        )
    return " ".join(parts)


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
    sizes = [int(n) for n in km.summary["n"]]
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
    # Light (few retained) to dark blue (all retained): plotly's own "Blues" ends in grey at 100 %, which read as
    # "no data". Blank cells (not yet observable) stay the background colour.
    data = [
        {
            "type": "heatmap",
            "x": x,
            # The cohort's size beside its year: 100 % of one officer is not 100 % of forty.
            "y": [
                _("%(year)s (%(n)s)") % {"year": key, "n": n} for key, n in zip(cohorts, sizes, strict=True)
            ],
            "z": z,
            "zmin": 0,
            "zmax": 1,
            "colorscale": RETENTION_SCALE,
            "xgap": 1,
            "ygap": 1,
            "hoverongaps": False,
            "texttemplate": "%{z:.0%}",
            "hovertemplate": _("Hired in %{y}, %{x}: retained %{z:.1%}<extra></extra>"),
            "colorbar": {"tickformat": ".0%", "thickness": 12},
        }
    ]
    layout = _layout(
        _("Years since hire"), _("Hire cohort"), yaxis={"type": "category", "autorange": "reversed"}
    )
    if not cohorts or all(v is None for row in z for v in row):
        layout = no_data(layout, _("Not enough data: no hire cohort has been observed for a full year yet"))
        data = []
    columns = [_("Hire cohort"), _("Officers"), *x]
    rows = [[key, n, *row] for key, n, row in zip(cohorts, sizes, z, strict=True)]
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
    totals = counts.sum(axis=0) if len(counts) else pd.Series(dtype=float)
    layout = _layout(
        _("Tenure at leaving"),
        _("Leavers"),
        barmode="stack",
        xaxis={"type": "category"},
        yaxis=count_axis(float(totals.max()) if len(totals) else 0.0),
    )
    if not reasons:
        layout = no_data(layout, _("Not enough data: nobody left in this period"))
    columns = [_("Leaving reason"), *x, _("Total")]
    rows = [
        [reason_labels.get(r, r), *[int(v) for v in counts.loc[r]], int(counts.loc[r].sum())] for r in reasons
    ]
    return {"figure": {"data": data, "layout": layout}, "table": {"columns": columns, "rows": rows}}
