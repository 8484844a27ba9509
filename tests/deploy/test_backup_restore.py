"""Issue #14 fault (f7), backup and restore: `make backup` then `make restore` into a fresh database, on PostgreSQL.

Seeds its own database (anjian_h14b: migrate, the demo data, two pieces of evidence with photos in private storage),
backs it up, writes once more, restores into anjian_h14b_restore and checks what the restore script checks (row
counts, audit log, files, `check`, a signed-in page) plus: the write after the backup is not there (the recovery
point is the backup's snapshot), the files are the same bytes, and a wrong manifest, an existing target database and
SQLite are refused. Prints the recovery time and the recovery point it measured."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT

pytestmark = pytest.mark.deploy

SERVER = os.environ.get("BACKUP_TEST_PG", "postgres://postgres@127.0.0.1:5432")
SOURCE, TARGET = "anjian_h14b", "anjian_h14b_restore"
PY = str(ROOT / ".venv/bin/python")

SEED_EVIDENCE = """
import datetime, io
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from mentorship import services
from mentorship.models import Apprenticeship, Milestone, Submission
done = 0
for a in Apprenticeship.objects.filter(status=Apprenticeship.Status.IN_PROGRESS).select_related("officer__user"):
    busy = Submission.objects.filter(
        apprenticeship=a, status__in=[Submission.Status.PENDING, Submission.Status.APPROVED]
    ).values("milestone")
    m = Milestone.objects.filter(stage__programme=a.programme).exclude(pk__in=busy).first()
    if m and done < 2:
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30 * done, 30)).save(buf, "PNG")
        services.submit_evidence(
            apprenticeship=a, milestone=m, by=a.officer.user, text="backup check",
            happened_on=timezone.localdate() - datetime.timedelta(days=1),
            files=[SimpleUploadedFile("scene.png", buf.getvalue(), "image/png")],
        )
        done += 1
assert done == 2, done
"""


def _psql(sql, db="postgres"):
    return subprocess.run(
        ["psql", f"{SERVER}/{db}", "-tAqc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def _run(args, env, check=True):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def pg():
    try:
        _psql("SELECT 1")
    except (OSError, subprocess.CalledProcessError) as exc:
        if os.environ.get("REQUIRE_DEPLOY"):
            pytest.fail(f"PostgreSQL at {SERVER} is needed: {exc}")
        pytest.skip(f"needs PostgreSQL at {SERVER}")
    for db in (SOURCE, TARGET):
        _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    _psql(f"CREATE DATABASE {SOURCE}")
    yield
    _psql(f"DROP DATABASE IF EXISTS {TARGET} WITH (FORCE)")


def test_make_backup_then_make_restore_brings_back_the_data_and_the_files(pg, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DATABASE_URL": f"{SERVER}/{SOURCE}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "BACKUP_ROOT": str(tmp_path / "backups"),
    }
    env.pop("REDIS_URL", None)  # the deployment's Redis db is not ours to fill
    _run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    _run([PY, "manage.py", "seed_demo", "-v", "0"], env)
    _run([PY, "manage.py", "shell", "-c", SEED_EVIDENCE], env)
    last_write = _psql("SELECT max(timestamp) FROM cms_auditevent", SOURCE)

    backup = _run(["make", "-s", "backup"], env)
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"db.dump", "private.tar.gz", "media.tar.gz", "manifest.json"} <= {
        p.name for p in folder.iterdir()
    }
    assert manifest["row_counts"]["mentorship.Attachment"] >= 2 and manifest["audit"]["count"] > 0

    # A write after the backup: the recovery point is the snapshot, so the restore must not have it.
    _psql(
        "INSERT INTO cms_auditevent (timestamp, actor_repr, action, object_id, object_repr) "
        "VALUES (now(), 'after', 'test.after_backup', '', '')",
        SOURCE,
    )

    restore_env = {
        **env,
        "RESTORE_DATABASE_URL": f"{SERVER}/{TARGET}",
        "RESTORE_PRIVATE_MEDIA_ROOT": str(tmp_path / "restored/private"),
        "RESTORE_MEDIA_ROOT": str(tmp_path / "restored/media"),
    }
    started = time.monotonic()
    restore = _run(["make", "-s", "restore", f"BACKUP={folder}"], restore_env)
    recovery_seconds = time.monotonic() - started
    assert "System check identified no issues" in restore.stdout
    assert (
        "equal to the manifest" in restore.stdout
        and "signed-in page /admin/ as admin: HTTP 200" in restore.stdout
    )

    assert _psql("SELECT count(*) FROM cms_auditevent WHERE action = 'test.after_backup'", TARGET) == "0"
    assert _psql("SELECT count(*) FROM cms_auditevent", TARGET) == str(manifest["audit"]["count"])
    assert _psql("SELECT count(*) FROM mentorship_attachment", TARGET) == str(
        manifest["row_counts"]["mentorship.Attachment"]
    )
    private = _files(tmp_path / "private")
    assert len(private) >= 2 and _files(tmp_path / "restored/private") == private

    # The checks can fail: a manifest that disagrees, a target that is not fresh, a database that is not PostgreSQL.
    wrong = json.loads((folder / "manifest.json").read_text())
    wrong["row_counts"]["mentorship.Attachment"] += 1
    (tmp_path / "wrong.json").write_text(json.dumps(wrong))
    verify_env = {**env, "DATABASE_URL": f"{SERVER}/{TARGET}"}
    refused = _run(
        [PY, "deploy/backup_db.py", "verify", str(tmp_path / "wrong.json")], verify_env, check=False
    )
    assert refused.returncode == 1 and "mentorship.Attachment" in refused.stderr
    again = _run(["make", "-s", "restore", f"BACKUP={folder}"], restore_env, check=False)
    assert again.returncode != 0 and f"database {TARGET} exists" in again.stderr
    sqlite = _run(
        ["make", "-s", "backup"], {**env, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}, check=False
    )
    assert sqlite.returncode != 0 and "PostgreSQL only" in sqlite.stderr

    print(f"\n{backup.stdout.strip()}\n{restore.stdout.strip().splitlines()[-1]}")
    print(
        f"backup of {sum(manifest['row_counts'].values())} rows, {len(private)} private files: "
        f"{manifest['backup_seconds']} s; recovery time (make restore, incl. checks): {recovery_seconds:.1f} s; "
        f"recovery point: snapshot {manifest['snapshot_at']}, last write before it {last_write}, "
        "the write after it is not in the restore"
    )
