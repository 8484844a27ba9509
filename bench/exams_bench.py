"""Benchmark the exam engine on PostgreSQL with gunicorn on loopback (targets from issue 3).

    .venv/bin/python bench/exams_bench.py [--db postgres://postgres@127.0.0.1:5432/anjian_bench]
        [--questions 10000] [--users 300] [--duration 30]
        [--workers 4] [--threads 4] [--skip-http] [--autosave-only]

1. grading a 100-question attempt (pure exams.grading)                        target ≤ 20 ms
2. starting an attempt that draws 100 questions from a 10,000-question bank   target median ≤ 50 ms server time,
   in process (server time, with the number of queries) and through gunicorn     bounded queries
3. autosave with N simulated examinees each saving every 5 s (open loop)       target p95 ≤ 300 ms

Capacity as examinees see it (how many the box carries with the page's real traffic, through gunicorn as deployed
and through nginx, and 1,000 starts in 60 s) is bench/exams_capacity.py; it replaced the old "autosave throughput
× a bare endpoint" figure, which said nothing about examinees.

The database named by --db is created if missing, migrated, and filled once with the bench bank (code BENCH),
officers bench0000… and their sessions; it is never the development or test database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import ensure_database, pct, setup_django  # noqa: E402  (bench/ is on the path when a script runs)

# --- data ------------------------------------------------------------------------------------------------------------


def build_data(n_questions: int, n_users: int):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from cms.models import EmploymentSpell, Officer, Unit
    from exams.models import (
        Category,
        Exam,
        ExamRule,
        Question,
        QuestionBank,
        QuestionVersion,
        bump_bank_revision,
    )
    from exams.selectors import question_data

    bank, _ = QuestionBank.objects.get_or_create(code="BENCH", defaults={"name": "Bench bank"})
    have = bank.questions.count()
    if have < n_questions:
        rng = random.Random(1)
        cats = [
            Category.objects.get_or_create(bank=bank, path=f"知识点{i}", defaults={"name": f"知识点{i}"})[0]
            for i in range(10)
        ]
        with transaction.atomic():
            batch = []
            for i in range(have, n_questions):
                kind = ("single_choice", "single_choice", "single_choice", "multiple_choice", "true_false")[
                    i % 5
                ]
                if kind == "true_false":
                    content = {"answer": bool(i % 2), "feedback": {"true": None, "false": None}}
                elif kind == "single_choice":
                    content = {
                        "choices": [
                            {"text": f"选项{i}-{k}", "fraction": 1.0 if k == 0 else 0.0, "feedback": None}
                            for k in range(4)
                        ]
                    }
                else:
                    content = {
                        "choices": [
                            {"text": f"选项{i}-{k}", "fraction": 0.5 if k < 2 else 0.0, "feedback": None}
                            for k in range(5)
                        ]
                    }
                batch.append(
                    Question(
                        bank=bank,
                        category=cats[i % 10],
                        type=kind,
                        stem=f"基准题干第{i}题",
                        difficulty=1 + rng.randrange(5),
                        content=content,
                        status="published",
                    )
                )
            questions = Question.objects.bulk_create(batch, batch_size=1000)
            versions = QuestionVersion.objects.bulk_create(
                [
                    QuestionVersion(
                        question=q,
                        number=1,
                        data=question_data(q, tags=[]),
                        option_count=len(q.content.get("choices", [])),
                    )
                    for q in questions
                ],
                batch_size=1000,
            )
            for q, v in zip(questions, versions, strict=True):
                q.current_version_id, q.version = v.pk, 1
            Question.objects.bulk_update(questions, ["current_version", "version"], batch_size=1000)
            bump_bank_revision(bank.pk)  # bulk writes send no signals
    exam = Exam.objects.filter(title="Bench exam").first()
    if exam is None:
        exam = Exam.objects.create(
            title="Bench exam",
            is_published=True,
            time_limit_minutes=600,
            attempts_allowed=0,
            shuffle_questions=True,
            shuffle_options=True,
        )
        exam.banks.add(bank)
        ExamRule.objects.create(exam=exam, sort_order=0, question_type="single_choice", count=60)
        ExamRule.objects.create(exam=exam, sort_order=1, question_type="multiple_choice", count=20)
        ExamRule.objects.create(exam=exam, sort_order=2, question_type="true_false", count=20)
    unit = Unit.objects.filter(code="BENCHU").first() or Unit.add_root(
        code="BENCHU", name="基准街道", kind="street"
    )
    User = get_user_model()
    officers = list(Officer.objects.filter(employee_no__startswith="bench").order_by("employee_no"))
    for i in range(len(officers), n_users):
        user = User.objects.create_user(username=f"bench{i:04d}", password=None)
        o = Officer.objects.create(
            user=user, employee_no=f"bench{i:04d}", name=f"基准{i}", unit=unit, staff_category="full_time"
        )
        EmploymentSpell.objects.create(
            officer=o, unit=unit, staff_category="full_time", hire_date="2025-01-01"
        )
        officers.append(o)
    return exam, officers[:n_users]


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    csrf = "benchcsrf" + "x" * 23
    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}", csrf


def vacuum_analyze():
    """What autovacuum does in production (PostgreSQL's default): fresh planner statistics, dead rows of earlier
    runs cleared. Some machines run PostgreSQL with autovacuum off; without this the planner guesses."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        print(f"autovacuum is {cursor.fetchone()[0]} on this server; running VACUUM ANALYZE", flush=True)
        cursor.execute("VACUUM ANALYZE")


def close_open_attempts(exam):
    from exams import services
    from exams.models import Attempt

    for a in Attempt.objects.filter(exam=exam, status="in_progress"):
        services.submit_attempt(attempt=a, by=None)


# --- 1. grading ------------------------------------------------------------------------------------------------------


def bench_grading(attempt, repeat=200):
    from exams import grading

    rng = random.Random(3)
    items = []
    for r in attempt.responses.select_related("version"):
        d = r.version.data
        if d["type"] == "single_choice":
            ans = rng.randrange(len(d["choices"]))
        elif d["type"] == "multiple_choice":
            ans = sorted(rng.sample(range(len(d["choices"])), 2))
        else:
            ans = rng.random() < 0.5
        items.append((d, ans, r.points))
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        grading.grade_paper(items, multiple_rule=grading.PARTIAL)
        times.append((time.perf_counter() - t) * 1000)
    return len(items), times


# --- 2. start attempt in process ---------------------------------------------------------------------------------------


def bench_start(exam, officers, n=40):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exams import services

    times, queries = [], []
    started = []
    for o in officers[:n]:
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            a = services.start_attempt(exam=exam, officer=o, by=o.user)
            times.append((time.perf_counter() - t) * 1000)
        queries.append(len(ctx.captured_queries))
        started.append(a)
        assert a.responses.count() == 100
    for a in started:
        services.submit_attempt(attempt=a, by=None)
    return times, queries, started[0]


# --- HTTP client (asyncio, HTTP/1.1 keep-alive) ------------------------------------------------------------------------


class Conn:
    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method, path, cookie, csrf, body=b""):
        for attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nX-CSRFToken: {csrf}\r\n"
                f"Referer: http://127.0.0.1:{self.port}/\r\nContent-Type: application/json\r\n"
                f"Accept: application/json\r\nContent-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
            )
            try:
                self.writer.write(head.encode() + body)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionError
                status = int(status_line.split()[1])
                length, close = 0, False
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    k, _, v = line.decode("latin-1").partition(":")
                    if k.lower() == "content-length":
                        length = int(v.strip())
                    if k.lower() == "connection" and v.strip().lower() == "close":
                        close = True
                data = await self.reader.readexactly(length) if length else b""
                if close:
                    self.writer.close()
                    self.writer = None
                return status, data
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.writer = None
                if attempt:
                    raise
        raise ConnectionError


