"""Generate a province-sized data set in a PostgreSQL database, with COPY and INSERT … SELECT (no model saves).

    .venv/bin/python bench/province.py --officers 100000 --db postgres://postgres@127.0.0.1:5432/anjian_h14g_100k

At --officers N (the issue's province is N = 100,000; every other volume scales with N):
- 1,000 units: one city, 20 districts, 979 street offices (treebeard paths, as Unit.add_child writes them);
- N officers with a user account each (trainee group; one mentor per street office), hired over the last ten years
  into the streets: tenures exponential (mean four years), 15 % move to another street halfway (the first spell
  closes with internal_transfer on the day the next one starts), the rest leave with a reason or are current —
  spells never overlap, one current spell at most, a leave date always has a reason (cms.spells' rules);
- one question bank of N / 2 questions (each with its current version; cloned from 100 questions imported through
  the product's import service, so the answer data is the product's own);
- max(5,000, N / 10) graded attempts of 100 questions (N × 10 responses at 100k; each attempt's score is the sum of
  its responses' scores, as grading writes it): 5,000 on the qualifying exam "ITEM-STATS" (item statistics are
  measured on it) and the rest on a second exam, with a qualification for every passed attempt of the qualifying exam; a third published
  exam, drawing 100 questions from the whole bank, is left for the start benchmark;
- N × 50 study-hours ledger lines (training days attended, dated inside the officer's spells);
- an apprenticeship in a three-stage programme for every officer hired in the last year who is still in post,
  paired with their street's mentor.

The database is created from a migrated template (`anjian_x_10k` from `anjian_x_tmpl`, migrated once: drop it
after a new migration) and must not exist yet, or already
hold a finished province of the same size (then nothing is done). It is never the development or test database.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CITY_CODE = "PROV"
N_DISTRICTS = 20
N_UNITS = 1000
QUESTIONS_PER_ATTEMPT = 100
STATS_ATTEMPTS = 5000
STUDY_LINES_PER_OFFICER = 50
CATEGORIES = np.array(["civil_servant", "full_time", "auxiliary"], dtype=object)
REASONS = np.array(
    ["resigned", "dismissed", "contract_ended", "retired", "transferred_out", "other"], dtype=object
)
REASON_P = np.array([0.45, 0.05, 0.2, 0.1, 0.15, 0.05])
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard MP_Node's default alphabet, steplen 4


def step(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = ALPHABET[r] + out
    return out.rjust(4, "0")


def _admin_url(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


def _db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def prepare_database(url: str) -> bool:
    """Create the database from a migrated template. False when it already exists (the caller checks its size)."""
    import psycopg

    name = _db_name(url)
    if name in {"anjian", "test_anjian"} or not urlparse(url).scheme.startswith("postgres"):
        sys.exit("--db must name a scratch PostgreSQL database (never anjian or test_anjian)")
    template = f"{name.rsplit('_', 1)[0]}_tmpl"  # anjian_x_10k, anjian_x_100k … share anjian_x_tmpl
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        exists = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
        if name in exists:
            return False
        if template not in exists:
            conn.execute(f'CREATE DATABASE "{template}"')
            t = time.perf_counter()
            env = {**os.environ, "DATABASE_URL": urlparse(url)._replace(path=f"/{template}").geturl()}
            env.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
            done = subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], env=env
            )
            if done.returncode:
                conn.execute(f'DROP DATABASE "{template}"')
                sys.exit("migrate failed: no database created")
            print(f"template {template} migrated in {time.perf_counter() - t:.0f} s")
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return True


@contextmanager
def indexes_dropped(cursor, table: str):
    """Drop a table's foreign keys, unique constraints and secondary indexes for a bulk load, and put them back
    (validated in one pass each) afterwards."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    # Pending deferred checks would forbid the ALTER TABLEs: run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, _d in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _d in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for _n, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _reset_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
    )


