"""kill -9 of the qcluster worker that holds a task, against make deploy-check's two qcluster processes (ORM broker
on PostgreSQL): the task is redelivered and its effects happen exactly once. Each test prints its counts.

The broker locks a task it hands out until `Q_CLUSTER["retry"]` seconds later (720 s) and deletes it only when the
result is saved, so a task whose worker died is handed out again once that lock expires. Waiting 12 minutes per
test is not practical: after checking that the killed task is still queued and locked about `retry` seconds ahead
(and that nobody ran it meanwhile), the test moves that lock to now, which is what the passing of the retry window
does. The redelivery itself is the clusters' own: a live cluster picks the task up and runs it.
"""

import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
RETRY_SECONDS = 720  # cms.settings.base Q_CLUSTER["retry"]

pytestmark = pytest.mark.deploy


def run_script(*args, env=None) -> dict:
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests/deploy/make_jobs.py"), *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def db(url=None):
    return psycopg.connect(url or os.environ["DATABASE_URL"], autocommit=True)


def one(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()[0]


def wait_for(predicate, *, timeout, what, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def qcluster_masters() -> list[int]:
    run = os.environ["DEPLOY_RUN_DIR"]
    return [int(Path(f"{run}/qcluster-{n}.pid").read_text()) for n in (1, 2)]


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def pid_of_client_port(port: int) -> int:
    """The local process whose socket to PostgreSQL uses this client port (ss shows the owner)."""
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
    ).stdout
    match = re.search(r"pid=(\d+)", out)
    assert match, f"no process owns client port {port}: {out!r}"
    return int(match.group(1))


def qcluster_worker_of_backend(conn, backend_pid: int) -> int:
    """The qcluster worker behind a PostgreSQL backend: worker -> sentinel -> the qcluster process we started."""
    port = one(conn, "SELECT client_port FROM pg_stat_activity WHERE pid = %s", [backend_pid])
    worker = pid_of_client_port(port)
    assert parent_of(parent_of(worker)) in qcluster_masters(), f"{worker} is not a qcluster worker"
    return worker


def qcluster_workers() -> list[int]:
    """Every process two levels below our qcluster processes (workers, pusher and monitor of each sentinel)."""
    masters = set(qcluster_masters())
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent_of(parent_of(int(entry.name))) in masters:
                    out.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    return out


def expire_locks_of_dead_tasks(conn) -> list[tuple[int, float]]:
    """The queued tasks still locked (handed out), with seconds until their lock expires; then let that time pass."""
    locked = conn.execute(
        "SELECT id, extract(epoch FROM lock - now()) FROM django_q_ormq WHERE lock > now() ORDER BY id"
    ).fetchall()
    conn.execute("UPDATE django_q_ormq SET lock = now() - interval '1 second' WHERE lock > now()")
    return [(pk, float(left)) for pk, left in locked]


def test_kill_9_a_qcluster_worker_during_a_5000_row_roster_import_imports_exactly_once(base_url):
    job = run_script("roster-upload", 5000)
    pk = job["import"]
    with db() as conn:
        # The upload queued the dry run (the preview): a worker checks the file.
        report = wait_for(
            lambda: one(conn, "SELECT dry_run_report FROM cms_rosterimport WHERE id = %s", [pk]),
            timeout=180,
            what="the dry run",
            step=0.5,
        )
        assert report["errors"] == [], report["errors"][:3]
        planned = report["officers"]["create"]
        run_script("roster-confirm", pk)

        # The worker holding the import: a backend inside the import's transaction (it locked the import's row)
        # that has begun writing the officers.
        def writing_backend():
            return one(
                conn,
                """SELECT coalesce(max(a.pid), 0) FROM pg_stat_activity a
                   WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL
                     AND a.query ILIKE 'INSERT INTO%%'
                     AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid
                                 AND l.relation = 'cms_rosterimport'::regclass)""",
            )

        backend = wait_for(writing_backend, timeout=180, what="the import writing")
        worker = qcluster_worker_of_backend(conn, backend)
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(
            lambda: not one(conn, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend]),
            timeout=30,
            what="PostgreSQL to end the dead worker's session",
        )
        # Nothing of the killed run is left, and the import is not finished.
        status = one(conn, "SELECT status FROM cms_rosterimport WHERE id = %s", [pk])
        half = one(conn, "SELECT count(*) FROM cms_officer WHERE employee_no LIKE 'BR%%'")
        assert status == "running" and half == 0
        # The task is still queued, locked for about the retry window: the broker will hand it out again.
        time.sleep(2)
        assert one(conn, "SELECT status FROM cms_rosterimport WHERE id = %s", [pk]) == "running"
        locked = expire_locks_of_dead_tasks(conn)
        assert len(locked) == 1 and RETRY_SECONDS - 60 < locked[0][1] <= RETRY_SECONDS, locked
        wait_for(
            lambda: one(conn, "SELECT status FROM cms_rosterimport WHERE id = %s", [pk]) == "done",
            timeout=240,
            what="the redelivered import to finish",
            step=0.5,
        )
        redelivered_in = time.monotonic() - killed_at
        officers = one(conn, "SELECT count(*) FROM cms_officer WHERE employee_no LIKE 'BR%%'")
        distinct = one(
            conn, "SELECT count(DISTINCT employee_no) FROM cms_officer WHERE employee_no LIKE 'BR%%'"
        )
        spells = one(
            conn,
            """SELECT count(*) FROM cms_employmentspell s JOIN cms_officer o ON o.id = s.officer_id
               WHERE o.employee_no LIKE 'BR%%'""",
        )
        duplicate_spells = one(
            conn,
            """SELECT count(*) FROM (SELECT 1 FROM cms_employmentspell s JOIN cms_officer o ON o.id = s.officer_id
               WHERE o.employee_no LIKE 'BR%%' GROUP BY s.officer_id, s.hire_date HAVING count(*) > 1) d""",
        )
        audits = one(
            conn,
            """SELECT count(*) FROM cms_auditevent e WHERE e.action = 'cms.officer_create'
               AND e.object_id IN (SELECT id::text FROM cms_officer WHERE employee_no LIKE 'BR%%')""",
        )
        audited_officers = one(
            conn,
            """SELECT count(DISTINCT e.object_id) FROM cms_auditevent e WHERE e.action = 'cms.officer_create'
               AND e.object_id IN (SELECT id::text FROM cms_officer WHERE employee_no LIKE 'BR%%')""",
        )
        import_audits = one(
            conn,
            "SELECT count(*) FROM cms_auditevent WHERE action = 'cms.roster_import' AND object_id = %s",
            [str(pk)],
        )
        # The result is saved by the cluster's monitor just after the task returns.
        runs = wait_for(
            lambda: (
                conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE success) FROM django_q_task WHERE name = %s",
                    [f"roster-import-{pk}"],
                ).fetchone()
                if one(conn, "SELECT count(*) FROM django_q_ormq") == 0
                else None
            ),
            timeout=60,
            what="the import's result",
        )
    time.sleep(1)
    workers_now = len(qcluster_workers())
    print(
        f"\nkill -9 of qcluster worker {worker} during a {job['rows']}-row roster import: redelivered and done"
        f" {redelivered_in:.1f} s after the kill (lock moved from {locked[0][1]:.0f} s ahead to now);"
        f" officers expected {job['officers']}, stored {officers}, duplicated {officers - distinct};"
        f" spells expected {job['rows']}, stored {spells}, duplicated {duplicate_spells};"
        f" officer audit rows {audits} for {audited_officers} officers; import audit rows {import_audits};"
        f" task results {runs[0]} ({runs[1]} successful); cluster processes after the kill {workers_now}"
    )
    assert officers == distinct == job["officers"] == planned
    assert spells == job["rows"] and duplicate_spells == 0
    assert audits == audited_officers == officers
    assert import_audits == 1
    assert runs == (1, 1)


