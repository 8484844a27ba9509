"""Turnover and retention maths on a spells DataFrame: pure pandas/numpy, no ORM, vectorised.

Input: one row per employment spell with the columns
``officer_id, unit (code), unit_path (treebeard path), staff_category, hire_date, leave_date, leave_reason``
(dates as ``datetime64`` or ``datetime.date``; an open spell has no leave_date). An optional ``units`` frame
(``code, path``) names the tree so that rolled-up figures are reported for ancestors with no spells of their own.

Definitions follow DESIGN.md ("Definitions analytics must follow"):

* headcount on day d = spells with ``hire_date <= d`` and (no leave_date or ``leave_date > d``);
* hires/separations of a period are hire/leave dates from its first to its last day inclusive;
* month average headcount = (first day + last day) / 2; a quarter's or year's = mean of its monthly averages;
* turnover rate = separations / average headcount, a fraction (NaN when the average headcount is 0);
* voluntary = resigned, transferred_out.

Internal transfers. A spell ending with ``internal_transfer`` is *linked* to the same officer's next spell when
that spell starts on the same date. A linked transfer is a separation from the old unit and a hire into the new one
only where the move crosses the boundary of the group being counted:

* ``by="unit"`` (rolled up over subtrees): for a unit U the move counts when exactly one of the two units lies in
  U's subtree. A street→street move inside a district is a separation and a hire for each street but neither for the
  district or the city; the city (the root) never sees one, as DESIGN.md requires.
* ``by="none"`` (the whole frame, e.g. the city or the ``--unit`` subtree) and ``by="category"``/``"cohort"``:
  neither. The officer never left. (A transfer that also changes staff category moves headcount between categories
  without a hire or separation, as the contract says "neither" at category level.)
* An ``internal_transfer`` with no same-day next spell in the frame (data gap, or the next unit is outside the
  frame's subtree) is a separation like any other.

Tenure for Kaplan–Meier (``tenures``): for ``by="none"``, ``"category"`` and ``"cohort"`` linked spells are merged
into one tenure that starts at the first hire and ends at the last leave (the category and cohort are those of
the first spell). For ``by="unit"`` a tenure in unit U lasts while the officer stays inside U's subtree: for a
street a transfer out ends it (an event), for the district it does not unless the move leaves the district.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

VOLUNTARY_REASONS = ("resigned", "transferred_out")
INTERNAL_TRANSFER = "internal_transfer"
PERIODS = ("month", "quarter", "year")
TURNOVER_BY = ("none", "unit", "category", "cohort")
STEPLEN = 4  # treebeard MP_Node path step length
ALL = "all"

# Open spells get a leave day far in the future so that "leave <= d" is never true for them.
OPEN = np.int64(2**40)

# Default tenure bands (days) for the life table and the reasons cross-tab.
TENURE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 90, "0-3m"),
    (90, 180, "3-6m"),
    (180, 365, "6-12m"),
    (365, 730, "1-2y"),
    (730, 1826, "2-5y"),
    (1826, None, "5y+"),
)


# --------------------------------------------------------------------------------------------------- preparation
def to_days(values) -> np.ndarray:
    """Dates → int64 days since 1970-01-01; missing → OPEN."""
    arr = np.asarray(values)
    if arr.dtype.kind != "M":
        arr = pd.to_datetime(pd.Series(values, dtype=object)).to_numpy()
    nat = np.isnat(arr)
    days = arr.astype("datetime64[D]").astype(np.int64)
    days[nat] = OPEN
    return days


def day_of(value) -> np.int64:
    """One date-like value → int64 day number."""
    return np.int64(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def days_to_date(day: int):
    return np.datetime64(int(day), "D").astype(object)


def _years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


@dataclass
class Spells:
    """Spells sorted by (officer, hire) as numpy arrays, with transfer links and the unit tree resolved."""

    officer: np.ndarray
    unit: np.ndarray  # index into unit_codes
    category: np.ndarray  # index into category_codes
    hire: np.ndarray
    leave: np.ndarray
    reason: np.ndarray  # object array of reason codes ('' when open)
    voluntary: np.ndarray
    next_linked: np.ndarray  # this spell ends in an internal transfer continued by the next row
    prev_linked: np.ndarray  # this spell is the continuation of the previous row's internal transfer
    next_shared: np.ndarray  # tree levels shared with the linked next unit (-1 when not linked)
    prev_shared: np.ndarray
    tenure: np.ndarray  # city-level tenure id (linked spells merged)
    cohort: np.ndarray  # hire year of the city-level tenure
    unit_codes: np.ndarray
    unit_paths: np.ndarray
    unit_depth: np.ndarray
    category_codes: np.ndarray
    tree_paths: np.ndarray  # every known path (units frame ∪ spells), sorted in tree order
    tree_codes: np.ndarray

    def __len__(self) -> int:
        return len(self.hire)


def _shared_levels(path_a: str, path_b: str) -> int:
    n = min(len(path_a), len(path_b)) // STEPLEN
    level = 0
    while (
        level < n
        and path_a[level * STEPLEN : (level + 1) * STEPLEN] == path_b[level * STEPLEN : (level + 1) * STEPLEN]
    ):
        level += 1
    return level


def prepare(spells: pd.DataFrame | Spells, units: pd.DataFrame | None = None) -> Spells:
    """Sort, encode and link a spells frame once; every metric accepts the result as well as a raw frame."""
    if isinstance(spells, Spells):
        return spells
    missing = {
        "officer_id",
        "unit",
        "unit_path",
        "staff_category",
        "hire_date",
        "leave_date",
        "leave_reason",
    } - set(spells.columns)
    if missing:
        raise ValueError(f"spells frame lacks columns: {', '.join(sorted(missing))}")
    officer = np.asarray(spells["officer_id"].to_numpy(), dtype=np.int64)
    hire = to_days(spells["hire_date"])
    leave = to_days(spells["leave_date"])
    order = np.lexsort((hire, officer))
    officer, hire, leave = officer[order], hire[order], leave[order]
    unit_idx, unit_codes = pd.factorize(spells["unit"].to_numpy()[order])
    cat_idx, cat_codes = pd.factorize(spells["staff_category"].to_numpy()[order])
    reason = spells["leave_reason"].fillna("").to_numpy(dtype=object)[order]
    reason = np.where(leave == OPEN, "", reason).astype(object)
    unit_paths_all = spells["unit_path"].to_numpy(dtype=object)[order]
    first_of_unit = np.full(len(unit_codes), -1, dtype=np.int64)
    first_of_unit[unit_idx[::-1]] = np.arange(len(unit_idx))[::-1]
    unit_paths = unit_paths_all[first_of_unit].astype(str) if len(unit_codes) else np.array([], dtype=str)
    unit_depth = np.array([len(p) // STEPLEN for p in unit_paths], dtype=np.int64)

    is_transfer = reason == INTERNAL_TRANSFER
    n = len(hire)
    next_linked = np.zeros(n, dtype=bool)
    if n > 1:
        next_linked[:-1] = is_transfer[:-1] & (officer[1:] == officer[:-1]) & (hire[1:] == leave[:-1])
    prev_linked = np.zeros(n, dtype=bool)
    prev_linked[1:] = next_linked[:-1]
    next_shared = np.full(n, -1, dtype=np.int64)
    linked = np.flatnonzero(next_linked)
    if len(linked):
        nu = len(unit_codes)
        pair = unit_idx[linked] * nu + unit_idx[linked + 1]
        upairs, inv = np.unique(pair, return_inverse=True)
        shared = np.array(
            [_shared_levels(unit_paths[p // nu], unit_paths[p % nu]) for p in upairs], dtype=np.int64
        )
        next_shared[linked] = shared[inv]
    prev_shared = np.full(n, -1, dtype=np.int64)
    prev_shared[1:] = next_shared[:-1]

    tenure = np.cumsum(~prev_linked) - 1
    starts = np.flatnonzero(~prev_linked)
    cohort = _years(hire[starts])[tenure] if n else np.array([], dtype=np.int64)

    known = dict(zip(unit_paths.tolist(), unit_codes.tolist(), strict=True))
    if units is not None and len(units):
        known.update(zip(units["path"].astype(str).tolist(), units["code"].astype(str).tolist(), strict=True))
    tree_paths = np.array(sorted(known), dtype=object)
    tree_codes = np.array([known[p] for p in tree_paths], dtype=object)
    return Spells(
        officer=officer,
        unit=unit_idx.astype(np.int64),
        category=cat_idx.astype(np.int64),
        hire=hire,
        leave=leave,
        reason=reason,
        voluntary=np.isin(reason, VOLUNTARY_REASONS),
        next_linked=next_linked,
        prev_linked=prev_linked,
        next_shared=next_shared,
        prev_shared=prev_shared,
        tenure=tenure,
        cohort=cohort,
        unit_codes=np.asarray(unit_codes, dtype=object),
        unit_paths=unit_paths,
        unit_depth=unit_depth,
        category_codes=np.asarray(cat_codes, dtype=object),
        tree_paths=tree_paths,
        tree_codes=tree_codes,
    )


# --------------------------------------------------------------------------------------------------- groupings
@dataclass
class Entries:
    """What the flow engine counts: one row per (spell, group it counts in)."""

    group: np.ndarray
    keys: list[str]
    hire: np.ndarray
    leave: np.ndarray
    counts_hire: np.ndarray
    counts_sep: np.ndarray
    voluntary: np.ndarray


def _unit_levels(sp: Spells) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """For each tree level L: (L, ancestor index into sp.tree_paths per unit or -1)."""
    path_index = {p: i for i, p in enumerate(sp.tree_paths.tolist())}
    max_depth = int(sp.unit_depth.max()) if len(sp.unit_depth) else 0
    levels = []
    for level in range(1, max_depth + 1):
        anc = np.array(
            [
                path_index.get(p[: level * STEPLEN], -1) if len(p) >= level * STEPLEN else -1
                for p in sp.unit_paths
            ],
            dtype=np.int64,
        )
        levels.append((level, anc))
    return levels


def entries(sp: Spells, by: str) -> Entries:
    """Assign spells to groups and decide, per group level, whether each hire/leave is a flow (see module doc)."""
    city_hire = ~sp.prev_linked
    city_sep = (sp.leave != OPEN) & ~sp.next_linked
    if by == "none":
        return Entries(
            np.zeros(len(sp), np.int64), [ALL], sp.hire, sp.leave, city_hire, city_sep, sp.voluntary
        )
    if by == "category":
        return Entries(
            sp.category,
            [str(c) for c in sp.category_codes],
            sp.hire,
            sp.leave,
            city_hire,
            city_sep,
            sp.voluntary,
        )
    if by == "cohort":
        years, idx = np.unique(sp.cohort, return_inverse=True)
        return Entries(
            idx.astype(np.int64),
            [str(y) for y in years],
            sp.hire,
            sp.leave,
            city_hire,
            city_sep,
            sp.voluntary,
        )
    if by != "unit":
        raise ValueError(f"unknown grouping {by!r}")
    groups, hires, leaves, ch, cs, vol = [], [], [], [], [], []
    has_leave = sp.leave != OPEN
    for level, anc in _unit_levels(sp):
        g = anc[sp.unit]
        keep = g >= 0
        groups.append(g[keep])
        hires.append(sp.hire[keep])
        leaves.append(sp.leave[keep])
        ch.append((~(sp.prev_linked & (sp.prev_shared >= level)))[keep])
        cs.append((has_leave & ~(sp.next_linked & (sp.next_shared >= level)))[keep])
        vol.append(sp.voluntary[keep])
    if not groups:
        return Entries(
            np.zeros(0, np.int64),
            [],
            sp.hire[:0],
            sp.leave[:0],
            city_hire[:0],
            city_sep[:0],
            sp.voluntary[:0],
        )
    return Entries(
        np.concatenate(groups),
        [str(c) for c in sp.tree_codes],
        np.concatenate(hires),
        np.concatenate(leaves),
        np.concatenate(ch),
        np.concatenate(cs),
        np.concatenate(vol),
    )


# --------------------------------------------------------------------------------------------------- periods
def _month_grid(
    start_day: int, end_day: int, period: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Months covering whole periods from the one containing start to the one containing end.

    Returns (month_starts, month_ends, period index per month, period labels)."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    step = {"month": 1, "quarter": 3, "year": 12}[period]
    m_first = np.datetime64(int(start_day), "D").astype("datetime64[M]").astype(np.int64)
    m_last = np.datetime64(int(end_day), "D").astype("datetime64[M]").astype(np.int64)
    m_first -= m_first % step
    m_last += step - 1 - m_last % step
    months = np.arange(m_first, m_last + 1)
    month_starts = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    month_ends = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
    pidx = (months - m_first) // step
    labels = []
    for m in months[::step]:
        year, month0 = int(m // 12 + 1970), int(m % 12)
        labels.append(
            f"{year}-{month0 + 1:02d}"
            if period == "month"
            else f"{year}-Q{month0 // 3 + 1}"
            if period == "quarter"
            else f"{year}"
        )
    return month_starts, month_ends, pidx, labels


def _monthly(
    e: Entries, n_groups: int, month_starts: np.ndarray, month_ends: np.ndarray
) -> dict[str, np.ndarray]:
    """Per (group, month): headcount first/last day, hires, separations, voluntary separations. Shapes (G, M)."""
    nm = len(month_starts)
    # Headcount on the query days: #(hire <= d) - #(leave <= d), by bucketing each date at the first query day >= it.
    q = np.empty(2 * nm, dtype=np.int64)
    q[0::2], q[1::2] = month_starts, month_ends
    nq = len(q)
    width = nq + 1
    ih = np.searchsorted(q, e.hire, side="left")
    il = np.searchsorted(q, e.leave, side="left")
    size = n_groups * width
    heads = np.bincount(e.group * width + ih, minlength=size).reshape(n_groups, width)
    heads -= np.bincount(e.group * width + il, minlength=size).reshape(n_groups, width)
    headcount = np.cumsum(heads, axis=1)[:, :nq]
    first, last = headcount[:, 0::2], headcount[:, 1::2]

    lo, hi = month_starts[0], month_ends[-1]
    mh = np.searchsorted(month_starts, e.hire, side="right") - 1
    ok = e.counts_hire & (e.hire >= lo) & (e.hire <= hi)
    hires = np.bincount(e.group[ok] * nm + mh[ok], minlength=n_groups * nm).reshape(n_groups, nm)
    ml = np.searchsorted(month_starts, e.leave, side="right") - 1
    ok = e.counts_sep & (e.leave >= lo) & (e.leave <= hi)
    seps = np.bincount(e.group[ok] * nm + ml[ok], minlength=n_groups * nm).reshape(n_groups, nm)
    ok &= e.voluntary
    vol = np.bincount(e.group[ok] * nm + ml[ok], minlength=n_groups * nm).reshape(n_groups, nm)
    return {"first": first, "last": last, "hires": hires, "separations": seps, "voluntary": vol}


def _data_range(sp: Spells) -> tuple[int, int]:
    if not len(sp):
        raise ValueError("no spells: give start and end")
    closed = sp.leave[sp.leave != OPEN]
    end = max(int(sp.hire.max()), int(closed.max()) if len(closed) else 0)
    return int(sp.hire.min()), end


def turnover(
    spells: pd.DataFrame | Spells,
    *,
    period: str = "month",
    by: str = "none",
    start=None,
    end=None,
    units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Headcount, flows and turnover rate per period × group.

    Columns: period, period_start, period_end, group, start_headcount, end_headcount, avg_headcount, hires,
    separations, voluntary_separations, turnover_rate. Periods are whole months/quarters/years from the one that
    contains ``start`` to the one that contains ``end`` (defaults: first hire, last hire or leave). Rows are ordered
    by period then group; groups are ordered as the tree (unit), by first appearance (category) or by year (cohort).
    """
    sp = prepare(spells, units)
    if start is None or end is None:
        lo, hi = _data_range(sp)
        start = lo if start is None else start
        end = hi if end is None else end
    s_day = start if isinstance(start, (int, np.integer)) else day_of(start)
    e_day = end if isinstance(end, (int, np.integer)) else day_of(end)
    if e_day < s_day:
        raise ValueError("end is before start")
    month_starts, month_ends, pidx, labels = _month_grid(s_day, e_day, period)
    e = entries(sp, by)
    n_groups = len(e.keys)
    m = _monthly(e, n_groups, month_starts, month_ends)
    cuts = np.flatnonzero(np.r_[True, pidx[1:] != pidx[:-1]])
    n_months = np.diff(np.r_[cuts, len(pidx)])
    monthly_avg = (m["first"] + m["last"]) / 2.0
    avg = np.add.reduceat(monthly_avg, cuts, axis=1) / n_months if n_groups else np.zeros((0, len(cuts)))
    last_idx = np.r_[cuts[1:], len(pidx)] - 1

    def per_period(a):
        return np.add.reduceat(a, cuts, axis=1) if n_groups else np.zeros((0, len(cuts)), dtype=np.int64)

    hires, seps, vol = per_period(m["hires"]), per_period(m["separations"]), per_period(m["voluntary"])
    start_hc, end_hc = m["first"][:, cuts], m["last"][:, last_idx]
    n_periods = len(cuts)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(avg > 0, seps / np.where(avg > 0, avg, 1), np.nan)
    # Long format: period-major, group-minor.
    frame = pd.DataFrame(
        {
            "period": np.repeat(np.array(labels, dtype=object), n_groups),
            "period_start": np.repeat(month_starts[cuts], n_groups).astype("datetime64[D]"),
            "period_end": np.repeat(month_ends[last_idx], n_groups).astype("datetime64[D]"),
            "group": np.tile(np.array(e.keys, dtype=object), n_periods),
            "start_headcount": start_hc.T.ravel(),
            "end_headcount": end_hc.T.ravel(),
            "avg_headcount": avg.T.ravel(),
            "hires": hires.T.ravel(),
            "separations": seps.T.ravel(),
            "voluntary_separations": vol.T.ravel(),
            "turnover_rate": rate.T.ravel(),
        }
    )
    return frame


