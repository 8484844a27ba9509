"""Restart PostgreSQL during an autosave storm (make deploy-check). The shared server is never restarted: the test
starts a private PostgreSQL (initdb into the run folder, its own port), restores the check database's freshly
migrated schema into it, runs gunicorn as deployed (deploy/gunicorn.conf.py, production settings) against it, and
restarts that server (`pg_ctl restart -m fast`) in the middle of the storm. While the database is unreachable the
saves are refused with a quick 503 + Retry-After (cms.middleware_db; the exam page sends the answer again after it),
never a 500 and never a false 200. Prints its counts."""

import glob
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.deploy.test_faults import _lost, _storm

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
EXAMINEES = 150
STORM_SECONDS = 24
RESTART_AT = 6.0


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if not initdb:
        pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl) are needed for the restart test")
    return Path(initdb).parent


@pytest.fixture(scope="module")
def private_pg(base_url):
    """A PostgreSQL server of our own, run as the postgres user when we are root (initdb refuses root)."""
    port = int(os.environ["DEPLOY_FAULT_PG_PORT"])
    root = Path(os.environ["DEPLOY_RUN_DIR"]) / "pg-private"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    as_owner = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    bin_ = _pg_bin()
    data = root / "data"
    subprocess.run(
        [
            *as_owner,
            bin_ / "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
    )
    pg_ctl = [*as_owner, bin_ / "pg_ctl", "-D", data, "-l", root / "server.log", "-w", "-t", "60"]
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=100"
    subprocess.run([*pg_ctl, "-o", options, "start"], check=True, capture_output=True)
    url = f"postgres://postgres@127.0.0.1:{port}/anjian_fault"
    try:
        with psycopg.connect(f"postgres://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE anjian_fault")
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", url, os.environ["DEPLOY_MIGRATED_DUMP"]],
            check=True,
            capture_output=True,
        )
        yield {"url": url, "pg_ctl": pg_ctl, "options": options}
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def web_on_private_pg(private_pg):
    """One gunicorn as deployed, on the private server; yields its URL and the pids of its workers."""
    port = int(os.environ["DEPLOY_FAULT_WEB_PORT"])
    run = Path(os.environ["DEPLOY_RUN_DIR"])
    env = {
        **os.environ,
        "DATABASE_URL": private_pg["url"],
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_NAME": "anjian-web-pg-restart",
        "GUNICORN_WORKERS": "2",
    }
    pidfile = run / "gunicorn-pg-restart.pid"
    with open(run / "gunicorn-pg-restart.log", "wb") as log:
        proc = subprocess.Popen(
            [
                ROOT / ".venv/bin/gunicorn",
                "-c",
                ROOT / "deploy/gunicorn.conf.py",
                "--pid",
                pidfile,
                "cms.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(url + "/accounts/login/", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn on the private PostgreSQL did not come up")
        out = subprocess.run(
            [sys.executable, str(ROOT / "tests/deploy/make_examinees.py"), str(EXAMINEES)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )
        people = json.loads(out.stdout.strip().splitlines()[-1])["examinees"]
        yield {"url": url, "master": proc.pid, "people": people, "db": private_pg["url"]}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _pct(values: list[float], p: int) -> float:
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def _workers(master: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return {int(p) for p in out}


def test_restart_postgresql_during_an_autosave_storm_loses_nothing_and_saves_resume(
    private_pg, web_on_private_pg
):
    web = web_on_private_pg
    people = web["people"]
    workers_before = _workers(web["master"])
    window = {}

    def restart_postgresql():
        window["start"] = time.monotonic()
        subprocess.run(
            [*private_pg["pg_ctl"], "-o", private_pg["options"], "-m", "fast", "restart"], check=True
        )
        window["end"] = time.monotonic()

    log: list[tuple[float, int]] = []
    refusals: list[tuple[int, str | None, bytes, float]] = []
    acked, counts = _storm(
        web["url"],
        people,
        seconds=STORM_SECONDS,
        fault=restart_postgresql,
        fault_at=RESTART_AT,
        log=log,
        refusals=refusals,
    )
    with psycopg.connect(web["db"]) as conn:
        rows = conn.execute(
            "SELECT attempt_id, position, seq FROM exams_response WHERE attempt_id = ANY(%s)",
            [[p["attempt"] for p in people]],
        ).fetchall()
    stored = {(a, p): s for a, p, s in rows}
    duplicated = len(rows) - len(stored)  # two rows for one question of one attempt
    lost = _lost(acked, stored)
    failed = [(t, s) for t, s in log if s != 200]
    statuses: dict[int, int] = {}
    for _, status in failed:
        statuses[status] = statuses.get(status, 0) + 1
    quick_503 = [
        r
        for r in refusals
        if r[0] == 503
        and r[1] is not None
        and int(r[1]) > 0
        and json.loads(r[2] or b"{}").get("reason") == "database_unavailable"
    ]
    waits = sorted(r[3] for r in refusals)
    after = [t for t, s in log if s == 200 and t > window["end"]]
    first_ok = min(after) - window["end"] if after else None
    last_error = max((t for t, _ in failed), default=window["end"]) - window["end"]
    workers_after = _workers(web["master"])
    print(
        f"\nPostgreSQL restarted (pg_ctl restart -m fast, {window['end'] - window['start']:.1f} s) during a storm of"
        f" {len(people)} examinees: sent {counts['sent']}, acknowledged {counts['acknowledged']}, refused/failed"
        f" (retried) {counts['refused_or_failed']} by status {statuses} (0 = connection error), the last"
        f" {last_error:+.1f} s after the restart, of them 503 with Retry-After and reason database_unavailable"
        f" {len(quick_503)}, answered in p50 {_pct(waits, 50):.2f} s, max {_pct(waits, 100):.2f} s;"
        f" first 200 {first_ok:.2f} s after it, {len(after)} saves acknowledged after it;"
        f" answers acknowledged {len(acked)}, stored {len(acked) - lost}, lost {lost}, duplicated {duplicated};"
        f" gunicorn workers before {sorted(workers_before)}, after {sorted(workers_after)}"
    )
    assert failed, "the restart went unnoticed: no save was refused"
    # Database unavailable is a 503 the page retries after Retry-After, never a 500.
    assert set(statuses) == {503}, statuses
    assert len(quick_503) == len(refusals), refusals[:3]
    assert lost == 0 and duplicated == 0
    assert after and first_ok is not None and first_ok < 5
    assert workers_after == workers_before  # nothing was restarted: the workers reconnected on their own