def test_kill_9_a_qcluster_worker_while_the_import_starts_programmes_redoes_them_once(base_url):
    """The roster import's mentorship sync (new hires start their programme) runs inside the import's transaction:
    a worker killed while it starts programmes leaves neither officers nor programmes, and the redelivered task
    imports both, once. (When the sync ran after the commit, this kill left the officers without programmes and
    the redelivered task saw a finished import.)"""
    recent = 400
    job = run_script("roster-upload", 2000, "--prefix", "BS", "--recent", recent)
    pk = job["import"]
    with db() as conn:
        report = wait_for(
            lambda: one(conn, "SELECT dry_run_report FROM cms_rosterimport WHERE id = %s", [pk]),
            timeout=180,
            what="the dry run",
            step=0.5,
        )
        assert report["errors"] == [], report["errors"][:3]
        run_script("roster-confirm", pk)

        # The worker holding the import, inside its transaction, once it has begun starting programmes.
        def syncing_backend():
            return one(
                conn,
                """SELECT coalesce(max(a.pid), 0) FROM pg_stat_activity a
                   WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL
                     AND a.query ILIKE '%%"mentorship\\_%%'
                     AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid
                                 AND l.relation = 'cms_rosterimport'::regclass)""",
            )

        backend = wait_for(syncing_backend, timeout=240, what="the import starting programmes", step=0.02)
        worker = qcluster_worker_of_backend(conn, backend)
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(
            lambda: not one(conn, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend]),
            timeout=30,
            what="PostgreSQL to end the dead worker's session",
        )
        at_kill = _programme_counts(conn, "BS", pk)
        assert one(conn, "SELECT status FROM cms_rosterimport WHERE id = %s", [pk]) == "running"
        time.sleep(2)
        assert one(conn, "SELECT status FROM cms_rosterimport WHERE id = %s", [pk]) == "running"
        locked = expire_locks_of_dead_tasks(conn)
        assert len(locked) == 1 and RETRY_SECONDS - 60 < locked[0][1] <= RETRY_SECONDS, locked
        wait_for(
            lambda: one(conn, "SELECT status FROM cms_rosterimport WHERE id = %s", [pk]) == "done",
            timeout=240,
            what="the redelivered import to finish",
            step=0.5,
        )
        redelivered_in = time.monotonic() - killed_at
        after = _programme_counts(conn, "BS", pk)
    print(
        f"\nkill -9 of qcluster worker {worker} while a {job['rows']}-row roster import started the programmes of"
        f" {recent} new hires: left at the kill {at_kill}; redelivered and done {redelivered_in:.1f} s after the"
        f" kill: {after} (officers expected {job['officers']}, programmes expected {recent})"
    )
    assert at_kill == dict.fromkeys(at_kill, 0)  # nothing of the killed run: officers and programmes together
    assert after["officers"] == after["distinct_officers"] == job["officers"]
    assert after["spells"] == job["rows"]
    assert after["programmes"] == after["apprentices"] == after["programme_start_audits"] == recent
    assert after["programmes_for_veterans"] == 0
    assert after["import_audits"] == 1


