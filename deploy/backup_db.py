"""The database half of `make backup` / `make restore` (deploy/backup.sh, deploy/restore.sh call it).

    backup_db.py roots                       print MEDIA_ROOT and PRIVATE_MEDIA_ROOT as the settings resolve them
    backup_db.py dump DIR                    pg_dump -Fc of DATABASE_URL into DIR/db.dump, and DIR/counts.json: the row
                                             counts of every table of ours, read in the very snapshot pg_dump dumps
    backup_db.py verify MANIFEST             against DATABASE_URL (the restored database) and the restored file roots:
                                             row counts equal the manifest's, the audit log is whole, every stored
                                             file a row names is there, and a signed-in page renders

Runs with the project's settings (DJANGO_SETTINGS_MODULE, default cms.settings.dev); PostgreSQL only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, models  # noqa: E402

OUR_APPS = {
    "cms",
    "courses",
    "exams",
    "mentorship",
    "appraisal",
    "analytics",
    "auth",
    "wagtailcore",
    "wagtailimages",
}


def _models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in OUR_APPS and m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]


def _counts() -> dict[str, int]:
    with connection.cursor() as cur:
        out = {}
        for m in sorted(_models(), key=lambda m: m._meta.label):
            cur.execute(f'SELECT count(*) FROM "{m._meta.db_table}"')
            out[m._meta.label] = cur.fetchone()[0]
        return out


def _audit_tail() -> dict:
    """The audit log has no hash chain (cms.models.AuditEvent is append-only, not chained): its count, last id and
    last timestamp stand in for one."""
    from cms.models import AuditEvent

    last = AuditEvent.objects.order_by("-pk").values("pk", "timestamp").first()
    return {
        "count": AuditEvent.objects.count(),
        "last_id": last["pk"] if last else None,
        "last_at": last["timestamp"].isoformat() if last else None,
    }


def _require_postgres():
    if connection.vendor != "postgresql":
        sys.exit(f"backup/restore supports PostgreSQL only; DATABASE_URL is {connection.vendor}.")


def _libpq_url() -> str:
    return os.environ["DATABASE_URL"].split("?", 1)[0]


def roots():
    print(settings.MEDIA_ROOT)
    print(settings.PRIVATE_MEDIA_ROOT)


def dump(directory: str):
    """pg_dump and the counts from one exported snapshot, so the manifest describes exactly what was dumped."""
    _require_postgres()
    target = Path(directory)
    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute("SELECT pg_export_snapshot(), now()")
        snapshot, snapshot_at = cur.fetchone()
        counts = _counts()
        audit = _audit_tail()
        subprocess.run(
            [
                "pg_dump",
                "-Fc",
                "--no-owner",
                f"--snapshot={snapshot}",
                "-f",
                str(target / "db.dump"),
                _libpq_url(),
            ],
            check=True,
        )
        cur.execute("COMMIT")
    (target / "counts.json").write_text(
        json.dumps(
            {
                "snapshot_at": snapshot_at.isoformat(),
                "dump_seconds": round(time.monotonic() - started, 2),
                "row_counts": counts,
                "audit": audit,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


def _missing_files() -> list[str]:
    """Stored names that some row keeps but whose file is not in the restored storage."""
    missing = []
    for m in _models():
        for field in m._meta.concrete_fields:
            if isinstance(field, models.FileField):
                for name in m._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True):
                    if name and not field.storage.exists(name):
                        missing.append(f"{m._meta.label}.{field.name}: {name}")
    return missing


def _signed_in_page() -> str:
    """A superuser (else any active user) signs in with the test client and opens the admin home / their page."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(is_superuser=True).order_by("pk").first() or users.order_by("pk").first()
    if user is None:
        raise SystemExit("no active user in the restored database to sign in with")
    client = Client(secure=True)
    client.force_login(user)
    path = "/admin/" if user.is_staff or user.is_superuser else "/"
    response = client.get(path)
    if response.status_code != 200 or user.get_username() not in response.content.decode():
        raise SystemExit(f"signed-in page {path} as {user.get_username()}: HTTP {response.status_code}")
    return f"{path} as {user.get_username()}: HTTP 200"


def verify(manifest_path: str):
    _require_postgres()
    manifest = json.loads(Path(manifest_path).read_text())
    problems = []
    counts = _counts()
    for label, expected in manifest["row_counts"].items():
        if counts.get(label) != expected:
            problems.append(f"{label}: {counts.get(label)} rows restored, {expected} backed up")
    audit = _audit_tail()
    if audit != manifest["audit"]:
        problems.append(f"audit log: restored {audit}, backed up {manifest['audit']}")
    problems += [f"file missing: {m}" for m in _missing_files()]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    page = _signed_in_page()
    print(
        f"verified: {len(counts)} tables, {sum(counts.values())} rows equal to the manifest; audit log "
        f"{audit['count']} events, last #{audit['last_id']} (no hash chain to verify); every stored file present; "
        f"signed-in page {page}"
    )


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    commands = {"roots": roots, "dump": dump, "verify": verify}
    if command not in commands:
        sys.exit(__doc__)
    commands[command](*args)