def headcount_on(
    spells: pd.DataFrame | Spells, day, *, by: str = "none", units: pd.DataFrame | None = None
) -> pd.Series:
    """Headcount on one day per group (Series indexed by group key)."""
    sp = prepare(spells, units)
    d = day if isinstance(day, (int, np.integer)) else day_of(day)
    e = entries(sp, by)
    present = (e.hire <= d) & (e.leave > d)
    counts = np.bincount(e.group[present], minlength=len(e.keys))
    return pd.Series(counts, index=pd.Index(e.keys, name="group"), name="headcount")


def trailing_turnover(
    spells: pd.DataFrame | Spells,
    *,
    by: str = "none",
    start=None,
    end=None,
    units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Trailing-12-month turnover at each month from start to end: separations in the 12 months ending with it
    divided by the mean of those 12 monthly average headcounts.

    Columns: period (month), group, separations_12m, voluntary_separations_12m, avg_headcount_12m, turnover_rate_12m.
    """
    sp = prepare(spells, units)
    lo, hi = _data_range(sp) if (start is None or end is None) else (0, 0)
    s_day = lo if start is None else day_of(start)
    e_day = hi if end is None else day_of(end)
    first_month = np.datetime64(int(s_day), "D").astype("datetime64[M]")
    ext_start = (first_month - 11).astype("datetime64[D]").astype(np.int64)
    monthly = turnover(sp, period="month", by=by, start=int(ext_start), end=int(e_day))
    monthly = monthly.sort_values(["group", "period_start"], kind="stable")
    g = monthly.groupby("group", sort=False)
    out = pd.DataFrame(
        {
            "period": monthly["period"],
            "period_start": monthly["period_start"],
            "group": monthly["group"],
            "separations_12m": g["separations"].transform(lambda s: s.rolling(12).sum()),
            "voluntary_separations_12m": g["voluntary_separations"].transform(lambda s: s.rolling(12).sum()),
            "avg_headcount_12m": g["avg_headcount"].transform(lambda s: s.rolling(12).mean()),
        }
    )
    out = out[out["period_start"] >= np.datetime64(first_month, "D")]
    avg = out["avg_headcount_12m"]
    out["turnover_rate_12m"] = np.where(avg > 0, out["separations_12m"] / avg.where(avg > 0, 1), np.nan)
    return (
        out.sort_values(["period_start", "group"], kind="stable")
        .drop(columns="period_start")
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------------------------------- tenures
def tenures(
    spells: pd.DataFrame | Spells, *, by: str = "none", as_of=None, units: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per tenure (see module doc for how transfers merge), observed as of ``as_of``.

    Columns: group, officer_id, hire_date_day, leave_day (OPEN if censored), duration (days), event (bool),
    leave_reason ('' if censored), staff_category, cohort. Spells hired after as_of are dropped; a leave after
    as_of is not yet observed, so that tenure is censored at as_of.
    """
    sp = prepare(spells, units)
    if as_of is None:
        as_of_day = _data_range(sp)[1] if len(sp) else 0
    else:
        as_of_day = as_of if isinstance(as_of, (int, np.integer)) else day_of(as_of)
    frames = []
    if by == "unit":
        for level, anc in _unit_levels(sp):
            g = anc[sp.unit]
            # A new tenure in the level-L group starts unless the spell continues a transfer inside that group.
            new = ~(sp.prev_linked & (sp.prev_shared >= level))
            frames.append(_tenure_rows(sp, g, new, as_of_day))
        keys = [str(c) for c in sp.tree_codes]
    else:
        new = ~sp.prev_linked
        if by == "none":
            g = np.zeros(len(sp), np.int64)
            keys = [ALL]
        elif by == "category":
            g = sp.category
            keys = [str(c) for c in sp.category_codes]
        elif by == "cohort":
            years, g = np.unique(sp.cohort, return_inverse=True)
            keys = [str(y) for y in years]
        else:
            raise ValueError(f"unknown grouping {by!r}")
        frames.append(_tenure_rows(sp, g, new, as_of_day))
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else _tenure_rows(sp, np.zeros(0, np.int64), np.zeros(0, bool), 0)
    )
    out["group"] = (
        np.array(keys, dtype=object)[out["group"].to_numpy()] if len(out) else out["group"].astype(object)
    )
    return out


