"""The autosave hot path: the one request an examinee's phone sends for every answer change. This module owns its
session side (who is asking, which paper this device shows); the domain half is services.store_answer and the
statements are in exams.answer_sql.

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
  stores nothing, the read tells stale from closed from not found.
* **The read** is one join (answer_sql.read) of the response, its attempt, the officer (the session's user, and
  whether they still serve) and the question version; services.store_answer then decides and writes.
* **A departed officer** (status `left`) saves nothing: the one-statement save requires a serving officer, and
  the read returns the officer's status so the service refuses and closes the attempt
  (services.close_attempt_of_departed).
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone

from exams import paper
from exams.answer_sql import read, write_owned
from exams.models import GRACE_SECONDS, Attempt, Response
from exams.paper import answer_shape
from exams.services import SaveResult, store_answer


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


def save(request, *, attempt_id: int, position: int, raw, seq: int, flagged: bool | None = None):
    """Autosave one answer for the session's user: the services.SaveResult, or None when the session is not
    logged in. Raises Response.DoesNotExist when the position is not on the user's attempt, and
    services.OfficerLeftError when the officer no longer serves.

    A session this process verified before saves in one statement (with the paper in the session) or one read and
    one write; otherwise Django's full check runs first and is remembered for the next save."""
    credentials = cached_credentials(request)
    if credentials is not None:
        try:
            return _save_as(
                *credentials,
                known=paper_entry(request.session, attempt_id, position),
                attempt_id=attempt_id,
                position=position,
                raw=raw,
                seq=seq,
                flagged=flagged,
            )
        except Response.DoesNotExist:
            forget(request)  # not this officer's, or the session no longer holds: check it in full
    credentials = verified_credentials(request)
    if credentials is None:
        return None
    return _save_as(
        *credentials, known=None, attempt_id=attempt_id, position=position, raw=raw, seq=seq, flagged=flagged
    )


def _save_as(
    user_id: int, password: str, *, known, attempt_id: int, position: int, raw, seq: int, flagged, now=None
) -> SaveResult:
    """The save as the session's user (`password`: the hash the session was verified against). `known` (answer
    shape and option order: paper_entry) allows the one-statement save; when it stores nothing (stale, closed,
    not this user's, or the session no longer holds) the read finds out why."""
    now = now or timezone.now()
    if known is not None:
        shape, order = known
        answer = paper.answer_from_display(shape, order, raw)
        stored_flag = write_owned(
            attempt_id=attempt_id,
            position=position,
            user_id=user_id,
            password=password,
            answer=answer,
            seq=seq,
            now=now,
            cutoff=now - datetime.timedelta(seconds=GRACE_SECONDS),
            flagged=flagged,
        )
        if stored_flag is not None:
            return SaveResult(True, "saved", seq, paper.answer_to_display(shape, order, answer), stored_flag)
    row = read(attempt_id=attempt_id, position=position, user_id=user_id, password=password)
    if row is None:
        raise Response.DoesNotExist
    return store_answer(row=row, raw=raw, seq=seq, flagged=flagged, now=now)


STATE_FIELDS = ("status", "deadline", "officer__status")


def attempt_state(request, *, attempt_id: int) -> dict | None:
    """The state poll's read: the attempt's status and deadline and whether its officer still serves, for the
    session's user, in one query (the session check as for a save: cached per process, else Django's full check).
    None when the session is not logged in; raises Attempt.DoesNotExist when the attempt is not theirs."""

    def row(user_id: int, password: str):
        return (
            Attempt.objects.filter(
                pk=attempt_id,
                officer__user_id=user_id,
                officer__user__password=password,
                officer__user__is_active=True,
            )
            .values(*STATE_FIELDS)
            .first()
        )

    credentials = cached_credentials(request)
    if credentials is not None:
        found = row(*credentials)
        if found is not None:
            return found
        forget(request)  # not this officer's, or the session no longer holds: check it in full
    credentials = verified_credentials(request)
    if credentials is None:
        return None
    found = row(*credentials)
    if found is None:
        raise Attempt.DoesNotExist
    return found
