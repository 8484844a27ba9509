"""Benchmark the pure analytics functions on a generated city: 100,000 officers' spells over 10 years, 200 units.

    .venv/bin/python bench/analytics_metrics.py [--officers 100000] [--repeat 5] [--seed 7]

Prints a table of median wall times (targets from issue 6: turnover by month × unit ≤ 100 ms, Kaplan–Meier for
200 groups ≤ 250 ms) and peak memory (tracemalloc peak of the Python heap during one pass, and the process's
maximum resident set size).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import frames  # noqa: E402

REASONS = np.array(
    ["resigned", "dismissed", "contract_ended", "retired", "transferred_out", "other"], dtype=object
)
REASON_P = np.array([0.45, 0.05, 0.2, 0.1, 0.15, 0.05])
CATEGORIES = np.array(["civil_servant", "full_time", "auxiliary"], dtype=object)


def make_units(n_units: int = 200) -> pd.DataFrame:
    """1 city, 9 districts, the rest streets spread over the districts (treebeard paths, steplen 4)."""
    rows = [("C00", "0001")]
    n_districts = 9
    for d in range(n_districts):
        rows.append((f"D{d + 1:02d}", f"0001{d + 1:04d}"))
    for s in range(n_units - 1 - n_districts):
        d = s % n_districts
        rows.append((f"S{d + 1:02d}{s // n_districts + 1:03d}", f"0001{d + 1:04d}{s // n_districts + 1:04d}"))
    return pd.DataFrame(rows, columns=["code", "path"])


def make_spells(n_officers: int, units: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    start = np.datetime64("2016-01-01").astype(np.int64)
    end = np.datetime64("2025-12-31").astype(np.int64)
    streets = units[units["path"].str.len() == 12].reset_index(drop=True)
    hire = rng.integers(start, end, n_officers)
    tenure = rng.exponential(4 * 365, n_officers).astype(np.int64) + 1
    leave = hire + tenure
    is_open = leave > end
    unit = rng.integers(0, len(streets), n_officers)
    cat = rng.choice(len(CATEGORIES), n_officers, p=[0.3, 0.5, 0.2])
    reason = rng.choice(REASONS, n_officers, p=REASON_P)
    officer = np.arange(1, n_officers + 1)
    # 15 % transfer to another street halfway through their tenure.
    moves = rng.random(n_officers) < 0.15
    mid = hire + tenure // 2
    moves &= (mid <= end) & (mid > hire)  # a same-day transfer would duplicate (officer, hire_date)
    new_unit = rng.integers(0, len(streets), n_officers)

    first_leave = np.where(moves, mid, np.where(is_open, -1, leave))
    first_reason = np.where(moves, "internal_transfer", np.where(is_open, "", reason))
    rows = {
        "officer_id": np.r_[officer, officer[moves]],
        "unit_idx": np.r_[unit, new_unit[moves]],
        "staff_category": np.r_[CATEGORIES[cat], CATEGORIES[cat[moves]]],
        "hire": np.r_[hire, mid[moves]],
        "leave": np.r_[first_leave, np.where(is_open, -1, leave)[moves]],
        "leave_reason": np.r_[first_reason, np.where(is_open, "", reason)[moves]],
    }
    df = pd.DataFrame(rows)
    df["unit"] = streets["code"].to_numpy()[df["unit_idx"]]
    df["unit_path"] = streets["path"].to_numpy()[df["unit_idx"]]
    df["hire_date"] = df["hire"].to_numpy().astype("datetime64[D]")
    leave_days = df["leave"].to_numpy()
    df["leave_date"] = np.where(leave_days < 0, np.datetime64("NaT"), leave_days.astype("datetime64[D]"))
    return df[
        ["officer_id", "unit", "unit_path", "staff_category", "hire_date", "leave_date", "leave_reason"]
    ]


def timeit(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--dashboard",
        action="store_true",
        help="also time the dashboard's chart building (needs Django settings)",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    units = make_units(200)
    spells = make_spells(args.officers, units, rng)
    as_of = "2025-12-31"
    prepared = frames.prepare(spells, units)
    tenures_by_unit = frames.tenures(prepared, by="unit", as_of=as_of)
    streets_only = tenures_by_unit[tenures_by_unit["group"].str.startswith("S")]
    t_dur, t_ev = tenures_by_unit["duration"].to_numpy(), tenures_by_unit["event"].to_numpy()
    t_grp = tenures_by_unit["group"].to_numpy(dtype=object)

    def turnover_month_unit():
        return frames.turnover(spells, period="month", by="unit", units=units, start="2016-01-01", end=as_of)

    cases = [
        ("prepare (sort, encode, link transfers)", lambda: frames.prepare(spells, units)),
        ("turnover month × unit, from raw frame", turnover_month_unit),
        (
            "turnover month × unit, prepared",
            lambda: frames.turnover(prepared, period="month", by="unit", start="2016-01-01", end=as_of),
        ),
        (
            "turnover quarter × category, raw",
            lambda: frames.turnover(spells, period="quarter", by="category"),
        ),
        ("kaplan_meier, 200 unit groups", lambda: frames.kaplan_meier(t_dur, t_ev, t_grp)),
        (
            "retention by unit (tenures + KM), raw",
            lambda: frames.retention(spells, by="unit", as_of=as_of, units=units),
        ),
        (
            "logrank, 3 categories",
            lambda: frames.logrank(t_dur, t_ev, tenures_by_unit["staff_category"].to_numpy()),
        ),
    ]
    print(
        f"spells: {len(spells):,} rows, officers: {args.officers:,}, units: {len(units)}, "
        f"unit groups in KM: {tenures_by_unit['group'].nunique()} (streets {streets_only['group'].nunique()}), "
        f"tenures: {len(tenures_by_unit):,}"
    )
    rows_out = turnover_month_unit()
    print(f"turnover month × unit rows: {len(rows_out):,}")
    print(f"{'case':<42} {'median ms':>10}")
    print("-" * 54)
    for label, fn in cases:
        print(f"{label:<42} {timeit(fn, args.repeat):>10.1f}")
    if args.dashboard:
        import datetime
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
        django.setup()
        from analytics import dashboard, selectors

        data = selectors.Dataset(spells, units.assign(name=units["code"]), None)
        filters = dashboard.Filters(
            unit=None,
            category=None,
            period="month",
            as_of=datetime.date(2025, 12, 31),
            start=datetime.date(2016, 1, 1),
        )
        label = "dashboard: all 7 charts, no DB/cache"
        print(f"{label:<42} {timeit(lambda: dashboard.compute(data, filters), args.repeat):>10.1f}")
    tracemalloc.start()
    turnover_month_unit()
    frames.retention(spells, by="unit", as_of=as_of, units=units)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print("-" * 54)
    print(f"{'tracemalloc peak (turnover + retention)':<42} {peak / 2**20:>8.1f} MB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'process max RSS (whole run)':<42} {rss:>8.1f} MB")


if __name__ == "__main__":
    main()