def _tenure_rows(sp: Spells, group: np.ndarray, new: np.ndarray, as_of_day: int) -> pd.DataFrame:
    if len(group) == 0:
        return pd.DataFrame(
            {
                c: []
                for c in (
                    "group",
                    "officer_id",
                    "hire_day",
                    "leave_day",
                    "duration",
                    "event",
                    "leave_reason",
                    "staff_category",
                    "cohort",
                )
            }
        )
    # Rows with no group at this level (unit deeper than nothing) are dropped after chaining: a chain never
    # crosses such rows because a linked transfer inside group L implies both units have a level-L ancestor.
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(new)] - 1
    hire = sp.hire[starts]
    leave = sp.leave[ends]
    g = group[starts]
    keep = (g >= 0) & (hire <= as_of_day)
    starts, ends, hire, leave, g = starts[keep], ends[keep], hire[keep], leave[keep], g[keep]
    event = leave <= as_of_day
    stop = np.where(event, leave, as_of_day)
    reason = np.where(event, sp.reason[ends], "")
    return pd.DataFrame(
        {
            "group": g,
            "officer_id": sp.officer[starts],
            "hire_day": hire,
            "leave_day": np.where(event, leave, OPEN),
            "duration": stop - hire,
            "event": event,
            "leave_reason": reason.astype(object),
            "voluntary": np.isin(reason, VOLUNTARY_REASONS),
            "staff_category": sp.category_codes[sp.category[starts]]
            if len(starts)
            else np.array([], dtype=object),
            "cohort": sp.cohort[starts],
        }
    )


