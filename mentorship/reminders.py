"""Reminders and escalation: waiting evidence, inactive apprentices, stages past due. Each notice is sent once."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Role, Unit, UserScope
from cms.notify import notify
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


def _leader_url(apprenticeship_id: int) -> str:
    """Where an escalated notice sends a unit leader: the apprenticeship's page in the admin."""
    return reverse("apprenticeships:inspect", args=[apprenticeship_id])


def send_due_reminders(*, today: datetime.date | None = None) -> int:
    """Remind and escalate; reminders are e-mailed as well as shown in the app, each once per recipient."""
    today = today or timezone.localdate()
    cfg = rules()
    sent = 0
    dashboard_url = reverse("mentorship:dashboard")
    me_url = reverse("mentorship:me")
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
            sent += notify(
                mentor.user,
                key=f"mentorship:review:{sub.pk}",
                title=title,
                body=sub.milestone.title,
                url=dashboard_url,
                email=True,
            )
        if sub.submitted_at <= escalate_cut:
            for leader in leaders_over(apprentice.unit):
                sent += notify(
                    leader,
                    key=f"mentorship:review-escalated:{sub.pk}",
                    title=_("Escalated: ") + title,
                    body=sub.milestone.title,
                    url=_leader_url(sub.apprenticeship_id),
                    email=True,
                )

    inactive_cut = timezone.now() - datetime.timedelta(days=cfg.inactivity_days)
    for a in Apprenticeship.objects.filter(
        status=Apprenticeship.Status.IN_PROGRESS, last_activity_at__lte=inactive_cut
    ).select_related("officer__user", "officer__unit"):
        stamp = timezone.localtime(a.last_activity_at).date().isoformat()
        sent += notify(
            a.officer.user,
            key=f"mentorship:inactive:{a.pk}:{stamp}",
            title=_("You have had no mentoring activity since %(date)s") % {"date": stamp},
            body=_("Submit evidence for a milestone or report on a task."),
            url=me_url,
            email=True,
        )
        if a.last_activity_at <= inactive_cut - datetime.timedelta(days=cfg.escalation_days):
            for leader in leaders_over(a.officer.unit):
                sent += notify(
                    leader,
                    key=f"mentorship:inactive-escalated:{a.pk}:{stamp}",
                    title=_("Escalated: %(name)s has been inactive since %(date)s")
                    % {"name": a.officer.name, "date": stamp},
                    url=_leader_url(a.pk),
                    email=True,
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
        key = f"mentorship:stage-due:{p.pk}"
        sent += notify(a.officer.user, key=key, title=title, url=me_url, email=True)
        mentor = active_mentors.get(a.pk)
        if mentor:
            sent += notify(mentor.user, key=key, title=title, url=dashboard_url, email=True)
        if today > p.due_on + datetime.timedelta(days=cfg.escalation_days):
            for leader in leaders_over(a.officer.unit):
                sent += notify(
                    leader,
                    key=f"mentorship:stage-due-escalated:{p.pk}",
                    title=_("Escalated: ") + title,
                    url=_leader_url(a.pk),
                    email=True,
                )
    return sent
