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
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

SPELL_COLUMNS = (
    "officer_id",
    "unit",
    "unit_path",
    "staff_category",
    "hire_date",
    "leave_date",
    "leave_reason",
)
VOLUNTARY_REASONS = ("resigned", "transferred_out")
INTERNAL_TRANSFER = "internal_transfer"
PERIODS = ("month", "quarter", "year")
STEPLEN = 4  # treebeard MP_Node path step length
ALL = "all"

# Open spells get a leave day far in the future so that "leave <= d" is never true for them.
OPEN = np.int64(2**40)

# Default tenure bands (days) for the reasons cross-tab.
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
    hire_month: np.ndarray  # months since 1970-01 of hire_date
    hire_on_first: np.ndarray  # hire_date is the 1st of its month
    leave_month: np.ndarray  # months since 1970-01 of leave_date (huge when open)
    leave_on_first: np.ndarray
    reason_idx: np.ndarray  # index into reason_codes
    reason_codes: np.ndarray
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
    unit_ancestors: np.ndarray  # (units, levels) index into tree_paths of the level-L ancestor, -1 if none
    category_codes: np.ndarray
    tree_paths: np.ndarray  # every known path (units frame ∪ spells), sorted in tree order
    tree_codes: np.ndarray

    def __len__(self) -> int:
        return len(self.hire)

    @property
    def reason(self) -> np.ndarray:
        return np.where(self.leave == OPEN, "", self.reason_codes[self.reason_idx]).astype(object)


