"""Appraisal's django-q2 tasks: thin, idempotent, taking ids (the case-file import's are in appraisal.importers.task)."""

from __future__ import annotations

from appraisal.services import rounds


def draw_round(round_id: int, user_id: int) -> str:
    """Draw a review round and assign its reviewers as the user who asked for it (queued by the round page through
    rounds.request_draw). Safe to deliver twice: a drawn round is left alone. Returns "done" or the refusal's code."""
    return rounds.run_requested_draw(round_id=round_id, user_id=user_id)
