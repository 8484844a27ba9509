"""Reminders: due-soon and overdue notices to learners (in-app and e-mail) and an overdue summary to unit
leaders. Keyed notices, so a re-run never repeats one."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Officer
from cms.notify import notify
from cms.selectors import scope_unit
from courses.models import Enrolment


def _due_soon_days() -> int:
    return int(getattr(settings, "COURSES_DUE_SOON_DAYS", 7))


def send_reminders(*, today: datetime.date | None = None, days_ahead: int | None = None) -> dict:
    """Due-soon and overdue notices to learners, and an overdue summary to each unit leader whose scope covers
    the officer. Keys make each notice unique, so running this twice (or daily) never repeats one."""
    today = today or timezone.localdate()
    days_ahead = _due_soon_days() if days_ahead is None else days_ahead
    counts = {"due_soon": 0, "overdue": 0, "leader_summaries": 0}
    open_enrolments = Enrolment.objects.filter(
        completed_at__isnull=True,
        due_date__isnull=False,
        officer__status=Officer.Status.ACTIVE,
        officer__user__isnull=False,
        course__live=True,
    )
    soon = open_enrolments.filter(
        due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days_ahead)
    )
    for e in soon.select_related("officer__user", "course"):
        if notify(
            e.officer.user,
            key=f"courses.due_soon.{e.pk}.{e.due_date:%Y%m%d}",
            title=_("Course due soon: %(title)s") % {"title": e.course.title},
            body=_("Please complete the course by %(date)s.") % {"date": e.due_date.isoformat()},
            url=e.course.url,
            email=True,
        ):
            counts["due_soon"] += 1
    overdue = list(
        open_enrolments.filter(due_date__lt=today).select_related("officer__user", "officer__unit", "course")
    )
    for e in overdue:
        if notify(
            e.officer.user,
            key=f"courses.overdue.{e.pk}.{e.due_date:%Y%m%d}",
            title=_("Course overdue: %(title)s") % {"title": e.course.title},
            body=_("The course was due on %(date)s. Please complete it as soon as possible.")
            % {"date": e.due_date.isoformat()},
            url=e.course.url,
            email=True,
        ):
            counts["overdue"] += 1
    if overdue:
        leaders = get_user_model().objects.filter(groups__name="unit_leader", is_active=True).distinct()
        for leader in leaders:
            root = scope_unit(leader)
            if root is None:
                continue
            mine = sorted(
                (e for e in overdue if e.officer.unit.path.startswith(root.path)), key=lambda e: e.pk
            )
            if not mine:
                continue
            digest = hashlib.sha1(",".join(str(e.pk) for e in mine).encode()).hexdigest()[:16]
            lines = [
                f"{e.officer.name}（{e.officer.unit.name}）· {e.course.title} · {e.due_date:%Y-%m-%d}"
                for e in mine
            ]
            if notify(
                leader,
                key=f"courses.overdue_summary.{digest}",
                title=_("%(n)d overdue course enrolment(s) in %(unit)s")
                % {"n": len(mine), "unit": root.name},
                body="\n".join(lines),
                url=reverse("courses_progress_report"),
                email=True,
            ):
                counts["leader_summaries"] += 1
    return counts
