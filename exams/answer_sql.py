"""The hand-written statements of an answer save (the exam autosave is the hottest path of the site).

* **The read** is one join: the response, its attempt (status and deadline), the officer (the owner: the officer
  id, or the session's user id, and whether they still serve), the question version, with the option order
  needed to map display positions back. With a password hash it also requires the user's password hash to be
  unchanged and the account active (the autosave's cached session check); a mismatch reads as not found.
* **The write** is one conditional UPDATE that applies only while the save is newer than the stored one, the
  attempt is open and the response is ungraded (see services.submit_attempt for the race with submitting).
* **The owned write** (exams.autosave's fast path) is one UPDATE that also proves ownership and the session: it
  applies only if the row is the session user's, the password hash unchanged, the account active, the officer
  serving, the attempt open, the response ungraded and the save newer; it returns the stored flag.

The statements are written once per database vendor with table and column names from the models' _meta, so
they follow the schema, and run through Django's connection (its transactions, query logging and test machinery
included). On PostgreSQL they bind parameters on the server and are prepared once per connection, so the planner
does not run on every save (Django leaves statement preparation off by default for the sake of connection poolers;
a pooler in transaction mode needs PgBouncer ≥ 1.21 with max_prepared_statements set).
"""

from __future__ import annotations

import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.dateparse import parse_datetime

from cms.models import Officer
from exams.models import Attempt, QuestionVersion, Response


def _cursor():
    """Django's cursor; on PostgreSQL with psycopg 3 one that binds on the server and prepares its statements.

    While queries are logged (DEBUG, tests counting queries) statements are bound on the server but not prepared:
    psycopg keeps no statement text for a prepared execution, and the log needs it.
    """
    classes = _server_binding_classes()
    if connection.vendor != "postgresql" or classes is None:
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    logged = connection.queries_logged
    with connection.wrap_database_errors:
        raw = classes[0 if logged else 1](connection.connection)
    return connection.make_debug_cursor(raw) if logged else connection.make_cursor(raw)