def first_year_turnover(
    spells: pd.DataFrame | Spells, *, as_of=None, by: str = "none", units=None
) -> pd.DataFrame:
    """Per hire cohort (year of the city-level tenure's first hire): how many of its hires left within 365 days.

    Columns: cohort, group, hires, left_first_year, voluntary_first_year, first_year_turnover (fraction), complete
    (every hire of the cohort has been observed for a full year by as_of; otherwise the rate is a lower bound).
    """
    t = tenures(spells, by=by, as_of=as_of, units=units)
    as_of_day = (
        _data_range(prepare(spells, units))[1]
        if as_of is None
        else (as_of if isinstance(as_of, (int, np.integer)) else day_of(as_of))
    )
    t = t.assign(
        left_first_year=t["event"] & (t["duration"] < 365),
    )
    t["voluntary_first_year"] = t["left_first_year"] & t["voluntary"]
    g = t.groupby(["cohort", "group"], sort=True)
    out = g.agg(
        hires=("event", "size"),
        left_first_year=("left_first_year", "sum"),
        voluntary_first_year=("voluntary_first_year", "sum"),
    ).reset_index()
    out["first_year_turnover"] = out["left_first_year"] / out["hires"]
    last_hire = (np.asarray(out["cohort"], dtype=np.int64) - 1970 + 1).astype("datetime64[Y]").astype(
        "datetime64[D]"
    ).astype(np.int64) - 1
    out["complete"] = last_hire + 365 <= as_of_day
    return out


