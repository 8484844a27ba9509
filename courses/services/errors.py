"""The one exception courses services raise when a rule refuses an action."""

from __future__ import annotations


class CoursesError(Exception):
    """A refused action, with a translated message for the learner or staff member.

    `code` names the rule that fired (stable, for callers and tests): e.g. "not_enrolled", "checkin_locked"."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(message)
        self.code = code
