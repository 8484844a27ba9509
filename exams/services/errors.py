"""The exceptions exams services raise when a rule refuses a request."""

from __future__ import annotations

from django.utils.translation import gettext as _


class ExamError(Exception):
    """A rule of the exam refuses the request; the message is translated and shown to the user.

    `code` names the rule that fired (stable, for callers and tests): e.g. "not_markable", "own_attempt"."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(message)
        self.code = code


class OfficerLeftError(ExamError):
    """The examinee is no longer serving (status `left`): their open attempt takes no more answers."""

    def __init__(self):
        super().__init__(
            _(
                "You are no longer a serving officer, so this exam attempt is closed and takes no more answers."
            ),
            code="officer_left",
        )