def make_units(cursor) -> dict:
    """The city, its districts and streets; returns {"streets": [(id, district number, street number)], ...}."""
    cursor.execute("SELECT COALESCE(MAX(path), '') FROM cms_unit WHERE depth = 1")
    last_root = cursor.fetchone()[0]
    root_path = step((int(last_root, 36) if last_root else 0) + 1)
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM cms_unit")
    next_id = cursor.fetchone()[0] + 1
    n_streets = N_UNITS - 1 - N_DISTRICTS
    per_district = [
        n_streets // N_DISTRICTS + (1 if d < n_streets % N_DISTRICTS else 0) for d in range(N_DISTRICTS)
    ]
    rows, streets = [], []
    city_id = next_id
    rows.append((city_id, root_path, 1, N_DISTRICTS, CITY_CODE, "省城市", "city"))
    uid = city_id + 1
    for d in range(N_DISTRICTS):
        dpath = root_path + step(d + 1)
        rows.append(
            (uid, dpath, 2, per_district[d], f"{CITY_CODE}D{d + 1:02d}", f"第{d + 1:02d}区", "district")
        )
        uid += 1
        for s in range(per_district[d]):
            code = f"{CITY_CODE}D{d + 1:02d}S{s + 1:03d}"
            rows.append((uid, dpath + step(s + 1), 3, 0, code, f"第{d + 1:02d}区第{s + 1:02d}街道", "street"))
            streets.append((uid, d + 1, s + 1))
            uid += 1
    _copy(cursor, "cms_unit", ["id", "path", "depth", "numchild", "code", "name", "kind"], rows)
    _reset_sequence(cursor, "cms_unit")
    return {"city": city_id, "streets": streets}


def make_spells(n: int, n_streets: int, today: datetime.date, rng) -> dict:
    """Spells of n officers over the ten years before `today` (arrays; day numbers since the epoch)."""
    end = (today - datetime.date(1970, 1, 1)).days
    start = end - 3652
    hire = rng.integers(start, end, n)
    tenure = rng.exponential(4 * 365, n).astype(np.int64) + 1
    leave = hire + tenure
    is_open = leave > end
    unit = rng.integers(0, n_streets, n)
    cat = rng.choice(len(CATEGORIES), n, p=[0.3, 0.5, 0.2])
    reason = rng.choice(REASONS, n, p=REASON_P)
    mid = hire + tenure // 2
    moves = (rng.random(n) < 0.15) & (mid <= end) & (mid > hire)
    new_unit = (unit + rng.integers(1, n_streets, n)) % n_streets  # always another street
    officer = np.arange(n)
    first_leave = np.where(moves, mid, np.where(is_open, -1, leave))
    first_reason = np.where(moves, "internal_transfer", np.where(is_open, "", reason))
    return {
        "officer": np.r_[officer, officer[moves]],
        "unit": np.r_[unit, new_unit[moves]],
        "category": np.r_[CATEGORIES[cat], CATEGORIES[cat[moves]]],
        "hire": np.r_[hire, mid[moves]],
        "leave": np.r_[first_leave, np.where(is_open, -1, leave)[moves]],
        "reason": np.r_[first_reason, np.where(is_open, "", reason)[moves]],
        # per officer: the last spell's street, category, and whether it is open
        "last_unit": np.where(moves, new_unit, unit),
        "last_category": CATEGORIES[cat],
        "active": is_open,
        "first_hire": hire,
    }


def _date(day: int) -> datetime.date | None:
    return None if day < 0 else datetime.date(1970, 1, 1) + datetime.timedelta(days=int(day))