# --------------------------------------------------------------------------------------------------- Kaplan–Meier
@dataclass
class KaplanMeier:
    curves: pd.DataFrame  # group, t, at_risk, events, s, var_log (Greenwood sum), ci_low, ci_high
    summary: pd.DataFrame  # group, n, events, median


def kaplan_meier(
    durations: Sequence[float] | np.ndarray,
    events: Sequence[bool] | np.ndarray,
    groups: Sequence | np.ndarray | None = None,
    *,
    alpha: float = 0.05,
) -> KaplanMeier:
    """Kaplan–Meier survival per group, one point per distinct event time.

    S(t) = Π (1 − d/n); Greenwood sum V = Σ d / (n (n − d)); the (1 − alpha) band is
    exp(−exp(log(−log S) ± z·√V / log S)) (log(−log) transform, as lifelines); where S reaches 0 the band is
    [0, 0]. median = first t with S(t) ≤ 0.5, NaN while the curve stays above. Groups are reported in sorted order
    of their keys.
    """
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=bool)
    if t.shape != d.shape:
        raise ValueError("durations and events differ in length")
    if np.any(np.isnan(t)) or np.any(t < 0):
        raise ValueError("durations must be non-negative numbers")
    if groups is None:
        gidx = np.zeros(len(t), np.int64)
        keys = np.array([ALL], dtype=object)
    else:
        keys, gidx = np.unique(np.asarray(groups), return_inverse=True)
        gidx = gidx.astype(np.int64).ravel()
    n_groups = len(keys)
    order = np.lexsort((t, gidx))
    ts, gs, ds = t[order], gidx[order], d[order]
    n = len(ts)
    if n == 0:
        empty = pd.DataFrame(columns=["group", "t", "at_risk", "events", "s", "var_log", "ci_low", "ci_high"])
        return KaplanMeier(empty, pd.DataFrame({"group": keys, "n": 0, "events": 0, "median": np.nan}))
    change = np.r_[True, (gs[1:] != gs[:-1]) | (ts[1:] != ts[:-1])]
    cut = np.flatnonzero(change)
    pair_g, pair_t = gs[cut], ts[cut]
    removed = np.diff(np.r_[cut, n])  # subjects leaving the risk set at this time (events + censored)
    deaths = np.add.reduceat(ds.astype(np.int64), cut)
    group_n = np.bincount(gidx, minlength=n_groups)
    group_start = np.r_[0, np.cumsum(group_n)[:-1]]
    before = np.cumsum(removed) - removed  # removed before this pair, globally
    at_risk = group_n[pair_g] - (before - group_start[pair_g])

    ev = deaths > 0
    pair_g, pair_t, at_risk, deaths = pair_g[ev], pair_t[ev], at_risk[ev], deaths[ev]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_terms = np.log(at_risk - deaths) - np.log(at_risk)
        var_terms = deaths / (at_risk * (at_risk - deaths).astype(float))
    # Where everyone at risk leaves (S drops to 0) the Greenwood term is infinite; like lifelines we add 0 there,
    # which makes the band collapse to [0, 0] at that point.
    var_terms[~np.isfinite(var_terms)] = 0.0
    gfirst = np.r_[True, pair_g[1:] != pair_g[:-1]]
    seg = np.cumsum(gfirst) - 1
    log_s = _segment_cumsum(log_terms, gfirst, seg)
    var = _segment_cumsum(var_terms, gfirst, seg)
    s = np.exp(log_s)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = log_s
        half = z * np.sqrt(var) / v
        lower = np.exp(-np.exp(np.log(-v) - half))
        upper = np.exp(-np.exp(np.log(-v) + half))
    ci_low = np.minimum(lower, upper)
    ci_high = np.maximum(lower, upper)

    curves = pd.DataFrame(
        {
            "group": keys[pair_g],
            "t": pair_t,
            "at_risk": at_risk,
            "events": deaths,
            "s": s,
            "var_log": var,
            "ci_low": ci_low,
            "ci_high": ci_high,
        }
    )
    median = np.full(n_groups, np.nan)
    hit = np.flatnonzero(s <= 0.5)
    if len(hit):
        hg = pair_g[hit]
        first = np.r_[True, hg[1:] != hg[:-1]]
        median[hg[first]] = pair_t[hit[first]]
    summary = pd.DataFrame(
        {
            "group": keys,
            "n": group_n,
            "events": np.bincount(gidx[d], minlength=n_groups),
            "median": median,
        }
    )
    return KaplanMeier(curves, summary)


