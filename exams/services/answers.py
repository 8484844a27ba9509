"""Saving an answer during an attempt (the autosave's domain half; exams.autosave owns the session fast path)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from cms.models import Officer
from exams import answer_sql, paper
from exams.models import (
    GRACE_SECONDS,
    Attempt,
    Response,
)
from exams.services.attempts import close_attempt_of_departed, finalize_if_overdue
from exams.services.errors import OfficerLeftError


@dataclass
class SaveResult:
    ok: bool
    reason: str  # "saved" | "stale" | "closed"
    seq: int
    answer: object  # the stored answer, in display positions
    flagged: bool


def save_answer(
    *,
    attempt_id: int,
    officer: Officer,
    position: int,
    raw,
    seq: int,
    flagged: bool | None = None,
    now=None,
) -> SaveResult:
    """Save one answer of `officer`'s attempt. A save whose seq is not newer than the stored one is stale and
    changes nothing. Raises Response.DoesNotExist when the position is not on this officer's attempt, and
    OfficerLeftError (closing the attempt) when the officer no longer serves.

    Two statements and no explicit transaction (exams.answer_sql): one read of the response with its attempt,
    then one conditional UPDATE (store_answer). The autosave endpoint reaches store_answer through its own session
    fast path (exams.autosave.save)."""
    now = now or timezone.now()
    row = answer_sql.read(attempt_id=attempt_id, position=position, officer_id=officer.pk)
    if row is None:
        raise Response.DoesNotExist
    return store_answer(row=row, raw=raw, seq=seq, flagged=flagged, now=now)


def store_answer(*, row: dict, raw, seq: int, flagged: bool | None = None, now=None) -> SaveResult:
    """Store an answer into the response `row` (as exams.answer_sql.read returns it, already checked to be the
    examinee's). The UPDATE only applies while the save is newer, the attempt is open and the response is
    ungraded: submitting locks the responses before grading and sets their auto_score, so a save racing a submit
    either lands before the grading reads it or is refused (never stored ungraded). A departed officer's save
    closes the attempt and raises OfficerLeftError; a save to a closed attempt submits it if it is overdue."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=GRACE_SECONDS)
    attempt_id = row["attempt_id"]
    if row["officer_status"] != Officer.Status.ACTIVE:
        # The autosave's one-statement save requires a serving officer too, so a departed officer's save lands here.
        close_attempt_of_departed(attempt_id=attempt_id, now=now)
        raise OfficerLeftError()
    data, order = row["data"], row["option_order"]
    is_open = row["status"] == Attempt.Status.IN_PROGRESS and row["deadline"] >= cutoff
    if is_open and seq > row["seq"]:
        answer = paper.answer_from_display(data, order, raw)
        if answer_sql.write(
            response_id=row["id"],
            attempt_id=attempt_id,
            answer=answer,
            seq=seq,
            now=now,
            cutoff=cutoff,
            flagged=flagged,
        ):
            return SaveResult(
                True,
                "saved",
                seq,
                paper.answer_to_display(data, order, answer),
                row["flagged"] if flagged is None else bool(flagged),
            )
        row = (
            Response.objects.filter(pk=row["id"])
            .values("seq", "answer", "flagged", "attempt__status", "attempt__deadline")
            .first()
        )
        is_open = row["attempt__status"] == Attempt.Status.IN_PROGRESS and row["attempt__deadline"] >= cutoff
    if not is_open:
        finalize_if_overdue(attempt_id=attempt_id, now=now)
    return SaveResult(
        False,
        "stale" if is_open else "closed",
        row["seq"],
        paper.answer_to_display(data, order, row["answer"]),
        row["flagged"],
    )
