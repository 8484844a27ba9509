"""Benchmark the item statistics page (target: ≤ 500 ms and ≤ 300 MB for an exam with 5,000 graded attempts).

    .venv/bin/python bench/item_stats_bench.py [--attempts 5000] [--questions 100] [--officers 100000]
        [--scope superuser|district] [--repeat 5] [--explain]
        [--db postgres://postgres@127.0.0.1:5432/anjian_item_stats_bench]

Fills the database named by --db (created and migrated if needed; never the development or test database) with one
exam drawing 100 of a bank's questions and the given number of graded attempts (INSERT … SELECT, so the set-up
itself stays small), then, in a fresh process, renders the page through Django's test client: the time of each
render, the queries, and the process's peak memory (ru_maxrss) before and after.

--officers N: N officers in a city of 20 districts × 10 streets (made once per database), the attempts taken by a
random sample of them (one each while there are enough), as a province's examinees are spread over its officer
table, which is what the scope filter reads; without it every attempt is one officer's.
--scope: who opens the page: a superuser (sees every officer, so no officer filter) or the HR officer of one of
those districts (only that subtree's attempts, about 1/20 of them). --explain prints the plan of the statistics
query (EXPLAIN ANALYZE) for that user.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database, setup_django  # noqa: E402

BENCH_CITY = "ISCITY"
DISTRICTS, STREETS = 20, 10


def bench_city():
    """The bench's city (20 districts × 10 streets), made once per database."""
    from cms.models import Unit

    city = Unit.objects.filter(code=BENCH_CITY).first()
    if city is not None:
        return city
    city = Unit.add_root(code=BENCH_CITY, name="基准省城", kind="city")
    for d in range(1, DISTRICTS + 1):
        district = Unit.objects.get(pk=city.pk).add_child(
            code=f"{BENCH_CITY}D{d:02d}", name=f"基准{d:02d}区", kind="district"
        )
        for st in range(1, STREETS + 1):
            Unit.objects.get(pk=district.pk).add_child(
                code=f"{BENCH_CITY}D{d:02d}S{st:02d}", name=f"基准{d:02d}区{st:02d}街道", kind="street"
            )
    return city


def ensure_officers(n: int) -> list[int]:
    """n bench officers (employee numbers ISO…) spread evenly over the bench city's streets; returns their ids."""
    from django.db import connection

    from cms.models import Officer, Unit

    city = bench_city()
    have = Officer.objects.filter(employee_no__startswith="ISO").count()
    if have < n:
        streets = list(
            Unit.objects.filter(path__startswith=city.path, kind="street")
            .order_by("path")
            .values_list("pk", flat=True)
        )
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO cms_officer (employee_no, name, gender, phone, unit_id, staff_category, education,"
                " status, created_at, updated_at)"
                " SELECT 'ISO' || lpad(i::text, 7, '0'), '基准' || i, '', '', (%s::bigint[])[1 + i %% %s],"
                " 'full_time', '', 'active', now(), now() FROM generate_series(%s, %s) i",
                [streets, len(streets), have + 1, n],
            )
    return list(
        Officer.objects.filter(employee_no__startswith="ISO")
        .order_by("employee_no")
        .values_list("pk", flat=True)[:n]
    )


def ensure_district_hr():
    """An HR officer scoped to the bench city's first district (created once)."""
    from django.contrib.auth import get_user_model

    from cms.models import Unit
    from tests.factories import make_staff

    user = get_user_model().objects.filter(username="bench_hr").first()
    return user or make_staff("bench_hr", "hr", Unit.objects.get(code=f"{BENCH_CITY}D01"))


