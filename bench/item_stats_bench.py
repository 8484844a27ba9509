"""Benchmark the item statistics page (target: ≤ 500 ms and ≤ 300 MB for an exam with 5,000 graded attempts).

    .venv/bin/python bench/item_stats_bench.py [--attempts 5000] [--questions 100]
        [--db postgres://postgres@127.0.0.1:5432/anjian_item_stats_bench]

Fills the database named by --db (created and migrated if needed; never the development or test database) with one
exam drawing 100 of a bank's questions and the given number of graded attempts (INSERT … SELECT, so the set-up
itself stays small), then, in a fresh process, renders the page as a superuser through Django's test client: the
time of each of five renders, the queries, and the process's peak memory (ru_maxrss) before and after.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database, setup_django  # noqa: E402


def fill(attempts: int, questions: int) -> int:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from cms.models import Unit
    from exams.models import Attempt
    from tests.exams.conftest import make_bank, make_exam
    from tests.factories import OfficerFactory

    User = get_user_model()
    if not User.objects.filter(username="bench_admin").exists():
        User.objects.create_superuser("bench_admin", "bench@example.invalid", "x")
    unit = Unit.objects.filter(depth=1).first() or Unit.add_root(code="B", name="基准市", kind="city")
    stamp = time.strftime("%H%M%S")
    officer = OfficerFactory(unit=unit, employee_no=f"IS{stamp}", user__username=f"is_bench_{stamp}")
    bank = make_bank(code=f"IS{officer.pk}", questions=[], n_single=questions)
    exam = make_exam(bank, rules=[{"count": questions}], title="ITEM-STATS-BENCH")
    a, r, q = Attempt._meta.db_table, "exams_response", "exams_question"
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {a} (officer_id, exam_id, number, is_mock, seed, status, started_at, deadline,"
            " submitted_at, graded_at, auto_submitted, max_score, score, percent, passed, tab_switches)"
            f" SELECT %s, %s, n, false, n, 'graded', now(), now(), now(), now(), false, %s, 0, 0, false, 0"
            " FROM generate_series(1, %s) n",
            [officer.pk, exam.pk, questions, attempts],
        )
        # Each attempt answers every question; ability per attempt makes the scores correlate (real items).
        cur.execute(
            f"INSERT INTO {r} (attempt_id, position, question_id, version_id, option_order, points, answer, seq,"
            " flagged, auto_score, needs_marking, marker_comment)"
            " SELECT at.id, row_number() OVER (PARTITION BY at.id ORDER BY qu.id), qu.id, qu.current_version_id,"
            " '[0, 1, 2, 3]'::jsonb, 1, to_jsonb((random() * 3)::int), 1, false,"
            " CASE WHEN random() < (at.number %% 10) / 10.0 THEN 1 ELSE 0 END, false, ''"
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


def measure(exam_id: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="bench_admin"))
    url = reverse("exams_item_statistics", args=[exam_id])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for i in range(5):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.status_code
        if i == 0:
            queries = len(ctx.captured_queries)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"item statistics page: {', '.join(f'{t:.0f}' for t in times)} ms (median {sorted(times)[2]:.0f} ms)"
    )
    print(f"queries per render: {queries}; peak RSS {peak:.0f} MB (before the first render {before:.0f} MB)")
    print(f"target ≤ 500 ms and ≤ 300 MB: {'met' if sorted(times)[2] <= 500 and peak <= 300 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attempts", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/anjian_item_stats_bench")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # the fresh process's exam id
    args = parser.parse_args()
    if args.measure:
        setup_django(args.db)
        measure(args.measure)
        return
    ensure_database(args.db)
    setup_django(args.db)
    t = time.perf_counter()
    exam_id = fill(args.attempts, args.questions)
    print(
        f"{args.attempts} graded attempts × {args.questions} questions written in {time.perf_counter() - t:.1f} s"
    )
    subprocess.run([sys.executable, __file__, "--db", args.db, "--measure", str(exam_id)], check=True)


if __name__ == "__main__":
    main()
