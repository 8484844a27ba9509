"""Sign-in throttling per username: a growing delay after repeated failures, never a hard lock, and the one-step unlock.

django-axes locks a (username, client IP) pair after AXES_FAILURE_LIMIT failures, so a stranger elsewhere cannot
lock an officer out. On top of that, failures for one username from any address make every further attempt for it
wait 2^k seconds (capped at LOGIN_DELAY_MAX_SECONDS), so a password-guesser spread over many addresses is slowed.
The failures are axes' own AccessAttempt rows (one per username + IP + user agent), so they expire with axes'
cool-off and an unlock clears both at once.
"""

from __future__ import annotations

import datetime
import math

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cms import audit
from cms.selectors import officer_of


def username_failures(username: str) -> tuple[int, object]:
    """Failed sign-ins for `username` from any address still inside axes' cool-off, and when the last one was."""
    row = (
        _counted()
        .filter(username=username)
        .aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    return row["n"] or 0, row["last"]


def _counted():
    """Attempt rows still inside axes' cool-off (axes deletes older ones lazily, so they may still be stored)."""
    since = timezone.now() - datetime.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return AccessAttempt.objects.filter(attempt_time__gte=since)


def delay_for(failures: int) -> int:
    """Seconds an attempt must wait after the last failure: none up to the limit, then 2, 4, 8 … up to the cap."""
    limit = settings.AXES_FAILURE_LIMIT
    if failures < limit:
        return 0
    return min(2 ** min(failures - limit + 1, 30), settings.LOGIN_DELAY_MAX_SECONDS)


def seconds_to_wait(username: str) -> int:
    """How long an attempt for `username` must still wait now (0: it may try)."""
    if not username:
        return 0
    failures, last = username_failures(username)
    if not failures or last is None:
        return 0
    remaining = delay_for(failures) - (timezone.now() - last).total_seconds()
    return max(0, math.ceil(remaining))


class LoginDelayMiddleware:
    """Answers a sign-in POST with 429 and Retry-After while its username must still wait; the password is not
    checked and the attempt is not counted, so waiting is enough to get through."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: set[str] | None = None

    def login_paths(self) -> set[str]:
        if self._paths is None:
            self._paths = {reverse("login"), reverse("wagtailadmin_login")}
        return self._paths

    def __call__(self, request):
        if request.method == "POST" and request.path_info in self.login_paths():
            wait = seconds_to_wait(request.POST.get("username", ""))
            if wait:
                response = render(request, "registration/login_delayed.html", {"seconds": wait}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)


def failed_usernames(usernames=None) -> list[dict]:
    """Usernames with failed sign-ins still counted (optionally only among `usernames`), most failures first."""
    qs = _counted().exclude(username__isnull=True).exclude(username="")
    if usernames is not None:
        qs = qs.filter(username__in=usernames)
    rows = qs.values("username").annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    now = timezone.now()
    result = []
    for row in rows:
        wait = max(0, math.ceil(delay_for(row["failures"]) - (now - row["last"]).total_seconds()))
        locked = row["failures"] >= settings.AXES_FAILURE_LIMIT
        result.append({**row, "wait": wait, "locked": locked})
    result.sort(key=lambda r: (-r["failures"], r["username"]))
    return result


def unlock_sign_in(*, username: str, by) -> int:
    """Clear every failed sign-in of `username` (all addresses): axes' locks and the delay go together. Audited."""
    with transaction.atomic():
        failures = (
            AccessAttempt.objects.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0
        )
        AccessAttempt.objects.filter(username=username).delete()
        user = _user_named(username)
        audit.record(
            actor=by,
            action="cms.login_unlock",
            obj=user,
            object_repr=username,
            unit=_unit_of(user),
            before={"failures": failures},
        )
    return failures


def _unit_of(user):
    officer = officer_of(user) if user is not None else None
    return officer.unit if officer is not None else None


def _user_named(username: str):
    User = get_user_model()
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