def fill(attempts: int, questions: int, officers: int) -> int:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from exams.models import Attempt
    from tests.exams.conftest import make_bank, make_exam
    from tests.factories import OfficerFactory

    User = get_user_model()
    if not User.objects.filter(username="bench_admin").exists():
        User.objects.create_superuser("bench_admin", "bench@example.invalid", "x")
    unit = bench_city()
    ensure_district_hr()
    stamp = time.strftime("%H%M%S")
    officer = OfficerFactory(unit=unit, employee_no=f"IS{stamp}", user__username=f"is_bench_{stamp}")
    takers = [officer.pk]
    if officers > 1:
        # Examinees drawn from the whole officer table (as in a province, where they are spread over every id and
        # unit), not its first rows: a filter over every officer then has to read all of them.
        everyone = ensure_officers(officers)
        takers = random.Random(5).sample(everyone, min(attempts, len(everyone)))
    bank = make_bank(code=f"IS{officer.pk}", questions=[], n_single=questions)
    exam = make_exam(bank, rules=[{"count": questions}], title="ITEM-STATS-BENCH")
    a, r, q = Attempt._meta.db_table, "exams_response", "exams_question"
    with connection.cursor() as cur:
        # Attempt n belongs to taker n mod len(takers); its number counts that taker's attempts on this exam.
        cur.execute(
            f"INSERT INTO {a} (officer_id, exam_id, number, is_mock, seed, status, started_at, deadline,"
            " submitted_at, graded_at, auto_submitted, max_score, score, percent, passed, tab_switches)"
            " SELECT (%s::bigint[])[1 + (n - 1) %% %s], %s, 1 + (n - 1) / %s, false, n, 'graded', now(), now(),"
            " now(), now(), false, %s, 0, 0, false, 0 FROM generate_series(1, %s) n",
            [takers, len(takers), exam.pk, len(takers), questions, attempts],
        )
        # Each attempt answers every question; ability per attempt makes the scores correlate (real items).
        cur.execute(
            f"INSERT INTO {r} (attempt_id, position, question_id, version_id, option_order, points, answer, seq,"
            " flagged, auto_score, needs_marking, marker_comment)"
            " SELECT at.id, row_number() OVER (PARTITION BY at.id ORDER BY qu.id), qu.id, qu.current_version_id,"
            " '[0, 1, 2, 3]'::jsonb, 1, to_jsonb((random() * 3)::int), 1, false,"
            " CASE WHEN random() < (at.seed %% 10) / 10.0 THEN 1 ELSE 0 END, false, ''"
            f" FROM {a} at CROSS JOIN {q} qu WHERE at.exam_id = %s AND qu.bank_id = %s",
            [exam.pk, bank.pk],
        )
        # A graded attempt's score is the sum of its responses' scores (exams.services.marking._finalize).
        cur.execute(
            f"UPDATE {a} SET score = s.total, percent = s.total * 100.0 / {a}.max_score FROM ("
            f"SELECT attempt_id, SUM(COALESCE(manual_score, auto_score, 0)) AS total FROM {r}"
            f" GROUP BY attempt_id) s WHERE s.attempt_id = {a}.id AND {a}.exam_id = %s",
            [exam.pk],
        )
        cur.execute("ANALYZE")
    return exam.pk


def measure(exam_id: int, scope: str, repeat: int, explain: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cms.selectors import scope_unit
    from exams.models import Attempt

    user = get_user_model().objects.get(username="bench_admin" if scope == "superuser" else "bench_hr")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = reverse("exams_item_statistics", args=[exam_id])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for i in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.status_code
        if i == 0:
            queries = len(ctx.captured_queries)
            statement = max(ctx.captured_queries, key=lambda q: float(q["time"]))["sql"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = sorted(times)[len(times) // 2]
    total = Attempt.objects.filter(exam_id=exam_id).count()
    in_scope = total
    if scope != "superuser":
        root = scope_unit(user)
        in_scope = Attempt.objects.filter(exam_id=exam_id, officer__unit__path__startswith=root.path).count()
    shown = f"Computed from {in_scope} " in resp.content.decode() or f"{in_scope} 份" in resp.content.decode()
    print(
        f"scope {scope} ({user.username}): {in_scope} of the exam's {total} graded attempts in scope;"
        f" the page says it counted them: {'yes' if shown else 'NO'}"
    )
    print(f"item statistics page: {', '.join(f'{t:.0f}' for t in times)} ms (median {median:.0f} ms)")
    print(f"queries per render: {queries}; peak RSS {peak:.0f} MB (before the first render {before:.0f} MB)")
    print(f"target ≤ 500 ms and ≤ 300 MB: {'met' if median <= 500 and peak <= 300 else 'NOT met'}")
    if explain:
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + statement)
            print("plan of the slowest statement:")
            for (line,) in cur.fetchall():
                print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attempts", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--officers", type=int, default=1, help="spread the attempts over this many officers")
    parser.add_argument("--scope", choices=["superuser", "district"], default="superuser")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/anjian_item_stats_bench")
    parser.add_argument("--exam", type=int, help="measure this bench exam again instead of filling a new one")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # the fresh process's exam id
    args = parser.parse_args()
    if args.measure:
        setup_django(args.db)
        measure(args.measure, args.scope, args.repeat, args.explain)
        return
    ensure_database(args.db)
    setup_django(args.db)
    exam_id = args.exam
    if exam_id is None:
        t = time.perf_counter()
        exam_id = fill(args.attempts, args.questions, args.officers)
        print(
            f"{args.attempts} graded attempts × {args.questions} questions by {args.officers} officers written in"
            f" {time.perf_counter() - t:.1f} s (exam {exam_id}; --exam {exam_id} measures it again)"
        )
    command = [sys.executable, __file__, "--db", args.db, "--measure", str(exam_id), "--scope", args.scope]
    command += ["--repeat", str(args.repeat)] + (["--explain"] if args.explain else [])
    subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
