"""Issue #12 item 21: `make run` no longer prints the misleading "Cache table 'cache_table' already exists."

The database cache table is created by a migration (cms 0005) instead of a separate `createcachetable` step:
`make run` must not call that command, and after `migrate` the table `make run`'s settings name must exist, created
without a word on the console."""

import importlib
import importlib.util
import io
import os
import shutil
import subprocess
import types
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

ROOT = Path(__file__).resolve().parent.parent
DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"


def _dry_run(target: str) -> str:
    """What `make -n <target>` would run, from the project root, free of a calling make's flags."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {
        k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    }
    done = subprocess.run(
        ["make", "-n", target], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("target", "also_runs"),
    [
        ("run", ["manage.py migrate --noinput", "manage.py seed_demo", "manage.py runserver"]),
        ("demo", ["manage.py migrate --noinput", "manage.py seed_demo"]),
        ("migrate", ["manage.py migrate --noinput"]),
    ],
)
def test_make_never_calls_createcachetable(target, also_runs):
    commands = _dry_run(target)
    for command in also_runs:  # the dry run did print the recipe
        assert command in commands, (target, command, commands)
    assert "createcachetable" not in commands
    # migrate comes before anything reads the database (the cache table included).
    if "seed_demo" in commands:
        assert commands.index("manage.py migrate") < commands.index("manage.py seed_demo")


@pytest.fixture
def run_caches(monkeypatch):
    """CACHES as `make run` gets them: manage.py's default settings (cms.settings.dev keeps base's CACHES) on a
    machine without REDIS_URL — the database cache. Read from a fresh copy of the base settings module."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    spec = importlib.util.spec_from_file_location(
        "_base_settings_probe", ROOT / "cms" / "settings" / "base.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    caches = module.CACHES
    assert caches["default"]["BACKEND"] == DATABASE_CACHE
    return caches


def _cache_table_sql() -> str:
    """What `createcachetable --dry-run` would still create: empty when every database cache table exists."""
    out = io.StringIO()
    call_command("createcachetable", dry_run=True, verbosity=0, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_migrate_creates_the_cache_table_without_a_word(settings, run_caches, capsys):
    table = run_caches["default"]["LOCATION"]
    assert ("cms", "0005_cache_table") in MigrationRecorder(connection).applied_migrations()
    # The test settings use an in-memory cache, so the test database was migrated without the table.
    settings.CACHES = run_caches
    assert table not in connection.introspection.table_names()
    assert "CREATE TABLE" in _cache_table_sql()  # the probe sees a missing table

    migration = importlib.import_module("cms.migrations.0005_cache_table").Migration
    (operation,) = migration.operations
    schema_editor = types.SimpleNamespace(connection=connection)
    try:
        operation.code(django_apps, schema_editor)  # a first migrate: creates the table
        assert table in connection.introspection.table_names()
        assert _cache_table_sql() == ""  # `createcachetable` would have nothing left to do
        operation.code(django_apps, schema_editor)  # again, over the existing table: still idempotent
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err == ""  # no "Cache table 'cache_table' already exists."
        # The cache works on it.
        from django.core.cache import caches

        caches["default"].set("make-run-probe", "ok")
        assert caches["default"].get("make-run-probe") == "ok"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