def _months(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(months since 1970-01, is the 1st of the month) for day numbers; OPEN maps to a month beyond any grid.

    Spells span a few thousand distinct days, so a lookup table over that range beats per-element date casts."""
    open_ = days == OPEN
    months = np.full(len(days), np.int64(2**40))
    first = np.zeros(len(days), dtype=bool)
    if (~open_).any():
        known = days[~open_]
        lo, hi = int(known.min()), int(known.max())
        table_days = np.arange(lo, hi + 1, dtype=np.int64).astype("datetime64[D]")
        table_months = table_days.astype("datetime64[M]")
        table_first = table_months.astype("datetime64[D]") == table_days
        idx = known - lo
        months[~open_] = table_months.astype(np.int64)[idx]
        first[~open_] = table_first[idx]
    return months, first


def prepare(spells: pd.DataFrame | Spells, units: pd.DataFrame | None = None) -> Spells:
    """Sort, encode and link a spells frame once; every metric accepts the result as well as a raw frame."""
    if isinstance(spells, Spells):
        return spells
    missing = set(SPELL_COLUMNS) - set(spells.columns)
    if missing:
        raise ValueError(f"spells frame lacks columns: {', '.join(sorted(missing))}")
    officer = np.asarray(spells["officer_id"].to_numpy(), dtype=np.int64)
    hire = to_days(spells["hire_date"])
    leave = to_days(spells["leave_date"])
    if np.any(hire == OPEN):
        raise ValueError("every spell needs a hire_date")
    if np.any(leave < hire):
        raise ValueError("a spell leaves before it was hired")
    order = np.lexsort((hire, officer))
    officer, hire, leave = officer[order], hire[order], leave[order]
    unit_raw, unit_codes = pd.factorize(spells["unit"])
    unit_idx = unit_raw[order]
    cat_raw, cat_codes = pd.factorize(spells["staff_category"])
    reason_raw, reason_codes = pd.factorize(spells["leave_reason"])
    reason_codes = np.r_[np.asarray(reason_codes, dtype=object), np.array([""], dtype=object)]
    reason_raw[reason_raw < 0] = len(reason_codes) - 1  # missing reason → ''
    reason_idx = reason_raw[order]
    paths_raw = spells["unit_path"].to_numpy(dtype=object)
    first_of_unit = np.zeros(len(unit_codes), dtype=np.int64)
    first_of_unit[unit_raw[::-1]] = np.arange(len(unit_raw))[::-1]
    unit_paths = np.array([str(p) for p in paths_raw[first_of_unit]], dtype=object)
    unit_depth = np.array([len(p) // STEPLEN for p in unit_paths], dtype=np.int64)

    known = dict(zip(unit_paths.tolist(), [str(c) for c in unit_codes], strict=True))
    if units is not None and len(units):
        known.update(zip(units["path"].astype(str).tolist(), units["code"].astype(str).tolist(), strict=True))
    tree_paths = np.array(sorted(known), dtype=object)
    tree_codes = np.array([known[p] for p in tree_paths], dtype=object)
    path_index = {p: i for i, p in enumerate(tree_paths.tolist())}
    max_depth = int(unit_depth.max()) if len(unit_depth) else 0
    ancestors = np.full((len(unit_codes), max_depth), -1, dtype=np.int64)
    prefixes = np.full((len(unit_codes), max_depth), -1, dtype=np.int64)  # prefix ids, known or not
    prefix_ids: dict[str, int] = {}
    for u, p in enumerate(unit_paths.tolist()):
        for level in range(1, len(p) // STEPLEN + 1):
            prefix = p[: level * STEPLEN]
            ancestors[u, level - 1] = path_index.get(prefix, -1)
            prefixes[u, level - 1] = prefix_ids.setdefault(prefix, len(prefix_ids))

    reason_is_transfer = reason_codes == INTERNAL_TRANSFER
    is_transfer = reason_is_transfer[reason_idx] & (leave != OPEN)
    n = len(hire)
    next_linked = np.zeros(n, dtype=bool)
    if n > 1:
        next_linked[:-1] = is_transfer[:-1] & (officer[1:] == officer[:-1]) & (hire[1:] == leave[:-1])
    prev_linked = np.zeros(n, dtype=bool)
    prev_linked[1:] = next_linked[:-1]
    next_shared = np.full(n, -1, dtype=np.int64)
    linked = np.flatnonzero(next_linked)
    if len(linked) and max_depth:
        a, b = prefixes[unit_idx[linked]], prefixes[unit_idx[linked + 1]]
        same = (a == b) & (a >= 0)
        next_shared[linked] = np.cumprod(same, axis=1).sum(axis=1)
    elif len(linked):
        next_shared[linked] = 0
    prev_shared = np.full(n, -1, dtype=np.int64)
    prev_shared[1:] = next_shared[:-1]

    tenure = np.cumsum(~prev_linked) - 1
    starts = np.flatnonzero(~prev_linked)
    cohort = _years(hire[starts])[tenure] if n else np.array([], dtype=np.int64)
    hire_month, hire_on_first = _months(hire)
    leave_month, leave_on_first = _months(leave)
    voluntary_codes = np.isin(reason_codes, VOLUNTARY_REASONS)
    return Spells(
        officer=officer,
        unit=unit_idx.astype(np.int64),
        category=cat_raw[order].astype(np.int64),
        hire=hire,
        leave=leave,
        hire_month=hire_month,
        hire_on_first=hire_on_first,
        leave_month=leave_month,
        leave_on_first=leave_on_first,
        reason_idx=reason_idx.astype(np.int64),
        reason_codes=reason_codes,
        voluntary=voluntary_codes[reason_idx] & (leave != OPEN),
        next_linked=next_linked,
        prev_linked=prev_linked,
        next_shared=next_shared,
        prev_shared=prev_shared,
        tenure=tenure,
        cohort=cohort,
        unit_codes=np.asarray(unit_codes, dtype=object),
        unit_paths=unit_paths,
        unit_depth=unit_depth,
        unit_ancestors=ancestors,
        category_codes=np.asarray(cat_codes, dtype=object),
        tree_paths=tree_paths,
        tree_codes=tree_codes,
    )


# --------------------------------------------------------------------------------------------------- groupings
@dataclass
class Layer:
    """One way of counting every spell: its group (-1 = not counted here) and whether its hire/leave is a flow."""

    group: np.ndarray
    counts_hire: np.ndarray
    counts_sep: np.ndarray


def layers(sp: Spells, by: str) -> tuple[list[str], list[Layer]]:
    """Group keys and counting layers for a grouping; the transfer rule per level is in the module doc."""
    city_hire = ~sp.prev_linked
    city_sep = (sp.leave != OPEN) & ~sp.next_linked
    if by == "none":
        return [ALL], [Layer(np.zeros(len(sp), np.int64), city_hire, city_sep)]
    if by == "category":
        return [str(c) for c in sp.category_codes], [Layer(sp.category, city_hire, city_sep)]
    if by == "cohort":
        years, idx = np.unique(sp.cohort, return_inverse=True)
        return [str(y) for y in years], [Layer(idx.astype(np.int64).ravel(), city_hire, city_sep)]
    if by != "unit":
        raise ValueError(f"unknown grouping {by!r}")
    has_leave = sp.leave != OPEN
    out = []
    for level in range(1, sp.unit_ancestors.shape[1] + 1):
        out.append(
            Layer(
                sp.unit_ancestors[:, level - 1][sp.unit],
                ~(sp.prev_linked & (sp.prev_shared >= level)),
                has_leave & ~(sp.next_linked & (sp.next_shared >= level)),
            )
        )
    return [str(c) for c in sp.tree_codes], out


# --------------------------------------------------------------------------------------------------- periods
def _month_grid(start_day: int, end_day: int, period: str) -> tuple[int, int, np.ndarray, list[str]]:
    """Months covering whole periods from the one containing start to the one containing end.

    Returns (first month number, number of months, period index per month, period labels)."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    step = {"month": 1, "quarter": 3, "year": 12}[period]
    m_first = int(np.datetime64(int(start_day), "D").astype("datetime64[M]").astype(np.int64))
    m_last = int(np.datetime64(int(end_day), "D").astype("datetime64[M]").astype(np.int64))
    m_first -= m_first % step
    m_last += step - 1 - m_last % step
    months = np.arange(m_first, m_last + 1)
    pidx = (months - m_first) // step
    labels = []
    for m in months[::step]:
        year, month0 = int(m // 12 + 1970), int(m % 12)
        if period == "month":
            labels.append(f"{year}-{month0 + 1:02d}")
        elif period == "quarter":
            labels.append(f"{year}-Q{month0 // 3 + 1}")
        else:
            labels.append(f"{year}")
    return m_first, len(months), pidx, labels


def period_labels(start, end, period: str) -> list[str]:
    """Labels (2024-03, 2024-Q1, 2024) of the whole periods from the one containing start to the one containing end."""
    return _month_grid(day_of(start), day_of(end), period)[3]


def _month_bounds(m_first: int, n_months: int) -> tuple[np.ndarray, np.ndarray]:
    months = (
        np.arange(m_first, m_first + n_months + 1)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    return months[:-1], months[1:] - 1


def _monthly(sp: Spells, keys: list[str], lays: list[Layer], m_first: int, nm: int) -> dict[str, np.ndarray]:
    """Per (group, month): headcount first/last day, hires, separations, voluntary separations. Shapes (G, M).

    Headcount on day d is #(hire <= d) − #(leave <= d). The query days are q = [first_0, last_0, first_1, …]; each
    date is bucketed at the first query day on or after it (month k: its 1st → 2k, any later day → 2k + 1), and a
    cumulative sum over buckets gives the counts. Month arithmetic replaces searchsorted (10× faster unsorted)."""
    n_groups = len(keys)
    nq = 2 * nm
    width = nq + 1

    def bucket(month, on_first):
        k = month - m_first
        idx = 2 * k + (~on_first)
        return np.where(k < 0, 0, np.where(k >= nm, nq, idx))

    ih = bucket(sp.hire_month, sp.hire_on_first)
    il = bucket(sp.leave_month, sp.leave_on_first)
    kh = sp.hire_month - m_first
    kl = sp.leave_month - m_first
    in_h = (kh >= 0) & (kh < nm)
    in_l = (kl >= 0) & (kl < nm)
    heads = np.zeros(n_groups * width, dtype=np.int64)
    hires = np.zeros(n_groups * nm, dtype=np.int64)
    seps = np.zeros(n_groups * nm, dtype=np.int64)
    vol = np.zeros(n_groups * nm, dtype=np.int64)
    for lay in lays:
        g = lay.group
        valid = g >= 0
        if valid.all():
            heads += np.bincount(g * width + ih, minlength=n_groups * width)
            heads -= np.bincount(g * width + il, minlength=n_groups * width)
        else:
            heads += np.bincount(g[valid] * width + ih[valid], minlength=n_groups * width)
            heads -= np.bincount(g[valid] * width + il[valid], minlength=n_groups * width)
        ok = valid & lay.counts_hire & in_h
        hires += np.bincount(g[ok] * nm + kh[ok], minlength=n_groups * nm)
        ok = valid & lay.counts_sep & in_l
        seps += np.bincount(g[ok] * nm + kl[ok], minlength=n_groups * nm)
        ok &= sp.voluntary
        vol += np.bincount(g[ok] * nm + kl[ok], minlength=n_groups * nm)
    headcount = np.cumsum(heads.reshape(n_groups, width), axis=1)[:, :nq]
    return {
        "first": headcount[:, 0::2],
        "last": headcount[:, 1::2],
        "hires": hires.reshape(n_groups, nm),
        "separations": seps.reshape(n_groups, nm),
        "voluntary": vol.reshape(n_groups, nm),
    }


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
    m_first, nm, pidx, labels = _month_grid(s_day, e_day, period)
    month_starts, month_ends = _month_bounds(m_first, nm)
    keys, lays = layers(sp, by)
    n_groups = len(keys)
    m = _monthly(sp, keys, lays, m_first, nm)
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
            "group": np.tile(np.array(keys, dtype=object), n_periods),
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
    keys, lays = layers(sp, by)
    present = (sp.hire <= d) & (sp.leave > d)
    counts = np.zeros(len(keys), dtype=np.int64)
    for lay in lays:
        ok = present & (lay.group >= 0)
        counts += np.bincount(lay.group[ok], minlength=len(keys))
    return pd.Series(counts, index=pd.Index(keys, name="group"), name="headcount")


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
    Rows are ordered as ``turnover``'s: by month, then group (tree order for units).
    """
    sp = prepare(spells, units)
    lo, hi = _data_range(sp) if (start is None or end is None) else (0, 0)
    s_day = lo if start is None else day_of(start)
    e_day = hi if end is None else day_of(end)
    first_month = np.datetime64(int(s_day), "D").astype("datetime64[M]")
    ext_start = (first_month - 11).astype("datetime64[D]").astype(np.int64)
    monthly = turnover(sp, period="month", by=by, start=int(ext_start), end=int(e_day))
    # turnover's rows are month-major, so each group's rows are already in month order. The 12-month windows are
    # differences of per-group running sums (vectorised; a rolling() per group took seconds for 1,000 units). The
    # sums are of whole and half numbers, so the differences are exact.
    g = monthly.groupby("group", sort=False)
    full = g.cumcount().to_numpy() >= 11

    def trailing_sum(column: str) -> pd.Series:
        running = g[column].cumsum().astype(float)
        before = running.groupby(monthly["group"], sort=False).shift(12).fillna(0.0)
        return (running - before).where(full)

    out = pd.DataFrame(
        {
            "period": monthly["period"],
            "period_start": monthly["period_start"],
            "group": monthly["group"],
            "separations_12m": trailing_sum("separations"),
            "voluntary_separations_12m": trailing_sum("voluntary_separations"),
            "avg_headcount_12m": trailing_sum("avg_headcount") / 12,
        }
    )
    out = out[out["period_start"] >= np.datetime64(first_month, "D")]
    avg = out["avg_headcount_12m"]
    out["turnover_rate_12m"] = np.where(avg > 0, out["separations_12m"] / avg.where(avg > 0, 1), np.nan)
    return out.drop(columns="period_start").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------- tenures
def tenures(
    spells: pd.DataFrame | Spells, *, by: str = "none", as_of=None, units: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per tenure (see module doc for how transfers merge), observed as of ``as_of``.

    Columns: group, officer_id, hire_day, leave_day (day numbers; OPEN if censored), duration (days), event (bool),
    leave_reason ('' if censored), voluntary, staff_category, cohort. Spells hired after as_of are dropped; a leave after
    as_of is not yet observed, so that tenure is censored at as_of.
    """
    sp = prepare(spells, units)
    out, keys = _tenure_frame(sp, by, as_of)
    out["group"] = np.array(keys, dtype=object)[out["group"].to_numpy(dtype=np.int64)]
    return out


def _as_of_day(sp: Spells, as_of) -> int:
    if as_of is None:
        return _data_range(sp)[1] if len(sp) else 0
    return as_of if isinstance(as_of, (int, np.integer)) else day_of(as_of)


def _tenure_frame(sp: Spells, by: str, as_of, *, full: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """Tenures with integer group codes, and the keys they index (``full=False``: group, duration, event only)."""
    as_of_day = _as_of_day(sp, as_of)
    parts = []
    if by == "unit":
        for level in range(1, sp.unit_ancestors.shape[1] + 1):
            g = sp.unit_ancestors[:, level - 1][sp.unit]
            # A new tenure in the level-L group starts unless the spell continues a transfer inside that group.
            new = ~(sp.prev_linked & (sp.prev_shared >= level))
            parts.append(_tenure_rows(sp, g, new, as_of_day, full))
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
            g = g.astype(np.int64).ravel()
            keys = [str(y) for y in years]
        else:
            raise ValueError(f"unknown grouping {by!r}")
        parts.append(_tenure_rows(sp, g, new, as_of_day, full))
    if not parts:
        parts.append(_tenure_rows(sp, np.zeros(0, np.int64), np.zeros(0, bool), 0, full))
    columns = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    return pd.DataFrame(columns), keys


def _tenure_rows(sp: Spells, group: np.ndarray, new: np.ndarray, as_of_day: int, full: bool) -> dict:
    # Chains of linked spells are contiguous in (officer, hire) order: a tenure runs from a "new" row to the row
    # before the next one. Rows with no group at this level are dropped after chaining (a chain never crosses
    # them: a transfer inside a level-L group implies both units have a level-L ancestor).
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(new)] - 1
    hire = sp.hire[starts]
    leave = sp.leave[ends]
    g = group[starts]
    keep = (g >= 0) & (hire <= as_of_day)
    starts, ends, hire, leave, g = starts[keep], ends[keep], hire[keep], leave[keep], g[keep]
    event = leave <= as_of_day
    out = {"group": g, "duration": np.where(event, leave, as_of_day) - hire, "event": event}
    if full:
        reason = np.where(event, sp.reason_codes[sp.reason_idx[ends]], "").astype(object)
        out.update(
            officer_id=sp.officer[starts],
            hire_day=hire,
            leave_day=np.where(event, leave, OPEN),
            leave_reason=reason,
            voluntary=np.isin(reason, VOLUNTARY_REASONS),
            staff_category=np.asarray(sp.category_codes, dtype=object)[sp.category[starts]],
            cohort=sp.cohort[starts],
        )
    return out


# --------------------------------------------------------------------------------------------------- Kaplan–Meier
@dataclass
class KaplanMeier:
    curves: pd.DataFrame  # group, t, at_risk, events, s, var_log (Greenwood sum), ci_low, ci_high
    summary: pd.DataFrame  # group, n, events, median, follow_up (longest observed duration; NaN when empty)


def kaplan_meier(
    durations: Sequence[float] | np.ndarray,
    events: Sequence[bool] | np.ndarray,
    groups: Sequence | np.ndarray | None = None,
    *,
    keys: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> KaplanMeier:
    """Kaplan–Meier survival per group, one point per distinct event time.

    S(t) = Π (1 − d/n); Greenwood sum V = Σ d / (n (n − d)); the (1 − alpha) band is
    exp(−exp(log(−log S) ± z·√V / log S)) (log(−log) transform, as lifelines); where S reaches 0 the band is
    [0, 0]. median = first t with S(t) ≤ 0.5, NaN while the curve stays above. follow_up = the group's longest
    observed duration (event or censored): S(t) is an estimate only up to there. Groups are reported in sorted order
    of their keys; or pass ``keys`` and give ``groups`` as integer indexes into it (then in that order).
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
    elif keys is not None:
        gidx = np.asarray(groups, dtype=np.int64)
        keys = np.asarray(list(keys), dtype=object)
    else:
        gidx, keys = _factorize_sorted(groups)
    if gidx.shape != t.shape:
        raise ValueError("groups and durations differ in length")
    n_groups = len(keys)
    if len(t) == 0:
        empty = pd.DataFrame(columns=["group", "t", "at_risk", "events", "s", "var_log", "ci_low", "ci_high"])
        return KaplanMeier(
            empty, pd.DataFrame({"group": keys, "n": 0, "events": 0, "median": np.nan, "follow_up": np.nan})
        )
    pair_g, pair_t, removed, deaths = _group_time_pairs(gidx, t, d, n_groups)
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
    gfirst = np.r_[True, pair_g[1:] != pair_g[:-1]] if len(pair_g) else np.zeros(0, dtype=bool)
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
    follow_up = np.full(n_groups, np.nan)
    np.fmax.at(follow_up, gidx, t)
    summary = pd.DataFrame(
        {
            "group": keys,
            "n": group_n,
            "events": np.bincount(gidx[d], minlength=n_groups),
            "median": median,
            "follow_up": follow_up,
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
    frame, keys = _tenure_frame(prepare(spells, units), by, as_of, full=False)
    return kaplan_meier(
        frame["duration"].to_numpy(),
        frame["event"].to_numpy(),
        frame["group"].to_numpy(dtype=np.int64),
        keys=keys,
        alpha=alpha,
    )


def _factorize_sorted(values) -> tuple[np.ndarray, np.ndarray]:
    """Hash-factorize (fast on strings), then renumber so that codes follow the sorted keys."""
    codes, uniques = pd.factorize(
        np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    )
    uniques = np.asarray(uniques)
    rank = np.argsort(uniques, kind="stable")
    remap = np.empty(len(rank), dtype=np.int64)
    remap[rank] = np.arange(len(rank))
    return remap[codes], uniques[rank]


def _group_time_pairs(g: np.ndarray, t: np.ndarray, d: np.ndarray, n_groups: int):
    """Distinct (group, time) pairs in (group, time) order with subjects removed (events + censored) and events.

    Whole-day durations (tenures) are counted with bincount over group × day, no sort at all; other durations
    are sorted with lexsort."""
    span = int(t.max()) + 1 if len(t) else 1
    if np.all(t == np.floor(t)) and n_groups * span <= 50_000_000:
        key = g * span + t.astype(np.int64)
        total = np.bincount(key, minlength=n_groups * span)
        dead = np.bincount(key[d], minlength=n_groups * span)
        nz = np.flatnonzero(total)
        return nz // span, (nz % span).astype(float), total[nz], dead[nz]
    order = np.lexsort((t, g))
    ts, gs, ds = t[order], g[order], d[order]
    cut = np.flatnonzero(np.r_[True, (gs[1:] != gs[:-1]) | (ts[1:] != ts[:-1])])
    removed = np.diff(np.r_[cut, len(ts)])
    return gs[cut], ts[cut], removed, np.add.reduceat(ds.astype(np.int64), cut)


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
    df: int  # rank of the covariance of the groups compared; 0 when no comparison was possible
    p_value: float | None  # None when df is 0 (nothing left to compare)
    observed: dict
    expected: dict
    dropped: list = field(default_factory=list)  # groups nobody of which was at risk at any event time


def logrank(durations, events, groups) -> LogRank:
    """Log-rank test that the survival curves of k ≥ 2 groups are equal (chi-square with k − 1 df).

    A group none of whose members is at risk at any event time (all censored before the first event) carries no
    information and is dropped (listed in ``dropped``) instead of making the covariance matrix singular. The
    statistic uses the Moore–Penrose inverse of the remaining groups' covariance with df = its rank (as R's
    survdiff); when that rank is 0 (e.g. only one group is ever at risk when someone leaves) there is no test:
    df 0, p_value None."""
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=bool)
    g, keys = _factorize_sorted(groups)
    k = len(keys)
    if k < 2:
        raise ValueError("log-rank needs at least two groups")
    times, ti = np.unique(t, return_inverse=True)
    m = len(times)
    cell = ti.ravel() * k + g
    removed = np.bincount(cell, minlength=m * k).reshape(m, k).astype(float)
    deaths = np.bincount(cell[d], minlength=m * k).reshape(m, k).astype(float)
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
    present = at_risk.sum(axis=0) > 0
    dropped = keys[~present].tolist()
    diff = (observed - expected)[present]
    v = cov[np.ix_(present, present)]
    # The rows of v sum to zero, so its rank is at most (groups − 1); singular values below this relative cutoff
    # are that exact zero blurred by rounding, and must not be inverted.
    rcond = 1e-10
    sv = np.linalg.svd(v, compute_uv=False) if present.sum() >= 2 else np.zeros(0)
    df = int((sv > rcond * sv.max()).sum()) if len(sv) and sv.max() > 0 else 0
    if df == 0:
        stat, p_value = 0.0, None
    else:
        stat = max(float(diff @ np.linalg.pinv(v, rcond=rcond, hermitian=True) @ diff), 0.0)
        p_value = chi2_sf(stat, df)
    return LogRank(
        statistic=stat,
        df=df,
        p_value=p_value,
        observed=dict(zip(keys.tolist(), observed.tolist(), strict=True)),
        expected=dict(zip(keys.tolist(), expected.tolist(), strict=True)),
        dropped=dropped,
    )


# --------------------------------------------------------------------------------------------------- reasons
def _bands(bands: Iterable[tuple[int, int | None, str]] | None):
    return tuple(bands) if bands is not None else TENURE_BANDS


def tenure_band(duration: np.ndarray, bands=None) -> np.ndarray:
    bands = _bands(bands)
    edges = np.array([b[0] for b in bands[1:]], dtype=float)
    labels = np.array([b[2] for b in bands], dtype=object)
    return labels[np.searchsorted(edges, np.asarray(duration, dtype=float), side="right")]


def leave_reasons(
    spells: pd.DataFrame | Spells, *, as_of=None, start=None, bands=None, units=None
) -> pd.DataFrame:
    """Leavers (city-level tenures that ended by as_of, and on or after start when given) by staff category ×
    tenure band × reason, long format.

    Columns: staff_category, tenure_band, leave_reason, voluntary, leavers."""
    t = tenures(spells, by="none", as_of=as_of, units=units)
    t = t[t["event"]]
    if start is not None:
        t = t[t["leave_day"] >= (start if isinstance(start, (int, np.integer)) else day_of(start))]
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


# --------------------------------------------------------------------------------------------------- comparisons
MIN_GROUP_SIZE = 10  # fewer officers than this in a group: no curve, no test ("样本不足，不作比较")


def survival_at(km: KaplanMeier, group, day: float) -> float | None:
    """S(day) of one group (a step function, 1 before its first event), or None when ``day`` lies beyond the
    group's observed follow-up: nobody in it was observed that long, so the curve says nothing there."""
    row = km.summary[km.summary["group"] == group]
    if not len(row) or not (float(row["follow_up"].iloc[0]) >= day):  # NaN (empty group) is never >= day
        return None
    c = km.curves[km.curves["group"] == group]
    t = c["t"].to_numpy(dtype=float)
    i = np.searchsorted(t, day, side="right") - 1
    return 1.0 if i < 0 else float(c["s"].to_numpy()[i])


@dataclass
class Comparison:
    """Kaplan–Meier curves of the groups large enough to show, the groups that are not, and the log-rank test
    among the shown ones (None with fewer than two of them or no event among them)."""

    km: KaplanMeier  # every group (the table lists them all)
    shown: list  # keys of groups with at least min_n members, in km.summary order
    small: list  # keys of groups with 1 … min_n − 1 members
    test: LogRank | None
    min_n: int

    @property
    def shown_km(self) -> KaplanMeier:
        return KaplanMeier(
            self.km.curves[self.km.curves["group"].isin(self.shown)],
            self.km.summary[self.km.summary["group"].isin(self.shown)],
        )


def compare(durations, events, groups, *, min_n: int = MIN_GROUP_SIZE) -> Comparison:
    """Kaplan–Meier per group and a log-rank test restricted to groups of at least ``min_n`` members.

    Empty groups are left out entirely; small ones are reported but neither drawn nor tested."""
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=bool)
    g = np.asarray(groups, dtype=object)
    km = kaplan_meier(t, d, g) if len(t) else kaplan_meier(t, d)
    summary = km.summary[km.summary["n"] > 0] if len(t) else km.summary.iloc[0:0]
    km = KaplanMeier(km.curves[km.curves["group"].isin(summary["group"])], summary.reset_index(drop=True))
    shown = [k for k, n in zip(summary["group"], summary["n"], strict=True) if n >= min_n]
    small = [k for k, n in zip(summary["group"], summary["n"], strict=True) if 0 < n < min_n]
    test = None
    if len(shown) >= 2:
        keep = np.isin(g, shown)
        if d[keep].any():
            test = logrank(t[keep], d[keep], g[keep])
    return Comparison(km=km, shown=shown, small=small, test=test, min_n=min_n)
