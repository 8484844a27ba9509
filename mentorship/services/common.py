"""What every mentoring service shares: today's date, the refusal that names its rule, the activity stamp."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from mentorship.models import Apprenticeship


class NotPermitted(PermissionDenied):
    """The acting user may not do this (not the pair's mentor, not the apprentice); `code` names the rule."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message)
        self.code = code


def _today() -> datetime.date:
    return timezone.localdate()


def _touch(apprenticeship: Apprenticeship) -> None:
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(last_activity_at=timezone.now())