class Examinee:
    def __init__(self, port, attempt_id, cookie, csrf, positions, rng):
        self.conn = Conn(port)
        self.attempt_id, self.cookie, self.csrf = attempt_id, cookie, csrf
        self.positions = positions
        self.seq = dict.fromkeys(positions, 0)
        self.rng = rng

    async def save(self):
        pos = self.rng.choice(self.positions)
        self.seq[pos] += 1
        body = json.dumps({"position": pos, "seq": self.seq[pos], "answer": self.rng.randrange(4)}).encode()
        t = time.perf_counter()
        status, _ = await self.conn.request(
            "POST", f"/exams/attempt/{self.attempt_id}/save/", self.cookie, self.csrf, body
        )
        return status, (time.perf_counter() - t) * 1000

    async def ping(self, auth=False):
        t = time.perf_counter()
        path = "/exams/ping/?auth=1" if auth else "/exams/ping/"
        status, _ = await self.conn.request("POST", path, self.cookie, self.csrf, b"{}")
        return status, (time.perf_counter() - t) * 1000


async def open_pages(examinees, concurrency=16):
    """Each examinee loads the attempt page once (it keeps the paper in the session for the autosave)."""
    fresh_connections(examinees)
    queue = list(examinees)

    async def run():
        while queue:
            e = queue.pop()
            status, _ = await e.conn.request("GET", f"/exams/attempt/{e.attempt_id}/", e.cookie, e.csrf)
            if status != 200:
                raise RuntimeError(f"attempt page returned {status}")

    await asyncio.gather(*(run() for _ in range(concurrency)))


def fresh_connections(examinees):
    """Each asyncio.run() has its own event loop; streams cannot cross loops."""
    for e in examinees:
        e.conn = Conn(e.conn.port)


async def open_loop(examinees, duration, interval=5.0):
    """Each examinee saves every `interval` seconds (random phase), for `duration` seconds."""
    fresh_connections(examinees)
    latencies, errors = [], 0
    end = time.perf_counter() + duration

    async def run(e):
        nonlocal errors
        await asyncio.sleep(e.rng.uniform(0, interval))
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            try:
                status, ms = await e.save()
                latencies.append(ms)
                if status != 200:
                    errors += 1
            except Exception:
                errors += 1
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - t0)))

    await asyncio.gather(*(run(e) for e in examinees))
    return latencies, errors