def _programme_counts(conn, prefix: str, pk: int) -> dict:
    """What a roster import with new hires left: officers, spells, the programmes it started and their audit."""
    like = prefix + "%"
    return {
        "officers": one(conn, "SELECT count(*) FROM cms_officer WHERE employee_no LIKE %s", [like]),
        "distinct_officers": one(
            conn, "SELECT count(DISTINCT employee_no) FROM cms_officer WHERE employee_no LIKE %s", [like]
        ),
        "spells": one(
            conn,
            """SELECT count(*) FROM cms_employmentspell s JOIN cms_officer o ON o.id = s.officer_id
               WHERE o.employee_no LIKE %s""",
            [like],
        ),
        "programmes": one(
            conn,
            """SELECT count(*) FROM mentorship_apprenticeship a JOIN cms_officer o ON o.id = a.officer_id
               WHERE o.employee_no LIKE %s""",
            [like],
        ),
        "apprentices": one(
            conn,
            """SELECT count(DISTINCT a.officer_id) FROM mentorship_apprenticeship a
               JOIN cms_officer o ON o.id = a.officer_id WHERE o.employee_no LIKE %s""",
            [like],
        ),
        "programmes_for_veterans": one(
            conn,
            """SELECT count(*) FROM mentorship_apprenticeship a JOIN cms_officer o ON o.id = a.officer_id
               WHERE o.employee_no LIKE %s AND o.employee_no NOT LIKE %s""",
            [like, prefix + "9%"],
        ),
        "programme_start_audits": one(
            conn,
            """SELECT count(*) FROM cms_auditevent e WHERE e.action = 'mentorship.apprenticeship_start'
               AND e.object_id IN (SELECT a.id::text FROM mentorship_apprenticeship a
                                   JOIN cms_officer o ON o.id = a.officer_id WHERE o.employee_no LIKE %s)""",
            [like],
        ),
        "import_audits": one(
            conn,
            "SELECT count(*) FROM cms_auditevent WHERE action = 'cms.roster_import' AND object_id = %s",
            [str(pk)],
        ),
    }


def _sent_emails(addresses: set[str]) -> list[tuple[str, str]]:
    """E-mails the qcluster processes wrote (console backend: a `To:` header, then a `Message-ID:` header, per
    message), as (address, Message-ID) pairs, for the given addresses, one per send."""
    sent = []
    run = os.environ["DEPLOY_RUN_DIR"]
    for n in (1, 2):
        to = None
        for line in Path(f"{run}/qcluster-{n}.log").read_text(errors="replace").splitlines():
            if line.startswith("To: "):
                to = line[4:].strip()
            elif line.startswith("Message-ID: ") and to is not None:
                if to in addresses:
                    sent.append((to, line[12:].strip()))
                to = None
    return sent


