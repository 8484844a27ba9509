"""Benchmark the roster import (target: 5,000 rows well under a minute on SQLite).

    .venv/bin/python bench/roster_import.py [--rows 5000] [--db sqlite:////tmp/roster_bench.sqlite3 | postgres://…]
        [--format csv|xlsx]

Builds a deterministic roster (officers with one to three spells: transfers, rehires, leavers) over a city with
4 districts × 5 streets, then times: a dry run on the empty database, the first import, a re-import of the same
file (must change nothing) and a dry run against the filled database. The database named by --db is created and
migrated if needed and emptied of bench officers first; it is never the development or test database.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DISTRICTS = ["东城区", "西城区", "南城区", "北城区"]
STREETS = ["一街道", "二街道", "三街道", "四街道", "五街道"]
CATEGORIES = ["专职安监员", "辅助执法人员", "在编公务员"]
REASONS = ["辞职", "合同到期", "解聘", "退休", "调出(系统外)"]
SPECIALTIES = ["危险化学品", "消防", "建筑施工", "工贸", "特种设备", "交通运输", "应急救援", "法律"]


def build_rows(n_rows: int, rng: random.Random) -> list[list[str]]:
    rows = []
    person = 0
    while len(rows) < n_rows:
        person += 1
        employee_no = f"BR{person:06d}"
        name = f"测试{person}"
        category = rng.choice(CATEGORIES)
        hire = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(0, 3000))
        specialties = "、".join(rng.sample(SPECIALTIES, rng.randrange(0, 3)))
        spells = rng.choice([1, 1, 1, 2, 3])
        for index in range(spells):
            unit = f"示范市/{rng.choice(DISTRICTS)}/{rng.choice(STREETS)}"
            last = index == spells - 1
            leave = reason = ""
            if not last or rng.random() < 0.3:
                end = hire + datetime.timedelta(days=rng.randrange(90, 900))
                leave = end.isoformat()
                reason = "内部调动" if not last and rng.random() < 0.5 else rng.choice(REASONS)
            rows.append([employee_no, name, unit, category, hire.isoformat(), leave, reason, specialties])
            if leave:
                gap = 0 if reason == "内部调动" else rng.randrange(30, 400)
                hire = datetime.date.fromisoformat(leave) + datetime.timedelta(days=gap)
            if len(rows) >= n_rows:
                break
    return rows


def encode(rows, fmt: str) -> tuple[str, bytes]:
    header = ["工号", "姓名", "单位", "人员类别", "入职日期", "离职日期", "离职原因", "特长"]
    if fmt == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return "bench.xlsx", buffer.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return "bench.csv", buffer.getvalue().encode("gb18030")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--db", default=f"sqlite:///{Path(tempfile.gettempdir()) / 'roster_bench.sqlite3'}")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries

    call_command("migrate", verbosity=0)
    from cms.models import EmploymentSpell, Officer
    from cms.services import roster_import

    if Officer.objects.filter(employee_no__startswith="BR").exists():
        sys.exit(f"{args.db} already holds bench officers: use a fresh database (delete the file) and rerun")

    file_name, data = encode(build_rows(args.rows, random.Random(20260101)), args.format)
    results = []

    def timed(label, **kwargs):
        reset_queries()
        start = time.perf_counter()
        result = roster_import(actor=None, file_name=file_name, data=data, **kwargs)
        elapsed = time.perf_counter() - start
        if result.errors:
            sys.exit(f"{label}: {len(result.errors)} errors, first: {result.errors[0].message}")
        report = result.report()
        results.append((label, elapsed, report))

    timed("dry run, empty database", dry_run=True)
    timed("first import")
    timed("re-import (no changes)")
    timed("dry run, filled database", dry_run=True)

    print(f"database: {connection.vendor}  rows: {args.rows}  format: {args.format}  ({len(data):,} bytes)")
    print(f"officers stored: {Officer.objects.count():,}  spells stored: {EmploymentSpell.objects.count():,}")
    print(f"{'step':<28}{'seconds':>9}{'officers +/~/=':>20}{'spells +/~/=':>20}")
    for label, elapsed, report in results:
        officers = "{create}/{update}/{unchanged}".format(**report["officers"])
        spells = "{create}/{update}/{unchanged}".format(**report["spells"])
        print(f"{label:<28}{elapsed:>9.2f}{officers:>20}{spells:>20}")


if __name__ == "__main__":
    main()
