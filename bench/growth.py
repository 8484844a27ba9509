"""Growth: time and count the queries of the reports and pages the issue names, on provinces of several sizes.

    .venv/bin/python bench/growth.py --sizes 10000 30000 100000 \
        --db-prefix postgres://postgres@127.0.0.1:5432/anjian_h14g --redis redis://127.0.0.1:6379/14

For each size N the database `<prefix>_<N // 1000>k` is built with bench/province.py if it does not exist yet, then a
fresh process measures, through Django's test client as the product runs (DEBUG off, the cache in Redis):
turnover by month × unit and retention by unit (the management commands, JSON), /hr/ cold (?refresh=1) and cached
(as HR opens it, and month by month since 2016),
/me/ (an apprentice in post), the mentor's page (/mentoring/, a street's mentor), the officer admin list (superuser),
an exam start (POST, a 100-question paper drawn from the whole bank) and its attempt page, the item statistics of
the exam with 5,000 graded attempts, and, last, a roster import of 20,000 rows into the province's streets (new
people, so each run adds about 12,000 officers: --rebuild starts from fresh databases). Prints the median time of --repeat runs and the queries of one, then one
table over the sizes. Nothing here is a unit test: the machine is shared, so the times are upper bounds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = [
    ("turnover", "turnover, month × unit (command)"),
    ("retention", "retention by unit (command)"),
    ("hr_cold", "/hr/ cold (?refresh=1)"),
    ("hr_cached", "/hr/ cached (Redis)"),
    ("hr_month_cold", "/hr/ by month since 2016, cold"),
    ("hr_month_cached", "/hr/ by month since 2016, cached"),
    ("me", "/me/"),
    ("mentor", "mentor page /mentoring/"),
    ("officers", "officer admin list"),
    ("start", "exam start (POST)"),
    ("attempt", "attempt page after start"),
    ("items", "item statistics, 5,000 attempts"),
    ("roster", "roster import, 20,000 rows"),
]


def db_url(prefix: str, size: int) -> str:
    return f"{prefix}_{size // 1000}k"


def _roster_file(n_rows: int) -> tuple[str, bytes]:
    """bench/roster_import.py's roster (new employee numbers each run), its units mapped onto the province."""
    from bench.roster_import import build_rows, encode
    from cms.models import Unit

    streets = list(
        Unit.objects.filter(kind="street", path__startswith=Unit.objects.get(code="PROV").path)
        .order_by("path")
        .values_list("code", flat=True)
    )
    names = dict(Unit.objects.filter(code__in=streets).values_list("code", "name"))
    # Street names are 第NN区第MM街道 under the district 第NN区.
    paths = [f"省城市/{names[code][:4]}/{names[code]}" for code in streets]
    stamp = time.strftime("%d%H%M%S")
    rng = random.Random(20260101)
    rows = build_rows(n_rows, rng)
    for row in rows:
        row[0] = f"G{stamp}{row[0]}"
        row[2] = rng.choice(paths)
    return encode(rows, "csv")


