"""Reminders and escalation: waiting evidence, inactive apprentices, stages past due. Each notice is sent once."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Notification, Role, Unit, UserScope
from mentorship.models import Apprenticeship, Pairing, StageProgress, Submission
from mentorship.selectors import rules


def leaders_over(unit: Unit) -> list:
    """Unit leaders whose scope covers `unit` (their scope unit is the unit or one of its ancestors)."""
    User = get_user_model()
    prefixes = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    scoped = UserScope.objects.filter(unit__path__in=prefixes).values("user_id")
    return list(
        User.objects.filter(groups__name=Role.UNIT_LEADER, is_active=True)
        .filter(Q(pk__in=scoped) | Q(officer__unit__path__in=prefixes, scope__isnull=True))
        .distinct()
    )


def _send(user, key: str, title: str, body: str, url: str) -> bool:
    """Create the notice once (unique key per recipient) and email it if the user has an address."""
    if user is None:
        return False
    notice, created = Notification.objects.get_or_create(
        recipient=user, key=key, defaults={"title": title[:200], "body": body, "url": url}
    )
    if created and user.email:
        send_mail(title, f"{body}\n\n{url}", None, [user.email], fail_silently=True)
        Notification.objects.filter(pk=notice.pk).update(emailed=True)
    return created


def send_due_reminders(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    cfg = rules()
    sent = 0
    review_cut = timezone.now() - datetime.timedelta(days=cfg.review_reminder_days)
    escalate_cut = review_cut - datetime.timedelta(days=cfg.escalation_days)
    waiting = Submission.objects.filter(
        status=Submission.Status.PENDING,
        submitted_at__lte=review_cut,
        apprenticeship__status=Apprenticeship.Status.IN_PROGRESS,
    ).select_related("milestone", "apprenticeship__officer__unit")
    active_mentors = {
        p.apprenticeship_id: p.mentor
        for p in Pairing.objects.filter(ended_on__isnull=True).select_related("mentor__user")
    }
    for sub in waiting:
        apprentice = sub.apprenticeship.officer
        mentor = active_mentors.get(sub.apprenticeship_id)
        title = _("Evidence from %(name)s has waited for your review since %(date)s") % {
            "name": apprentice.name,
            "date": timezone.localtime(sub.submitted_at).date().isoformat(),
        }
        if mentor:
            sent += _send(
                mentor.user, f"mentorship:review:{sub.pk}", title, sub.milestone.title, "/mentoring/"
            )
        if sub.submitted_at <= escalate_cut:
            for leader in leaders_over(apprentice.unit):
                sent += _send(
                    leader,
                    f"mentorship:review-escalated:{sub.pk}",
                    _("Escalated: ") + title,
                    sub.milestone.title,
                    "/admin/",
                )

    inactive_cut = timezone.now() - datetime.timedelta(days=cfg.inactivity_days)
    for a in Apprenticeship.objects.filter(
        status=Apprenticeship.Status.IN_PROGRESS, last_activity_at__lte=inactive_cut
    ).select_related("officer__user", "officer__unit"):
        stamp = timezone.localtime(a.last_activity_at).date().isoformat()
        sent += _send(
            a.officer.user,
            f"mentorship:inactive:{a.pk}:{stamp}",
            _("You have had no mentoring activity since %(date)s") % {"date": stamp},
            _("Submit evidence for a milestone or report on a task."),
            "/mentoring/me/",
        )
        if a.last_activity_at <= inactive_cut - datetime.timedelta(days=cfg.escalation_days):
            for leader in leaders_over(a.officer.unit):
                sent += _send(
                    leader,
                    f"mentorship:inactive-escalated:{a.pk}:{stamp}",
                    _("Escalated: %(name)s has been inactive since %(date)s")
                    % {"name": a.officer.name, "date": stamp},
                    "",
                    "/admin/",
                )

    overdue = StageProgress.objects.filter(
        completed_on__isnull=True, due_on__lt=today, apprenticeship__status=Apprenticeship.Status.IN_PROGRESS
    ).select_related("stage", "apprenticeship__officer__user", "apprenticeship__officer__unit")
    for p in overdue:
        a = p.apprenticeship
        title = _("Stage “%(stage)s” of %(name)s was due on %(date)s") % {
            "stage": p.stage.name,
            "name": a.officer.name,
            "date": p.due_on.isoformat(),
        }
        sent += _send(a.officer.user, f"mentorship:stage-due:{p.pk}", title, "", "/mentoring/me/")
        mentor = active_mentors.get(a.pk)
        if mentor:
            sent += _send(mentor.user, f"mentorship:stage-due:{p.pk}", title, "", "/mentoring/")
        if today > p.due_on + datetime.timedelta(days=cfg.escalation_days):
            for leader in leaders_over(a.officer.unit):
                sent += _send(
                    leader, f"mentorship:stage-due-escalated:{p.pk}", _("Escalated: ") + title, "", "/admin/"
                )
    return sent
