"""The turnover and retention reports of DESIGN.md (JSON-ready dicts and CSV) built from analytics.frames output.

No ORM here: callers pass the frames and the labels (see analytics.selectors).
"""

from __future__ import annotations

import csv
import datetime
import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analytics import frames
from cms.exports import csv_value

TURNOVER_FIELDS = [
    "period",
    "group",
    "label",
    "start_headcount",
    "end_headcount",
    "avg_headcount",
    "hires",
    "separations",
    "voluntary_separations",
    "turnover_rate",
]
RETENTION_CSV_FIELDS = [
    "key",
    "label",
    "n",
    "total_events",
    "median_tenure_days",
    "t",
    "at_risk",
    "events",
    "s",
    "ci_low",
    "ci_high",
]


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def _ordered_keys(found: Sequence[str], order: Sequence[str] | None) -> list[str]:
    if not order:
        return list(found)
    return [k for k in order] + [k for k in found if k not in set(order)]


def turnover_report(
    spells: pd.DataFrame,
    *,
    period: str,
    by: str,
    start: datetime.date,
    end: datetime.date,
    units: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    group_order: Sequence[str] | None = None,
) -> dict:
    """{"period", "by", "rows": [...]} with one row per period × group from start's period to end's period.

    ``group_order`` lists groups that must appear (in that order, zeros when they have no spells), e.g. every staff
    category."""
    table = frames.turnover(spells, period=period, by=by, start=start, end=end, units=units)
    labels = labels or {}
    keys = _ordered_keys(list(dict.fromkeys(table["group"])), group_order)
    periods = frames.period_labels(start, end, period)
    # Plain column lists, not itertuples (a named tuple and a Timestamp per row: 1,000 units × 132 months took
    # seconds).
    columns = [
        "start_headcount",
        "end_headcount",
        "avg_headcount",
        "hires",
        "separations",
        "voluntary_separations",
        "turnover_rate",
    ]
    by_key = {
        (p, g): values
        for p, g, *values in zip(
            table["period"].tolist(),
            table["group"].tolist(),
            *(table[c].tolist() for c in columns),
            strict=True,
        )
    }
    rows = []
    for p in periods:
        for k in keys:
            r = by_key.get((p, k))
            if r is None:
                rows.append(
                    {
                        "period": p,
                        "group": k,
                        "label": labels.get(k, k),
                        "start_headcount": 0,
                        "end_headcount": 0,
                        "avg_headcount": 0.0,
                        "hires": 0,
                        "separations": 0,
                        "voluntary_separations": 0,
                        "turnover_rate": None,
                    }
                )
                continue
            start_headcount, end_headcount, avg_headcount, hires, separations, voluntary, rate = r
            rows.append(
                {
                    "period": p,
                    "group": k,
                    "label": labels.get(k, k),
                    "start_headcount": int(start_headcount),
                    "end_headcount": int(end_headcount),
                    "avg_headcount": float(avg_headcount),
                    "hires": int(hires),
                    "separations": int(separations),
                    "voluntary_separations": int(voluntary),
                    "turnover_rate": _num(rate),
                }
            )
    return {"period": period, "by": by, "rows": rows}


def retention_report(
    spells: pd.DataFrame,
    *,
    by: str,
    as_of: datetime.date,
    units: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    group_order: Sequence[str] | None = None,
) -> dict:
    """{"as_of", "by", "groups": [{"key", "label", "n", "events", "median_tenure_days", "survival": [...]}]}."""
    labels = labels or {}
    if len(spells):
        km = frames.retention(spells, by=by, as_of=as_of, units=units)
        summary, curves = km.summary, km.curves
    else:
        summary = pd.DataFrame({"group": [], "n": [], "events": [], "median": []})
        curves = pd.DataFrame(
            {"group": [], "t": [], "at_risk": [], "events": [], "s": [], "ci_low": [], "ci_high": []}
        )
        if by == "none":
            summary = pd.DataFrame({"group": [frames.ALL], "n": [0], "events": [0], "median": [np.nan]})
        elif by == "unit" and units is not None:
            summary = pd.DataFrame({"group": list(units["code"]), "n": 0, "events": 0, "median": np.nan})
    found = [str(g) for g in summary["group"]]
    if by == "cohort":
        group_order = None
    keys = _ordered_keys(found, group_order)
    stats = {str(r.group): r for r in summary.itertuples(index=False)}
    points: dict[str, list[dict]] = {k: [] for k in keys}
    for g, t, at_risk, events, s, low, high in zip(
        curves["group"],
        curves["t"],
        curves["at_risk"],
        curves["events"],
        curves["s"],
        curves["ci_low"],
        curves["ci_high"],
        strict=True,
    ):
        points.setdefault(str(g), []).append(
            {
                "t": int(t),
                "at_risk": int(at_risk),
                "events": int(events),
                "s": float(s),
                "ci_low": _num(low),
                "ci_high": _num(high),
            }
        )
    groups = []
    for k in keys:
        r = stats.get(k)
        median = None if r is None or math.isnan(float(r.median)) else int(r.median)
        groups.append(
            {
                "key": k,
                "label": labels.get(k, k),
                "n": int(r.n) if r is not None else 0,
                "events": int(r.events) if r is not None else 0,
                "median_tenure_days": median,
                "survival": points.get(k, []),
            }
        )
    return {"as_of": as_of.isoformat(), "by": by, "groups": groups}


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(csv_value(v))


def turnover_csv(report: dict) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(TURNOVER_FIELDS)
    for row in report["rows"]:
        writer.writerow([_csv_value(row[f]) for f in TURNOVER_FIELDS])
    return buf.getvalue()


def retention_csv(report: dict) -> str:
    """One line per survival point; a group without events gets one line with empty point columns."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(RETENTION_CSV_FIELDS)
    for g in report["groups"]:
        head = [g["key"], g["label"], g["n"], g["events"], g["median_tenure_days"]]
        for p in g["survival"] or [None]:
            tail = [p[f] for f in ("t", "at_risk", "events", "s", "ci_low", "ci_high")] if p else [None] * 6
            writer.writerow([_csv_value(v) for v in head + tail])
    return buf.getvalue()