def measure(repeat: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cms.models import Officer
    from exams.models import Attempt, Exam
    from mentorship.models import Apprenticeship, Pairing

    out: dict[str, dict] = {}

    def run(key, fn, times=repeat, before=None):
        ms, queries = [], None
        for _ in range(times):
            if before:
                before()
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                fn()
                ms.append((time.perf_counter() - t) * 1000)
            if queries is None:
                queries = len(ctx.captured_queries)
        out[key] = {"ms": statistics.median(ms), "queries": queries}
        print(f"  {dict(CASES)[key]:<36} {out[key]['ms']:>9.0f} ms {queries:>6} queries", flush=True)

    def ok(response, *codes):
        assert response.status_code in (codes or (200,)), response.status_code
        return response

    User = get_user_model()
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(User.objects.get(username="bench_admin"))
    start_from = "2016-01-01"

    def command(name, **kwargs):
        call_command(name, format="json", stdout=io.StringIO(), **kwargs)

    run("turnover", lambda: command("turnover", period="month", by="unit", date_from=start_from))
    run("retention", lambda: command("retention", by="unit"))
    # What HR opens (/hr/: quarters over three years), and a decade month by month.
    for key, query in (("hr", {}), ("hr_month", {"period": "month", "start": start_from})):
        run(f"{key}_cold", lambda q=query: ok(admin.get("/hr/", {**q, "refresh": "1"})))
        ok(admin.get("/hr/", query))
        run(f"{key}_cached", lambda q=query: ok(admin.get("/hr/", q)))

    apprentice = (
        Apprenticeship.objects.filter(status="in_progress", officer__status="active")
        .select_related("officer__user")
        .order_by("id")
        .first()
    )
    learner = Client(HTTP_HOST="127.0.0.1")
    learner.force_login(apprentice.officer.user)
    run("me", lambda: ok(learner.get("/me/")))
    mentor_id = (
        Pairing.objects.filter(ended_on__isnull=True)
        .values("mentor_id")
        .order_by("mentor_id")
        .first()["mentor_id"]
    )
    mentor = Client(HTTP_HOST="127.0.0.1")
    mentor.force_login(Officer.objects.get(pk=mentor_id).user)
    run("mentor", lambda: ok(mentor.get("/mentoring/")))
    run("officers", lambda: ok(admin.get(reverse("officers:index"))))

    exam = Exam.objects.get(title="START")
    fresh = iter(
        Officer.objects.filter(status="active", employee_no__startswith="P")
        .exclude(pk__in=Attempt.objects.filter(exam=exam).values("officer_id"))
        .select_related("user")
        .order_by("-id")[: repeat + 1]
    )
    examinee = {}

    def sign_in():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(next(fresh).user)
        examinee["client"] = client

    def start():
        response = ok(examinee["client"].post(reverse("exams:exam_start", args=[exam.pk])), 302)
        examinee["url"] = response["Location"]

    run("start", start, before=sign_in)
    run("attempt", lambda: ok(examinee["client"].get(examinee["url"])))
    stats_exam = Exam.objects.get(title="ITEM-STATS")
    run("items", lambda: ok(admin.get(reverse("exams_item_statistics", args=[stats_exam.pk]))))

    from cms.roster.apply import roster_import

    name, data = _roster_file(20_000)

    def do_import():
        result = roster_import(actor=None, file_name=name, data=data)
        assert not result.errors, result.errors[:3]

    run("roster", do_import, times=1)
    out["officers_in_db"] = {"n": Officer.objects.count()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--db-prefix", default="postgres://postgres@127.0.0.1:5432/anjian_h14g")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="drop the size databases first (the roster import of a run adds about 12,000 officers to each)",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the fresh process's database
    args = parser.parse_args()
    if args.measure:
        os.environ["REDIS_URL"] = args.redis
        from bench.common import setup_django

        setup_django(args.measure)
        from django.conf import settings

        settings.ALLOWED_HOSTS = ["*"]
        print("RESULT " + json.dumps(measure(args.repeat)))
        return
    results = {}
    for size in args.sizes:
        url = db_url(args.db_prefix, size)
        print(f"== {size:,} officers ({url.rsplit('/', 1)[-1]})", flush=True)
        if args.rebuild:
            import psycopg

            from bench.province import _admin_url, _db_name

            with psycopg.connect(_admin_url(url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{_db_name(url)}"')
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "province.py"), "--officers", str(size), "--db", url],
            check=True,
        )
        done = subprocess.run(
            [sys.executable, __file__, "--measure", url, "--redis", args.redis, "--repeat", str(args.repeat)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in done.stdout.splitlines():
            if line.startswith("RESULT "):
                results[size] = json.loads(line[7:])
            elif "AXES" not in line:
                print(line, flush=True)
    sizes = list(results)
    print()
    print("| case | " + " | ".join(f"{s // 1000}k officers" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for key, label in CASES:
        cells = [f"{results[s][key]['ms']:,.0f} ms, {results[s][key]['queries']} q" for s in sizes]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
