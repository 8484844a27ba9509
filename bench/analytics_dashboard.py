"""Benchmark the HR dashboard end to end on a database: 100,000 officers' spells over 10 years in 200 units.

    .venv/bin/python bench/analytics_dashboard.py --database-url postgres://postgres@127.0.0.1:5432/anjian_bench_hr

The database is created if missing, migrated, and filled once with the generated city of
bench/analytics_metrics.py (it must be a scratch database: the script refuses one that holds other officers).
Prints median times of: loading the spells frame (values_list), the dashboard's first (uncached) computation, a
cached load through the view, and an uncached load through the view, plus peak RSS. Issue 6 targets on
PostgreSQL: first, uncached load ≤ 2 s; cached load ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import ensure_database  # noqa: E402  (bench/ is on the path when a script runs)

BENCH_CITY = "BENCHC00"


def populate(n_officers: int, seed: int) -> None:
    import analytics_metrics as gen
    import numpy as np
    from django.db import transaction

    from cms.models import EmploymentSpell, Officer, Unit

    if Unit.objects.filter(code=BENCH_CITY).exists():
        return
    if Officer.objects.exists():
        sys.exit("refusing to add the benchmark city to a database that already holds officers")
    rng = np.random.default_rng(seed)
    units = gen.make_units(200)
    with transaction.atomic():
        by_code = {}
        for code, path in zip(units["code"], units["path"], strict=True):
            name = f"单位{code}"
            bench_code = f"BENCH{code}"
            if len(path) == 4:
                by_code[code] = Unit.add_root(code=bench_code, name="基准市", kind="city")
            else:
                parent = by_code[{8: "C00", 12: f"D{code[1:3]}"}[len(path)]]
                parent.refresh_from_db()
                kind = "district" if len(path) == 8 else "street"
                by_code[code] = parent.add_child(code=bench_code, name=name, kind=kind)
        spells = gen.make_spells(n_officers, units, rng)
        last = spells.sort_values("hire_date").groupby("officer_id").last()
        Officer.objects.bulk_create(
            [
                Officer(
                    id=int(oid),
                    employee_no=f"B{int(oid):07d}",
                    name=f"人员{int(oid)}",
                    unit=by_code[row.unit],
                    staff_category=row.staff_category,
                    status="active" if row.leave_date != row.leave_date else "left",
                )
                for oid, row in last.iterrows()
            ],
            batch_size=5000,
        )
        EmploymentSpell.objects.bulk_create(
            [
                EmploymentSpell(
                    officer_id=int(r.officer_id),
                    unit=by_code[r.unit],
                    staff_category=r.staff_category,
                    hire_date=r.hire_date.date(),
                    leave_date=None if r.leave_date != r.leave_date else r.leave_date.date(),
                    leave_reason=r.leave_reason,
                )
                for r in spells.itertuples(index=False)
            ],
            batch_size=5000,
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('cms_officer', 'id'), (SELECT MAX(id) FROM cms_officer))"
            )
            cur.execute("ANALYZE")


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--officers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    populate(args.officers, args.seed)
    print(f"data ready in {time.perf_counter() - t0:.1f} s")

    from django.contrib.auth import get_user_model

    from analytics import selectors
    from analytics.dashboard import Filters, dashboard
    from cms.models import EmploymentSpell

    user, _ = get_user_model().objects.get_or_create(
        username="bench_hr_root", defaults={"is_superuser": True, "is_staff": True}
    )
    import datetime

    filters = Filters(
        unit=None,
        category=None,
        period="month",
        as_of=datetime.date(2025, 12, 31),
        start=datetime.date(2016, 1, 1),
    )
    query = {"period": "month", "start": "2016-01-01", "as_of": "2025-12-31"}
    client = Client()
    client.force_login(user)
    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, spells: {EmploymentSpell.objects.count():,}"
    )
    print(f"{'case':<46} {'median ms':>10}")
    print("-" * 58)
    rows = [
        ("load spells + units frames (2 queries)", lambda: selectors.city_dataset()),
        ("dashboard data, uncached (load + 7 charts)", lambda: dashboard(user, filters, refresh=True)),
    ]
    for label, fn in rows:
        print(f"{label:<46} {timed(fn, args.repeat):>10.1f}")

    def view(refresh):
        response = client.get("/hr/", {**query, **({"refresh": "1"} if refresh else {})})
        assert response.status_code == 200, response.status_code
        return response

    print(f"{'view /hr/, uncached (first load)':<46} {timed(lambda: view(True), args.repeat):>10.1f}")
    view(False)
    print(f"{'view /hr/, cached':<46} {timed(lambda: view(False), args.repeat):>10.1f}")
    size = len(view(False).content)
    print("-" * 58)
    print(f"{'page size':<46} {size / 1024:>8.0f} KB")
    print(f"{'process max RSS':<46} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:>8.0f} MB")
    cache.clear()


if __name__ == "__main__":
    main()