def _segment_cumsum(values: np.ndarray, first: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each segment; -inf/inf only ever appear at a segment's last row (S hits 0)."""
    finite = np.where(np.isfinite(values), values, 0.0)
    cs = np.cumsum(finite)
    offsets = (cs - finite)[first]
    out = cs - offsets[seg]
    out[~np.isfinite(values)] = values[~np.isfinite(values)]
    return out


def retention(
    spells: pd.DataFrame | Spells,
    *,
    by: str = "none",
    as_of=None,
    units: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> KaplanMeier:
    """Kaplan–Meier tenure curves per group (by none/category/unit/cohort), tenures as defined in ``tenures``."""
    t = tenures(spells, by=by, as_of=as_of, units=units)
    return kaplan_meier(
        t["duration"].to_numpy(), t["event"].to_numpy(), t["group"].to_numpy(dtype=object), alpha=alpha
    )


# --------------------------------------------------------------------------------------------------- log-rank
def chi2_sf(x: float, df: int) -> float:
    """Upper tail of the chi-square distribution for a positive integer df, in closed form.

    Q(k/2, x/2): even df → e^{-y} Σ_{j<k/2} y^j / j!;  odd df → erfc(√y) + e^{-y} Σ_{j=1}^{(k-1)/2} y^{j-1/2} / Γ(j+1/2).
    """
    if df < 1 or int(df) != df:
        raise ValueError("df must be a positive integer")
    if x <= 0:
        return 1.0
    y = x / 2.0
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for j in range(1, df // 2):
            term *= y / j
            total += term
        return math.exp(-y) * total
    total = math.erfc(math.sqrt(y))
    if df > 1:
        term = math.sqrt(y) / math.gamma(1.5)  # j = 1
        acc = term
        for j in range(2, (df - 1) // 2 + 1):
            term *= y / (j - 0.5)
            acc += term
        total += math.exp(-y) * acc
    return total


@dataclass
class LogRank:
    statistic: float
    df: int
    p_value: float
    observed: dict
    expected: dict


def logrank(durations, events, groups) -> LogRank:
    """Log-rank test that the survival curves of k ≥ 2 groups are equal (chi-square with k − 1 df)."""
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=bool)
    keys, g = np.unique(np.asarray(groups), return_inverse=True)
    g = g.ravel()
    k = len(keys)
    if k < 2:
        raise ValueError("log-rank needs at least two groups")
    times, ti = np.unique(t, return_inverse=True)
    m = len(times)
    removed = np.zeros((m, k))
    np.add.at(removed, (ti, g), 1)
    deaths = np.zeros((m, k))
    np.add.at(deaths, (ti[d], g[d]), 1)
    at_risk = removed[::-1].cumsum(axis=0)[::-1]  # n_gj = subjects with t >= t_j
    n_tot = at_risk.sum(axis=1)
    d_tot = deaths.sum(axis=1)
    ev = d_tot > 0
    at_risk, deaths, n_tot, d_tot = at_risk[ev], deaths[ev], n_tot[ev], d_tot[ev]
    frac = at_risk / n_tot[:, None]
    expected = (d_tot[:, None] * frac).sum(axis=0)
    observed = deaths.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n_tot > 1, d_tot * (n_tot - d_tot) / (n_tot - 1), 0.0)
    cov = np.einsum("j,jg,jh->gh", factor, frac, -frac)
    cov[np.diag_indices(k)] += (factor[:, None] * frac).sum(axis=0)
    diff = observed - expected
    stat = float(diff[:-1] @ np.linalg.solve(cov[:-1, :-1], diff[:-1]))
    return LogRank(
        statistic=stat,
        df=k - 1,
        p_value=chi2_sf(stat, k - 1),
        observed=dict(zip(keys.tolist(), observed.tolist(), strict=True)),
        expected=dict(zip(keys.tolist(), expected.tolist(), strict=True)),
    )


# --------------------------------------------------------------------------------------------------- life table, reasons
def _bands(bands: Iterable[tuple[int, int | None, str]] | None):
    return tuple(bands) if bands is not None else TENURE_BANDS


def tenure_band(duration: np.ndarray, bands=None) -> np.ndarray:
    bands = _bands(bands)
    edges = np.array([b[0] for b in bands[1:]], dtype=float)
    labels = np.array([b[2] for b in bands], dtype=object)
    return labels[np.searchsorted(edges, np.asarray(duration, dtype=float), side="right")]


def life_table(durations, events, *, bands=None) -> pd.DataFrame:
    """Actuarial life table by tenure band.

    Columns: band, start, end, entered, events, censored, at_risk (entered − censored/2), q (probability of leaving
    within the band given entering it), survival (at the band's end), exposure_days, hazard_per_year
    (events per person-year spent in the band).
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    rows = []
    surv = 1.0
    for lo, hi, label in _bands(bands):
        hi_v = math.inf if hi is None else hi
        entered = int(np.sum(t >= lo))
        inside = (t >= lo) & (t < hi_v)
        ev = int(np.sum(inside & e))
        cens = int(np.sum(inside & ~e))
        n_eff = entered - cens / 2.0
        q = ev / n_eff if n_eff > 0 else math.nan
        if not math.isnan(q):
            surv *= 1 - q
        exposure = float(np.sum(np.clip(np.minimum(t, hi_v) - lo, 0, None)))
        rows.append(
            {
                "band": label,
                "start": lo,
                "end": hi,
                "entered": entered,
                "events": ev,
                "censored": cens,
                "at_risk": n_eff,
                "q": q,
                "survival": surv if not math.isnan(q) else math.nan,
                "exposure_days": exposure,
                "hazard_per_year": ev / exposure * 365.25 if exposure > 0 else math.nan,
            }
        )
    return pd.DataFrame(rows)


def leave_reasons(spells: pd.DataFrame | Spells, *, as_of=None, bands=None, units=None) -> pd.DataFrame:
    """Leavers (city-level tenures that ended by as_of) by staff category × tenure band × reason, long format.

    Columns: staff_category, tenure_band, leave_reason, voluntary, leavers."""
    t = tenures(spells, by="none", as_of=as_of, units=units)
    t = t[t["event"]]
    out = (
        pd.DataFrame(
            {
                "staff_category": t["staff_category"].to_numpy(),
                "tenure_band": tenure_band(t["duration"].to_numpy(), bands),
                "leave_reason": t["leave_reason"].to_numpy(),
                "voluntary": t["voluntary"].to_numpy(),
            }
        )
        .groupby(["staff_category", "tenure_band", "leave_reason", "voluntary"], sort=True)
        .size()
        .rename("leavers")
        .reset_index()
    )
    order = {b[2]: i for i, b in enumerate(_bands(bands))}
    return out.sort_values(
        ["staff_category", "tenure_band", "leave_reason"],
        key=lambda s: s.map(order) if s.name == "tenure_band" else s,
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------- landmark
def landmark(
    frame: pd.DataFrame, *, landmark_col: str = "landmark_date", as_of=None, landmark_days: int | None = None
) -> pd.DataFrame:
    """Restart the clock at a landmark to avoid immortal-time bias.

    ``frame`` is a tenures frame (``tenures()`` output: hire_day, leave_day, event …) with an extra column
    ``landmark_col`` holding each subject's landmark date (e.g. the qualification date; missing = never reached),
    or ``landmark_days`` gives a fixed landmark at hire + that many days for everyone. Only subjects still employed
    on the landmark (leave after it) and whose landmark is on or before as_of are kept. The returned frame has
    ``landmark_day``, and ``duration`` measured from the landmark to leaving (event) or as_of (censored).
    """
    hire = frame["hire_day"].to_numpy(dtype=np.int64)
    leave = frame["leave_day"].to_numpy(dtype=np.int64)
    if landmark_days is not None:
        lm = hire + int(landmark_days)
    else:
        lm = to_days(frame[landmark_col])
    if as_of is None:
        as_of_day = int(np.max(np.where(leave == OPEN, hire, leave))) if len(frame) else 0
    else:
        as_of_day = as_of if isinstance(as_of, (int, np.integer)) else day_of(as_of)
    keep = (lm != OPEN) & (lm <= as_of_day) & (lm >= hire) & (leave > lm)
    out = frame.loc[keep].copy()
    lm = lm[keep]
    lv = leave[keep]
    event = lv <= as_of_day
    out["landmark_day"] = lm
    out["event"] = event
    out["duration"] = np.where(event, lv, as_of_day) - lm
    return out.reset_index(drop=True)
