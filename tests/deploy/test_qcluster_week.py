"""Two qcluster processes running the same schedules for a simulated week (make deploy-check): every periodic job,
reminder and escalation happens once. The clusters run on a copy of the check's database (a simulated clock must
not reach the deployment's own clusters), each through tests/deploy/qcluster_clock.py: the test moves a shared
clock file forward twice a simulated day (03:00 and 15:00, Asia/Shanghai), both clusters run django-q2's scheduler
at once on every move, and their workers run what it queued at the simulated time. Prints counts per job kind."""

import datetime
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tests.deploy.test_qcluster_faults import run_script, wait_for

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ZoneInfo("Asia/Shanghai")
APPRENTICES = 40
WITH_EVIDENCE = 20
DAILY = [
    "mentorship.tasks.nightly_sweep",
    "analytics.tasks.refresh_dashboard_snapshots",
    "exams.tasks.send_qualification_reminders",
    "courses.tasks.send_reminders",
]
EVERY_FIVE_MINUTES = "exams.tasks.sweep_overdue_attempts"


@pytest.fixture(scope="module")
def week_clusters(base_url):
    url = os.environ["DEPLOY_WEEK_DATABASE_URL"]
    run = Path(os.environ["DEPLOY_RUN_DIR"])
    clock = run / "week-clock"
    env = {**os.environ, "DATABASE_URL": url, "SIM_CLOCK_FILE": str(clock)}
    data = run_script("apprentices", APPRENTICES, "--evidence", WITH_EVIDENCE, env=env)
    run_script("schedules", env=env)
    _write(clock, datetime.datetime.now(LOCAL).isoformat())
    procs, logs = [], []
    for n in (1, 2):
        log = run / f"week-qcluster-{n}.log"
        with open(log, "wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(ROOT / "tests/deploy/qcluster_clock.py")],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        logs.append(log)
    try:
        yield {"url": url, "clock": clock, "pids": [p.pid for p in procs], "logs": logs, "data": data}
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def _write(path: Path, text: str) -> None:
    """Replace the file at once, so that a process never reads it half-written."""
    Path(f"{path}.new").write_text(text)
    Path(f"{path}.new").replace(path)


def _tick(conn, clusters, when: datetime.datetime) -> None:
    """Move the clock; wait until both clusters ran the scheduler at it and every task it queued is done."""
    text = when.isoformat()
    _write(clusters["clock"], text)

    def both_scheduled():
        marks = [Path(f"{clusters['clock']}.{pid}") for pid in clusters["pids"]]
        return all(m.exists() and m.read_text() == text for m in marks)

    wait_for(both_scheduled, timeout=120, what=f"both clusters to run the scheduler at {text}", step=0.1)
    wait_for(
        lambda: conn.execute("SELECT count(*) FROM django_q_ormq").fetchone()[0] == 0,
        timeout=180,
        what=f"the tasks queued at {text}",
        step=0.2,
    )


def test_two_qclusters_over_a_simulated_week_run_each_job_and_send_each_reminder_once(week_clusters):
    clusters = week_clusters
    data = clusters["data"]
    users = [*data["apprentice_users"], data["mentor_user"], data["leader_user"]]
    first = datetime.datetime.now(LOCAL)
    # Every 12 simulated hours for seven and a half days: each daily job falls due between two moves, whatever
    # the time of day the test starts at, and the last day's 02:30 jobs run.
    ticks = [first + datetime.timedelta(hours=12 * i) for i in range(1, 16)]
    with psycopg.connect(clusters["url"], autocommit=True) as conn:
        _tick(conn, clusters, first)  # the clusters' first scheduler run, at the real time
        for when in ticks:
            _tick(conn, clusters, when)
        tasks = conn.execute(
            "SELECT func, started, success FROM django_q_task WHERE func = ANY(%s)",
            [[*DAILY, EVERY_FIVE_MINUTES]],
        ).fetchall()
        by_kind = dict(
            conn.execute(
                """SELECT split_part(key, ':', 2), count(*) FROM cms_notification WHERE recipient_id = ANY(%s)
                   GROUP BY 1 ORDER BY 1""",
                [users],
            ).fetchall()
        )
        per_address = dict(
            conn.execute(
                """SELECT u.email, count(*) FROM cms_notification n JOIN auth_user u ON u.id = n.recipient_id
                   WHERE n.recipient_id = ANY(%s) GROUP BY u.email""",
                [users],
            ).fetchall()
        )
        not_emailed = conn.execute(
            "SELECT count(*) FROM cms_notification WHERE recipient_id = ANY(%s) AND NOT emailed", [users]
        ).fetchone()[0]
    time.sleep(1)
    sent = Counter()
    for log in clusters["logs"]:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("To: ") and line[4:].strip() in per_address:
                sent[line[4:].strip()] += 1
    runs = Counter(func for func, _s, _ok in tasks)
    failed = [func for func, _s, ok in tasks if not ok]
    # A daily job's runs (queued at the simulated time) are a day apart: never two on one day.
    gaps = {}
    for func in DAILY:
        times = sorted(started for f, started, _ in tasks if f == func)
        gaps[func] = [(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(times)]
    n, k = APPRENTICES, WITH_EVIDENCE
    expected = {
        "inactive": n,
        "inactive-escalated": n,
        "review": k,
        "review-escalated": k,
        "stage-due": 2 * n,
        "stage-due-escalated": n,
    }
    duplicated_emails = sum(max(0, sent[a] - c) for a, c in per_address.items())
    lost_emails = sum(max(0, c - sent[a]) for a, c in per_address.items())
    print(
        f"\ntwo qclusters, a simulated week ({len(ticks) + 1} clock moves, 12 h apart, {first:%Y-%m-%d %H:%M} …"
        f" {ticks[-1]:%Y-%m-%d %H:%M}): runs per job {dict(sorted(runs.items()))}, shortest gap between two runs"
        f" of a daily job {min(min(g) for g in gaps.values()):.1f} h, failed {len(failed)};"
        f" notices by kind {by_kind} (expected {expected}); e-mails sent {sum(sent.values())}, lost {lost_emails},"
        f" duplicated {duplicated_emails}; notices not e-mailed {not_emailed}"
    )
    assert not failed
    for func in DAILY:
        assert runs[func] in (7, 8) and min(gaps[func]) > 23.9, (func, runs[func], gaps[func])
    assert runs[EVERY_FIVE_MINUTES] == len(ticks) + 1  # once per move: catch_up is off
    assert by_kind == expected
    assert duplicated_emails == lost_emails == not_emailed == 0