def test_kill_9_a_qcluster_worker_during_the_nightly_sweep_sends_each_reminder_once(base_url):
    n = 120
    data = run_script("apprentices", n, "--overdue")
    tag = data["tag"]
    users = [*data["apprentice_users"], data["mentor_user"], data["leader_user"]]
    # Every reminder is due: stage past due (apprentice and mentor), its escalation (leader), inactivity
    # (apprentice) and its escalation (leader).
    expected = {
        "stage-due": 2 * n,
        "stage-due-escalated": n,
        "inactive": n,
        "inactive-escalated": n,
    }
    with db() as conn:

        def notices():
            return one(conn, "SELECT count(*) FROM cms_notification WHERE recipient_id = ANY(%s)", [users])

        run_script("sweep")
        wait_for(lambda: notices() >= n, timeout=180, what="the sweep half-way", step=0.02)
        # The worker holding the sweep: the backend whose statements write the notices.
        backend = wait_for(
            lambda: one(
                conn,
                """SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE datname = current_database()
                   AND pid <> pg_backend_pid() AND query ILIKE '%%cms_notification%%'""",
            ),
            timeout=10,
            what="the sweep's database session",
            step=0.005,
        )
        worker = qcluster_worker_of_backend(conn, backend)
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        at_kill = notices()
        time.sleep(2)
        assert notices() == at_kill  # nobody carries on meanwhile
        locked = expire_locks_of_dead_tasks(conn)
        assert len(locked) == 1 and RETRY_SECONDS - 60 < locked[0][1] <= RETRY_SECONDS, locked
        wait_for(
            lambda: one(
                conn, "SELECT count(*) FROM django_q_task WHERE name = 'fault-nightly-sweep' AND success"
            ),
            timeout=240,
            what="the redelivered sweep to finish",
            step=0.5,
        )
        redelivered_in = time.monotonic() - killed_at
        by_kind = dict(
            conn.execute(
                """SELECT split_part(key, ':', 2), count(*) FROM cms_notification WHERE recipient_id = ANY(%s)
                   GROUP BY 1""",
                [users],
            ).fetchall()
        )
        not_emailed = one(
            conn,
            "SELECT count(*) FROM cms_notification WHERE recipient_id = ANY(%s) AND NOT emailed",
            [users],
        )
        per_address = dict(
            conn.execute(
                """SELECT u.email, count(*) FROM cms_notification n JOIN auth_user u ON u.id = n.recipient_id
                   WHERE n.recipient_id = ANY(%s) GROUP BY u.email""",
                [users],
            ).fetchall()
        )
    time.sleep(1)  # the console backend's last lines
    sends = _sent_emails(set(per_address) | {f"leader{tag}@example.com"})
    # A message is one Message-ID (the same on every send of a notice: cms.notify.message_id). SMTP has no
    # exactly-once: the worker may die after the mail server took a message and before the COMMIT that marks it,
    # and the redelivered run sends it again as the same message, which mail stores drop as a duplicate.
    messages = set(sends)
    per_message_address = {}
    for address, _ in messages:
        per_message_address[address] = per_message_address.get(address, 0) + 1
    addresses = set(per_address) | set(per_message_address)
    lost_emails = sum(max(0, per_address.get(a, 0) - per_message_address.get(a, 0)) for a in addresses)
    duplicated_emails = sum(max(0, per_message_address.get(a, 0) - per_address.get(a, 0)) for a in addresses)
    resent = len(sends) - len(messages)
    print(
        f"\nkill -9 of qcluster worker {worker} during the nightly sweep ({n} overdue apprentices), after"
        f" {at_kill} notices: redelivered and done {redelivered_in:.1f} s after the kill; notices by kind {by_kind}"
        f" (expected {expected}); e-mails {len(messages)}, lost {lost_emails}, duplicated {duplicated_emails},"
        f" resent as the same message (in flight at the kill) {resent}; notices marked not e-mailed {not_emailed}"
    )
    assert 0 < at_kill < sum(expected.values())
    assert by_kind == expected
    assert lost_emails == 0 and duplicated_emails == 0 and not_emailed == 0
    assert len(messages) == sum(expected.values())
    # Only the message in flight when the one worker died can go out twice.
    assert resent <= 1


def _local_iso(day: datetime.date, hour: int) -> str:
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=shanghai).isoformat()