def make_people(cursor, n: int, units: dict, today: datetime.date, rng) -> dict:
    from django.contrib.auth.hashers import make_password

    streets = units["streets"]
    street_ids = np.array([s[0] for s in streets])
    sp = make_spells(n, len(streets), today, rng)
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM auth_user")
    user0 = cursor.fetchone()[0] + 1
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM cms_officer")
    officer0 = cursor.fetchone()[0] + 1
    password = make_password("bench-province")  # one hash for all: the bench signs in with force_login
    now = datetime.datetime.now(datetime.UTC)
    employee = [f"P{i:07d}" for i in range(n)]
    _copy(
        cursor,
        "auth_user",
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        (
            (user0 + i, password, False, employee[i].lower(), "", "", "", False, bool(sp["active"][i]), now)
            for i in range(n)
        ),
    )
    genders = rng.choice(["M", "F"], n)
    birth = rng.integers(-3650, 9000, n)  # 1960 … 1994
    _copy(
        cursor,
        "cms_officer",
        [
            "id",
            "employee_no",
            "name",
            "gender",
            "birth_date",
            "phone",
            "staff_category",
            "education",
            "status",
            "created_at",
            "updated_at",
            "user_id",
            "unit_id",
        ],
        (
            (
                officer0 + i,
                employee[i],
                f"人员{i:06d}",
                genders[i],
                _date(birth[i]),
                "",
                sp["last_category"][i],
                "bachelor",
                "active" if sp["active"][i] else "left",
                now,
                now,
                user0 + i,
                int(street_ids[sp["last_unit"][i]]),
            )
            for i in range(n)
        ),
    )
    _copy(
        cursor,
        "cms_employmentspell",
        ["staff_category", "hire_date", "leave_date", "leave_reason", "officer_id", "unit_id"],
        (
            (cat, _date(h), _date(lv), reason, officer0 + int(o), int(street_ids[u]))
            for o, u, cat, h, lv, reason in zip(
                sp["officer"], sp["unit"], sp["category"], sp["hire"], sp["leave"], sp["reason"], strict=True
            )
        ),
    )
    for table in ("auth_user", "cms_officer"):
        _reset_sequence(cursor, table)
    # Everyone in post is a trainee; the longest-serving officer in post of each street is its mentor.
    cursor.execute(
        "INSERT INTO auth_user_groups (user_id, group_id) SELECT o.user_id, g.id FROM cms_officer o, auth_group g"
        " WHERE g.name = 'trainee' AND o.status = 'active' AND o.employee_no LIKE 'P%%' ON CONFLICT DO NOTHING"
    )
    cursor.execute(
        "CREATE TEMP TABLE bench_mentor AS SELECT DISTINCT ON (s.unit_id) s.unit_id, s.officer_id"
        " FROM cms_employmentspell s JOIN cms_officer o ON o.id = s.officer_id"
        " WHERE s.leave_date IS NULL AND o.employee_no LIKE 'P%%' AND s.hire_date < %s"
        " ORDER BY s.unit_id, s.hire_date, s.officer_id",
        [today - datetime.timedelta(days=3 * 365)],
    )
    cursor.execute(
        "INSERT INTO auth_user_groups (user_id, group_id) SELECT o.user_id, g.id FROM bench_mentor m"
        " JOIN cms_officer o ON o.id = m.officer_id, auth_group g WHERE g.name = 'mentor' ON CONFLICT DO NOTHING"
    )
    return {"officer0": officer0, "spells": len(sp["hire"])}


