"""Fault tests against the running deployment (make deploy-check): what the examinee was told is what the database
holds. Each prints its counts."""

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

from tests.deploy.conftest import Http, examinees

STORM_SECONDS = 20


def _worker_pids() -> list[int]:
    pids = []
    for port in os.environ["DEPLOY_WEB_PORTS"].split():
        with open(f"{os.environ['DEPLOY_RUN_DIR']}/gunicorn-{port}.pid") as f:
            master = f.read().strip()
        out = subprocess.run(["pgrep", "-P", master], capture_output=True, text=True).stdout.split()
        pids += [int(p) for p in out]
    return pids


def _storm(base_url, people, *, seconds, fault=None, fault_at=5.0, log=None, refusals=None):
    """Each examinee saves as the page does: the next question every ~0.5 s, a retry with a higher sequence number
    after anything but 200/409. Returns {(attempt, position): highest acknowledged seq} and the counts; `log`, if
    given, receives (time.monotonic() when answered, status) for every save; `refusals`, if given, (status,
    Retry-After header, body, seconds it took) of every answer other than 200."""
    acked: dict[tuple[int, int], int] = {}
    counts = {"sent": 0, "acknowledged": 0, "refused_or_failed": 0}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def examinee(person):
        http = Http(base_url, person["session"])
        seq = {}
        position = 0
        while time.monotonic() < stop:
            position = position % 10 + 1
            seq[position] = seq.get(position, 0) + 1
            body = json.dumps(
                {"position": position, "seq": seq[position], "answer": seq[position] % 3}
            ).encode()
            headers, answer, sent_at = {}, b"", time.monotonic()
            try:
                status, headers, answer = http.request(
                    "POST",
                    f"/exams/attempt/{person['attempt']}/save/",
                    body,
                    {"Content-Type": "application/json", "Accept": "application/json"},
                    timeout=10,
                )
            except OSError:
                status = 0
            with lock:
                if log is not None:
                    log.append((time.monotonic(), status))
                if refusals is not None and status != 200:
                    refusals.append((status, headers.get("Retry-After"), answer, time.monotonic() - sent_at))
                counts["sent"] += 1
                if status == 200:
                    counts["acknowledged"] += 1
                    key = (person["attempt"], position)
                    acked[key] = max(acked.get(key, 0), seq[position])
                else:
                    counts["refused_or_failed"] += 1
            if status != 200:
                position -= 1  # the page keeps the answer and sends it again (a higher seq) shortly
                time.sleep(1)
            else:
                time.sleep(0.5)

    threads = [threading.Thread(target=examinee, args=(p,)) for p in people]
    for t in threads:
        t.start()
    if fault is not None:
        time.sleep(fault_at)
        fault()
    for t in threads:
        t.join()
    return acked, counts


def _stored(attempt_ids) -> dict[tuple[int, int], int]:
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT attempt_id, position, seq FROM exams_response WHERE attempt_id = ANY(%s)",
            [list(attempt_ids)],
        ).fetchall()
    return {(a, p): s for a, p, s in rows}


def _lost(acked, stored) -> int:
    return sum(1 for key, seq in acked.items() if stored.get(key, 0) < seq)


@pytest.fixture(scope="module")
def crowd(base_url):
    return examinees(300)["examinees"]


def test_kill_9_a_gunicorn_worker_during_an_autosave_storm_loses_no_acknowledged_answer(base_url, crowd):
    killed = []

    def kill_one_worker():
        victim = _worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    acked, counts = _storm(base_url, crowd, seconds=STORM_SECONDS, fault=kill_one_worker)
    stored = _stored({p["attempt"] for p in crowd})
    lost = _lost(acked, stored)
    print(
        f"\nkill -9 of gunicorn worker {killed} during a storm of {len(crowd)} examinees: sent {counts['sent']},"
        f" acknowledged {counts['acknowledged']}, refused/failed (retried) {counts['refused_or_failed']},"
        f" answers acknowledged {len(acked)}, stored {len(acked) - lost}, lost {lost}"
    )
    assert killed and counts["acknowledged"] > 0
    assert lost == 0
    # the arbiter replaced the worker: the web tier is whole again
    time.sleep(2)
    assert len(_worker_pids()) == 2 * len(os.environ["DEPLOY_WEB_PORTS"].split())


def test_redis_down_pages_and_autosave_keep_working_without_500(base_url):
    """An instance whose REDIS_URL points at nothing: sessions come from the database, the cache is a miss."""
    down = os.environ["DEPLOY_REDIS_DOWN_URL"]
    one = examinees(1)["examinees"][0]
    anonymous, http = Http(down), Http(down, one["session"])
    attempt = one["attempt"]
    assert anonymous.request("GET", "/accounts/login/")[0] == 200
    assert http.request("GET", "/me/")[0] == 200
    assert http.request("GET", f"/exams/attempt/{attempt}/")[0] == 200
    statuses = []
    for seq in range(1, 6):
        body = json.dumps({"position": 1, "seq": seq, "answer": seq % 3}).encode()
        statuses.append(
            http.request(
                "POST", f"/exams/attempt/{attempt}/save/", body, {"Content-Type": "application/json"}
            )[0]
        )
    state = json.loads(http.request("GET", f"/exams/attempt/{attempt}/state/?saved=1")[2])
    # django-redis logs each cache call it turned into a miss (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS).
    log = Path(os.environ["DEPLOY_RUN_DIR"], "gunicorn-redis-down.log").read_text(errors="replace")
    ignored = log.count("Exception ignored")
    print(
        f"\nRedis down: login page, /me/, the exam page and 5 saves answered {statuses}; stored seq"
        f" {state['saved']['1']['seq']}; cache errors logged and ignored {ignored}"
    )
    assert statuses == [200] * 5 and state["saved"]["1"]["seq"] == 5
    assert ignored > 0 and "ConnectionError" in log