@cache
def _server_binding_classes():
    from django.db.backends.postgresql import base  # heavy

    if not getattr(base, "is_psycopg3", False):
        return None

    class LoggedCursor(base.ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=False, binary=binary)

    class PreparedCursor(base.ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return LoggedCursor, PreparedCursor


def _col(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _read_sql(vendor: str, owner: str, with_password: bool) -> str:
    r, a, o, v = _table(Response), _table(Attempt), _table(Officer), _table(QuestionVersion)
    user = get_user_model()
    owner_sql = {
        "officer": f"a.{_col(Attempt, 'officer')} = %s",
        "user": f"o.{_col(Officer, 'user')} = %s",
    }[owner]
    join_user = ""
    if with_password:
        u = _table(user)
        join_user = (
            f" JOIN {u} u ON u.{_col(user, 'id')} = o.{_col(Officer, 'user')}"
            f" AND u.{_col(user, 'password')} = %s AND u.{_col(user, 'is_active')}"
        )
    return (
        f"SELECT r.{_col(Response, 'id')}, r.{_col(Response, 'seq')}, r.{_col(Response, 'answer')},"
        f" r.{_col(Response, 'flagged')}, r.{_col(Response, 'option_order')}, v.{_col(QuestionVersion, 'data')},"
        f" a.{_col(Attempt, 'status')}, a.{_col(Attempt, 'deadline')}, o.{_col(Officer, 'status')}"
        f" FROM {r} r JOIN {a} a ON a.{_col(Attempt, 'id')} = r.{_col(Response, 'attempt')}"
        f" JOIN {o} o ON o.{_col(Officer, 'id')} = a.{_col(Attempt, 'officer')}{join_user}"
        f" JOIN {v} v ON v.{_col(QuestionVersion, 'id')} = r.{_col(Response, 'version')}"
        f" WHERE r.{_col(Response, 'attempt')} = %s AND r.{_col(Response, 'position')} = %s AND {owner_sql}"
    )


def _update_set(with_flag: bool) -> str:
    """The UPDATE … SET part both saves share; its parameters come from _set_params."""
    flag = f", {_col(Response, 'flagged')} = %s" if with_flag else ""
    return (
        f"UPDATE {_table(Response)} SET {_col(Response, 'answer')} = %s, {_col(Response, 'seq')} = %s,"
        f" {_col(Response, 'saved_at')} = %s{flag}"
    )


def _set_params(answer, seq: int, now, flagged) -> list:
    params = [
        _FIELDS["answer"].get_db_prep_save(answer, connection),
        seq,
        connection.ops.adapt_datetimefield_value(now),
    ]
    return params if flagged is None else [*params, bool(flagged)]


@cache
def _write_sql(vendor: str, with_flag: bool) -> str:
    a = _table(Attempt)
    return (
        f"{_update_set(with_flag)}"
        f" WHERE {_col(Response, 'id')} = %s AND {_col(Response, 'seq')} < %s"
        f" AND {_col(Response, 'auto_score')} IS NULL"
        f" AND EXISTS (SELECT 1 FROM {a} a WHERE a.{_col(Attempt, 'id')} = %s"
        f" AND a.{_col(Attempt, 'status')} = %s AND a.{_col(Attempt, 'deadline')} >= %s)"
    )


@cache
def _write_owned_sql(vendor: str, with_flag: bool) -> str:
    a, o = _table(Attempt), _table(Officer)
    user = get_user_model()
    u = _table(user)
    return (
        f"{_update_set(with_flag)}"
        f" WHERE {_col(Response, 'attempt')} = %s AND {_col(Response, 'position')} = %s"
        f" AND {_col(Response, 'seq')} < %s"
        f" AND {_col(Response, 'auto_score')} IS NULL"
        f" AND EXISTS (SELECT 1 FROM {a} a JOIN {o} o ON o.{_col(Officer, 'id')} = a.{_col(Attempt, 'officer')}"
        f" JOIN {u} u ON u.{_col(user, 'id')} = o.{_col(Officer, 'user')}"
        f" WHERE a.{_col(Attempt, 'id')} = %s AND a.{_col(Attempt, 'status')} = %s"
        f" AND a.{_col(Attempt, 'deadline')} >= %s AND o.{_col(Officer, 'status')} = %s"
        f" AND u.{_col(user, 'id')} = %s"
        f" AND u.{_col(user, 'password')} = %s AND u.{_col(user, 'is_active')})"
        f" RETURNING {_col(Response, 'flagged')}"
    )


_FIELDS = {name: Response._meta.get_field(name) for name in ("answer", "option_order")}
_FIELDS["data"] = QuestionVersion._meta.get_field("data")


def _load(field, value):
    return field.from_db_value(value, None, connection) if value is not None else None


def read(*, attempt_id: int, position: int, officer_id=None, user_id=None, password=None):
    """The response row for the save, or None when it is not this officer's (or the session no longer holds)."""
    owner, owner_id = ("officer", officer_id) if officer_id is not None else ("user", user_id)
    sql = _read_sql(connection.vendor, owner, password is not None)
    params = ([password] if password is not None else []) + [attempt_id, position, owner_id]
    with _cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, seq, answer, flagged, order, data, status, deadline, officer_status = row
    if isinstance(deadline, str):  # SQLite hands back text
        deadline = parse_datetime(deadline)
    if deadline.tzinfo is None:  # stored in UTC where the database has no time zones
        deadline = deadline.replace(tzinfo=datetime.UTC)
    return {
        "id": pk,
        "seq": seq,
        "answer": _load(_FIELDS["answer"], answer),
        "flagged": bool(flagged),
        "option_order": _load(_FIELDS["option_order"], order) or [],
        "data": _load(_FIELDS["data"], data),
        "attempt_id": attempt_id,
        "status": status,
        "deadline": deadline,
        "officer_status": officer_status,
    }


def write(*, response_id: int, attempt_id: int, answer, seq: int, now, cutoff, flagged=None) -> bool:
    """Store the answer if the save is still newer and the attempt still open; True when it was stored."""
    params = _set_params(answer, seq, now, flagged) + [
        response_id,
        seq,
        attempt_id,
        Attempt.Status.IN_PROGRESS.value,
        connection.ops.adapt_datetimefield_value(cutoff),
    ]
    with _cursor() as cursor:
        cursor.execute(_write_sql(connection.vendor, flagged is not None), params)
        return cursor.rowcount == 1


def write_owned(
    *, attempt_id, position, user_id, password, answer, seq: int, now, cutoff, flagged=None
) -> bool | None:
    """The one-statement save (see the module's docstring): the stored flag when stored, None when not."""
    if not connection.features.can_return_columns_from_insert:  # SQLite < 3.35 has no RETURNING
        return None
    params = _set_params(answer, seq, now, flagged) + [
        attempt_id,
        position,
        seq,
        attempt_id,
        Attempt.Status.IN_PROGRESS.value,
        connection.ops.adapt_datetimefield_value(cutoff),
        Officer.Status.ACTIVE.value,
        user_id,
        password,
    ]
    with _cursor() as cursor:
        cursor.execute(_write_owned_sql(connection.vendor, flagged is not None), params)
        row = cursor.fetchone()
    return None if row is None else bool(row[0])