async def closed_loop(examinees, duration, kind):
    """Saturation: each client sends the next request as soon as the previous one returns."""
    fresh_connections(examinees)
    latencies, errors = [], 0
    end = time.perf_counter() + duration

    async def run(e):
        nonlocal errors
        while time.perf_counter() < end:
            try:
                status, ms = await (e.save() if kind == "save" else e.ping(auth=kind == "ping-auth"))
                latencies.append(ms)
                if status != 200:
                    errors += 1
            except Exception:
                errors += 1

    t = time.perf_counter()
    await asyncio.gather(*(run(e) for e in examinees))
    return len(latencies) / (time.perf_counter() - t), latencies, errors


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_gunicorn(db_url, workers, threads=4):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "cms.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def http_start(port, exam_id, cookie, csrf):
    async def go():
        conn = Conn(port)
        t = time.perf_counter()
        status, _ = await conn.request("POST", f"/exams/{exam_id}/start/", cookie, csrf, b"")
        return status, (time.perf_counter() - t) * 1000

    return asyncio.run(go())


def in_process_rows(exam, officers):
    """1 and 2: grading and starting an attempt, in this process."""
    from exams.models import Question

    start_times, start_queries, sample_attempt = bench_start(exam, officers)
    n_items, grade_times = bench_grading(sample_attempt)
    return [
        (
            "grading a 100-question attempt (ms)",
            statistics.median(grade_times),
            pct(grade_times, 95),
            "≤ 20",
            f"{n_items} questions, partial credit",
        ),
        (
            "start attempt, in process (ms)",
            statistics.median(start_times),
            pct(start_times, 95),
            "≤ 50",
            f"{Question.objects.filter(bank__code='BENCH').count()} in bank; queries "
            f"{min(start_queries)}–{max(start_queries)}",
        ),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/anjian_bench")
    ap.add_argument("--questions", type=int, default=10000)
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--saturation-clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads per worker")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument(
        "--autosave-only", action="store_true", help="only the autosave measures (skip grading and starting)"
    )
    args = ap.parse_args()

    ensure_database(args.db)
    setup_django(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    exam, officers = build_data(args.questions, args.users)
    close_open_attempts(exam)
    vacuum_analyze()

    rows = []
    if not args.autosave_only:
        rows += in_process_rows(exam, officers)

    if not args.skip_http:
        from exams import services

        cookies = [session_cookie(o.user) for o in officers]
        proc, port = start_gunicorn(args.db, args.workers, args.threads)
        try:
            if not args.autosave_only:
                # 2b. start through gunicorn (fresh officers' attempts are closed first)
                close_open_attempts(exam)
                for cookie, csrf in cookies[
                    -2 * args.workers :
                ]:  # warm every worker (imports, draw-pool cache)
                    http_start(port, exam.pk, cookie, csrf)
                http_times = []
                for cookie, csrf in cookies[40:70]:
                    status, ms = http_start(port, exam.pk, cookie, csrf)
                    if status != 302:
                        raise RuntimeError(f"start returned {status}")
                    http_times.append(ms)
                rows.append(
                    (
                        "start attempt via gunicorn (ms)",
                        statistics.median(http_times),
                        pct(http_times, 95),
                        "≤ 50",
                        "POST /exams/<id>/start/, loopback",
                    )
                )
            # 3. autosave: every examinee has an open attempt
            examinees = []
            rng = random.Random(5)
            for o, (cookie, csrf) in zip(officers, cookies, strict=True):
                a = services.start_attempt(exam=exam, officer=o, by=o.user)
                positions = list(
                    a.responses.filter(question__type="single_choice").values_list("position", flat=True)
                )
                examinees.append(Examinee(port, a.pk, cookie, csrf, positions, random.Random(rng.random())))
            asyncio.run(open_pages(examinees))  # as a phone does before its first answer
            for kind in ("save",):  # a running server is warm: load every worker's code paths first
                asyncio.run(closed_loop(examinees[: args.saturation_clients], 2.0, kind))
            lat, errors = asyncio.run(open_loop(examinees, args.duration))
            rows.append(
                (
                    f"autosave, {len(examinees)} examinees / 5 s (ms)",
                    statistics.median(lat),
                    pct(lat, 95),
                    "p95 ≤ 300",
                    f"{len(lat)} saves, {errors} errors, {len(lat) / args.duration:.0f} req/s",
                )
            )
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
            close_open_attempts(exam)

    print()
    print(f"{'measure':<44} {'median':>10} {'p95':>10}  {'target':<14} notes")
    print("-" * 110)
    for name, med, p95, target, note in rows:
        print(f"{name:<44} {med:>10.2f} {p95:>10.2f}  {target:<14} {note}")
    print(
        f"\nPostgreSQL {args.db.rsplit('@', 1)[-1]}, gunicorn gthread {args.workers} workers × {args.threads} threads, "
        f"{os.cpu_count()} CPUs."
    )


if __name__ == "__main__":
    main()