def make_questions(cursor, n_questions: int) -> int:
    """A bank of n_questions: 100 imported through the product's service, the rest cloned from them in SQL."""
    from exams.models import QuestionBank
    from tests.exams.conftest import make_bank

    bank = make_bank(code="PROVBANK", questions=[], n_single=100)
    copies = max(0, (n_questions - 100 + 99) // 100)
    cursor.execute(
        "CREATE TEMP TABLE bench_qmap AS SELECT q.id AS src, g, nextval(pg_get_serial_sequence('exams_question',"
        " 'id')) AS new_id FROM exams_question q, generate_series(1, %s) g WHERE q.bank_id = %s"
        " ORDER BY g, q.id",
        [copies, bank.pk],
    )
    cursor.execute(
        "DELETE FROM bench_qmap WHERE new_id IN (SELECT new_id FROM bench_qmap ORDER BY new_id OFFSET %s)",
        [n_questions - 100],
    )
    cursor.execute(
        "INSERT INTO exams_question (id, type, title, stem, stem_format, explanation, legal_basis, difficulty,"
        " points, content, status, version, created_at, updated_at, category_id, bank_id, current_version_id)"
        " SELECT m.new_id, q.type, q.title, q.stem || '（' || m.g || '）', q.stem_format, q.explanation,"
        " q.legal_basis, q.difficulty, q.points, q.content, q.status, q.version, q.created_at, q.updated_at,"
        " q.category_id, q.bank_id, NULL FROM bench_qmap m JOIN exams_question q ON q.id = m.src"
    )
    cursor.execute(
        "INSERT INTO exams_questionversion (number, data, created_at, created_by_id, question_id, option_count)"
        " SELECT v.number, CASE WHEN v.data ? 'stem' THEN jsonb_set(v.data, '{stem}',"
        " to_jsonb((v.data->>'stem') || '（' || m.g || '）')) ELSE v.data END, v.created_at, v.created_by_id,"
        " m.new_id, v.option_count FROM bench_qmap m JOIN exams_question q ON q.id = m.src"
        " JOIN exams_questionversion v ON v.id = q.current_version_id"
    )
    cursor.execute(
        "UPDATE exams_question q SET current_version_id = v.id FROM exams_questionversion v"
        " WHERE v.question_id = q.id AND q.current_version_id IS NULL AND q.bank_id = %s",
        [bank.pk],
    )
    QuestionBank.objects.filter(pk=bank.pk).update(revision=1)
    return bank.pk


def make_attempts(cursor, bank_id: int, n_attempts: int, officer0: int, n_officers: int) -> dict:
    """Two exams with n_attempts / 2 graded attempts each, 100 questions a paper; a third exam to start."""
    from decimal import Decimal

    from exams.models import Exam, QuestionBank
    from tests.exams.conftest import make_exam

    bank = QuestionBank.objects.get(pk=bank_id)
    stats_exam = make_exam(
        bank,
        rules=[{"count": QUESTIONS_PER_ATTEMPT}],
        title="ITEM-STATS",
        is_qualifying=True,
        pass_percent=Decimal("60"),
    )
    second = make_exam(bank, rules=[{"count": QUESTIONS_PER_ATTEMPT}], title="SECOND")
    start_exam = make_exam(bank, rules=[{"count": QUESTIONS_PER_ATTEMPT}], title="START")
    Exam.objects.filter(pk__in=[stats_exam.pk, second.pk]).update(is_published=False)
    # The qualifying exam always has 5,000 attempts (item statistics are measured on it); the rest of the
    # N / 10 attempts go to the second exam.
    sizes = [min(STATS_ATTEMPTS, n_officers), max(0, n_attempts - STATS_ATTEMPTS)]
    with indexes_dropped(cursor, "exams_response"):
        for k, (exam, size) in enumerate(zip((stats_exam, second), sizes, strict=True)):
            if size:
                first = officer0 + (sizes[0] if k and sizes[0] + size <= n_officers else 0)
                _fill_exam(cursor, bank_id, k, exam.pk, size, first)
    cursor.execute(
        "INSERT INTO exams_qualification (certificate_no, issued_on, valid_until, status, attempt_id, exam_id,"
        " officer_id) SELECT 'PQ' || a.id, (a.graded_at)::date, (a.graded_at)::date + 3 * 365, 'valid', a.id,"
        " a.exam_id, a.officer_id FROM exams_attempt a WHERE a.exam_id = %s AND a.passed",
        [stats_exam.pk],
    )
    return {"stats_exam": stats_exam.pk, "start_exam": start_exam.pk}


def _fill_exam(cursor, bank_id, k, exam_id, size, first):
    # The exam's paper: 100 questions of the bank; its examinees: a run of officers (one attempt each).
    cursor.execute(
        "CREATE TEMP TABLE bench_paper AS SELECT id, current_version_id, row_number() OVER (ORDER BY id) AS pos"
        " FROM (SELECT id, current_version_id FROM exams_question WHERE bank_id = %s ORDER BY id OFFSET %s LIMIT %s) q",
        [bank_id, k * QUESTIONS_PER_ATTEMPT * 7, QUESTIONS_PER_ATTEMPT],
    )
    cursor.execute(
        "INSERT INTO exams_attempt (number, is_mock, seed, status, started_at, deadline, submitted_at,"
        " auto_submitted, graded_at, score, max_score, percent, passed, tab_switches, officer_id, exam_id)"
        " SELECT 1, false, o.id, 'graded', now() - interval '30 days', now() - interval '29 days',"
        " now() - interval '29 days', false, now() - interval '29 days', 0, %s, 0, false, 0, o.id, %s"
        " FROM cms_officer o WHERE o.id >= %s ORDER BY o.id LIMIT %s",
        [QUESTIONS_PER_ATTEMPT, exam_id, first, size],
    )
    # Ability per examinee makes the items correlate with the rest of the paper, as real items do.
    cursor.execute(
        "INSERT INTO exams_response (position, option_order, points, answer, seq, flagged, auto_score,"
        " needs_marking, marker_comment, attempt_id, question_id, version_id)"
        " SELECT p.pos, '[0, 1, 2]'::jsonb, 1, to_jsonb(CASE WHEN c THEN 0 ELSE 1 + (a.id + p.id) %% 2 END),"
        " 1, false, CASE WHEN c THEN 1 ELSE 0 END, false, '', a.id, p.id, p.current_version_id"
        " FROM exams_attempt a CROSS JOIN bench_paper p,"
        " LATERAL (SELECT random() < 0.35 + (a.seed %% 10) / 18.0 AS c) r WHERE a.exam_id = %s",
        [exam_id],
    )
    cursor.execute(
        "UPDATE exams_attempt a SET score = s.total, percent = s.total * 100.0 / a.max_score,"
        " passed = s.total * 100.0 / a.max_score >= 60 FROM (SELECT attempt_id,"
        " SUM(COALESCE(manual_score, auto_score, 0)) AS total FROM exams_response r JOIN exams_attempt x"
        " ON x.id = r.attempt_id WHERE x.exam_id = %s GROUP BY attempt_id) s WHERE s.attempt_id = a.id",
        [exam_id],
    )
    cursor.execute("DROP TABLE bench_paper")


def make_study_hours(cursor, per_officer: int, today: datetime.date) -> None:
    """per_officer lines on average, spread over each officer's spells (dated inside the spell)."""
    cursor.execute(
        "SELECT COUNT(*), COUNT(DISTINCT officer_id) FROM cms_employmentspell s JOIN cms_officer o"
        " ON o.id = s.officer_id WHERE o.employee_no LIKE 'P%%'"
    )
    spells, officers = cursor.fetchone()
    per_spell = max(1, round(per_officer * officers / max(1, spells)))
    with indexes_dropped(cursor, "courses_studyhoursentry"):
        cursor.execute(
            "INSERT INTO courses_studyhoursentry (hours, source_kind, source_id, seq, context_id, description,"
            " earned_on, created_at, officer_id)"
            " SELECT 4, 'session_day', s.id * 1000 + g, 1, s.id, '集中培训（基准数据）',"
            " s.hire_date + (random() * (COALESCE(s.leave_date, %s) - s.hire_date))::int, now(), s.officer_id"
            " FROM cms_employmentspell s JOIN cms_officer o ON o.id = s.officer_id,"
            " generate_series(1, %s) g WHERE o.employee_no LIKE 'P%%'",
            [today, per_spell],
        )


def make_mentorship(cursor, today: datetime.date) -> None:
    from cms.models import Unit
    from mentorship.models import Programme, Stage

    programme = Programme.objects.create(
        unit=Unit.objects.get(code=CITY_CODE), name="新任安监员培养方案（基准）", staff_categories=[]
    )
    stages = [
        Stage.objects.create(programme=programme, order=i, name=f"第{i}阶段", due_days=90) for i in (1, 2, 3)
    ]
    cursor.execute(
        "INSERT INTO mentorship_apprenticeship (status, hire_date, started_on, ended_on, last_activity_at,"
        " officer_id, programme_id, current_stage_id) SELECT 'in_progress', s.hire_date, s.hire_date, NULL, now(),"
        " s.officer_id, %s, %s FROM cms_employmentspell s JOIN cms_officer o ON o.id = s.officer_id"
        " WHERE s.leave_date IS NULL AND s.hire_date > %s AND o.employee_no LIKE 'P%%'"
        " AND NOT EXISTS (SELECT 1 FROM cms_employmentspell e WHERE e.officer_id = s.officer_id"
        " AND e.hire_date < s.hire_date)",
        [programme.pk, stages[0].pk, today - datetime.timedelta(days=365)],
    )
    cursor.execute(
        "INSERT INTO mentorship_stageprogress (started_on, due_on, completed_on, apprenticeship_id, stage_id)"
        " SELECT a.started_on, a.started_on + 90, NULL, a.id, %s FROM mentorship_apprenticeship a"
        " WHERE a.programme_id = %s",
        [stages[0].pk, programme.pk],
    )
    cursor.execute(
        "INSERT INTO mentorship_pairing (started_on, ended_on, end_reason, apprenticeship_id, created_by_id,"
        " mentor_id) SELECT a.started_on, NULL, '', a.id, NULL, m.officer_id FROM mentorship_apprenticeship a"
        " JOIN cms_officer o ON o.id = a.officer_id JOIN bench_mentor m ON m.unit_id = o.unit_id"
        " WHERE a.programme_id = %s",
        [programme.pk],
    )


def counts(cursor) -> dict:
    tables = {
        "units": "cms_unit",
        "officers": "cms_officer",
        "spells": "cms_employmentspell",
        "questions": "exams_question",
        "attempts": "exams_attempt",
        "responses": "exams_response",
        "study hours lines": "courses_studyhoursentry",
        "apprenticeships": "mentorship_apprenticeship",
        "qualifications": "exams_qualification",
    }
    out = {}
    for label, table in tables.items():
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        out[label] = cursor.fetchone()[0]
    return out


def build(n_officers: int, seed: int = 7) -> dict:
    """Fill the (fresh, migrated) database Django is connected to. Returns the timings and row counts."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    rng = np.random.default_rng(seed)
    today = datetime.date.today()
    timings = {}

    def timed(label, fn, *args):
        t = time.perf_counter()
        result = fn(*args)
        timings[label] = time.perf_counter() - t
        print(f"  {label}: {timings[label]:.1f} s", flush=True)
        return result

    User = get_user_model()
    if not User.objects.filter(username="bench_admin").exists():
        User.objects.create_superuser("bench_admin", "bench@example.invalid", "bench-province")
    with transaction.atomic(), connection.cursor() as cursor:
        units = timed("units", make_units, cursor)
        people = timed("officers, users, spells", make_people, cursor, n_officers, units, today, rng)
        bank_id = timed("question bank", make_questions, cursor, max(100, n_officers // 2))
        exams = timed(
            "attempts and responses",
            make_attempts,
            cursor,
            bank_id,
            max(2, n_officers // 10),
            people["officer0"],
            n_officers,
        )
        timed("study hours", make_study_hours, cursor, STUDY_LINES_PER_OFFICER, today)
        timed("mentorship", make_mentorship, cursor, today)
    with connection.cursor() as cursor:
        # As a database in service is: autovacuum processes an insert-only table after enough inserts (PostgreSQL
        # 13+), marking its pages all-visible. Measured straight after the load without it, every scan checks
        # each row's visibility: item statistics at 100k took 525–550 ms instead of 448–470 ms.
        timed("vacuum and analyze", cursor.execute, "VACUUM (ANALYZE)")
        return {"timings": timings, "counts": counts(cursor), **exams}


def province_ready(n_officers: int) -> bool:
    from cms.models import Officer, Unit

    return (
        Unit.objects.filter(code=CITY_CODE).exists()
        and Officer.objects.filter(employee_no__startswith="P").count() == n_officers
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--officers", type=int, default=100_000)
    parser.add_argument("--db", required=True, help="postgres://…/anjian_<yours> (created; must not exist)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    fresh = prepare_database(args.db)
    from bench.common import setup_django

    setup_django(args.db)
    if not fresh:
        if province_ready(args.officers):
            print(f"{_db_name(args.db)} already holds a province of {args.officers:,} officers")
            return
        sys.exit(
            f"{_db_name(args.db)} exists and is not a province of {args.officers:,} officers: drop it first"
        )
    t = time.perf_counter()
    result = build(args.officers, args.seed)
    print(f"province of {args.officers:,} officers built in {time.perf_counter() - t:.0f} s")
    for label, n in result["counts"].items():
        print(f"  {label:<20} {n:>12,}")


if __name__ == "__main__":
    main()
