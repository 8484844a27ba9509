"""The autosave hot path: the one request an examinee's phone sends for every answer change.

A city-wide exam means thousands of examinees saving at once, so this path costs one session read and one plain
SQL statement (two when the session does not hold the paper, e.g. for matching questions), and nothing else:

* **Who is asking.** Django's own check (`request.user`) reads the user row and compares the session's auth hash
  with an HMAC of the user's password hash. `VERIFIED` remembers, per process, the password hash Django accepted
  for a (user, session hash) pair; the autosave read then requires `auth_user.password` to still equal it and the
  user to still be active, in the same statement that reads the answer. A changed password or a deactivated
  account matches no row, the entry is dropped and the request goes through Django's full check again, which
  logs the stale session out exactly as for any other page. Nothing but this endpoint relies on the cache.
* **The paper** this device shows is kept in the (server-side) session by the attempt page: per position, the
  question type and the option order (what exams.paper needs to map display positions). With it a save needs no
  read: one UPDATE that applies only if the row is the session user's, the password hash unchanged, the account
  active, the attempt open, the response ungraded and the save newer; it returns the stored flag. When it
  stores nothing, the read below tells stale from closed from not found.
* **The read** is one join: the response, its attempt (open, not past deadline + grace), the officer (the
  session's user, and whether they still serve), the question version, with the option order needed to map
  display positions back.
* **A departed officer** (status `left`) saves nothing: the one-statement save requires a serving officer, and
  the read returns the officer's status so the service refuses and closes the attempt
  (services.close_attempt_of_departed).
* **The write** is one conditional UPDATE that applies only while the save is newer than the stored one, the
  attempt is open and the response is ungraded (see services.submit_attempt for the race with submitting).

The statements are written once per database vendor with table and column names from the models' _meta, so
they follow the schema, and run through Django's connection (its transactions, query logging and test machinery
included). On PostgreSQL they bind parameters on the server and are prepared once per connection, so the planner
does not run on every save (Django leaves statement preparation off by default for the sake of connection poolers;
a pooler in transaction mode needs PgBouncer ≥ 1.21 with max_prepared_statements set).
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from functools import cache

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import connection
from django.utils.dateparse import parse_datetime

from cms.models import Officer
from exams.models import Attempt, QuestionVersion, Response
from exams.paper import answer_shape


class LRU:
    """A small thread-safe least-recently-used map (gunicorn's gthread workers share one per process)."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            try:
                self._data.move_to_end(key)
            except KeyError:
                return None
            return self._data[key]

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def discard(self, key) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


# (user id, session auth hash) → the password hash Django verified that session against.
VERIFIED = LRU(50_000)


def cached_credentials(request) -> tuple[int, str] | None:
    """The session's user id and the password hash it was verified against, if this process verified it before."""
    session = request.session
    try:
        user_id = int(session[SESSION_KEY])
        session_hash = session[HASH_SESSION_KEY]
    except (KeyError, TypeError, ValueError):
        return None
    password = VERIFIED.get((user_id, session_hash))
    return None if password is None else (user_id, password)


def verified_credentials(request) -> tuple[int, str] | None:
    """Django's full session check (`request.user`); remembers the result for the next save of this session."""
    user = request.user
    if not user.is_authenticated:
        return None
    session_hash = request.session.get(HASH_SESSION_KEY)
    if session_hash:
        VERIFIED.put((user.pk, session_hash), user.password)
    return user.pk, user.password


PAPERS_KEY = "exams.autosave.papers"
MAX_PAPERS = 3  # attempts per session whose paper is kept (a real exam and a mock exam open at once, say)
# One letter per question type whose answer maps with the option order alone (short answers add their blank
# count). Matching questions need their texts: they are left out and take the read path.
TYPE_CODES = {
    "single_choice": "s",
    "multiple_choice": "m",
    "true_false": "t",
    "numerical": "n",
    "essay": "e",
    "short_answer": "a",
}
CODE_TYPES = {code: qtype for qtype, code in TYPE_CODES.items()}


def _compact(data: dict, order: list[int]):
    qtype = data.get("type")
    code = TYPE_CODES.get(qtype)
    if code is None:
        return None
    return [code, answer_shape(data)["blanks"]] if qtype == "short_answer" else [code, *order]


def remember_paper(session, attempt_id: int, responses) -> None:
    """Keep the attempt's paper in the session, compactly (every save loads the session): per position, the
    question type and option order. `responses` are the attempt's, in position order, with their version."""
    responses = list(responses)
    if any(r.position != i for i, r in enumerate(responses, start=1)):
        return  # positions not 1…n: no fast path for this paper
    entry = [_compact(r.version.data, r.option_order or []) for r in responses]
    papers = dict(session.get(PAPERS_KEY) or {})
    key = str(attempt_id)
    if papers.get(key) == entry:
        return
    papers.pop(key, None)
    papers[key] = entry
    while len(papers) > MAX_PAPERS:
        papers.pop(next(iter(papers)))
    session[PAPERS_KEY] = papers


def forget_paper(session, attempt_id: int) -> None:
    papers = session.get(PAPERS_KEY) or {}
    if str(attempt_id) in papers:
        session[PAPERS_KEY] = {k: v for k, v in papers.items() if k != str(attempt_id)}


def paper_entry(session, attempt_id: int, position: int) -> tuple | None:
    """(answer shape, option order) of the position, if the attempt page left it in the session."""
    try:
        code, *rest = session[PAPERS_KEY][str(attempt_id)][position - 1]
        qtype = CODE_TYPES[code]
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if qtype == "short_answer":
        return {"shape": 1, "type": qtype, "blanks": rest[0]}, []
    return {"shape": 1, "type": qtype}, rest


def forget(request) -> None:
    try:
        VERIFIED.discard((int(request.session[SESSION_KEY]), request.session[HASH_SESSION_KEY]))
    except (KeyError, TypeError, ValueError):
        pass


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
    from django.db.backends.postgresql import base

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
