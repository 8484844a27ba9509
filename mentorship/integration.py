"""What mentoring contributes to the shared shell, registered through cms.extensions from MentorshipConfig.ready():
audit labels, the "我的培训" section, the mentor lookup, the nav item, the nightly schedule, demo data and the
receivers of the lower apps' signals."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cms import extensions
from cms.selectors import has_role, officer_of
from mentorship import receivers, reference, schedules, selectors
from mentorship.models import Apprenticeship, Assignment, Pairing, Submission

AUDIT_ACTIONS = {
    "mentorship.apprenticeship_start": _("Started programme"),
    "mentorship.apprenticeship_withdraw": _("Withdrew from programme"),
    "mentorship.stage_complete": _("Completed stage"),
    "mentorship.pair": _("Paired mentor"),
    "mentorship.evidence_submit": _("Submitted milestone evidence"),
    "mentorship.evidence_approved": _("Signed off milestone"),
    "mentorship.evidence_returned": _("Returned milestone evidence"),
    "mentorship.evidence_revoked": _("Withdrew milestone sign-off"),
    "mentorship.assignment_set": _("Set task"),
    "mentorship.assignment_report": _("Reported on task"),
    "mentorship.assignment_review": _("Reviewed task"),
    "mentorship.evaluation": _("Recorded evaluation"),
}


def current_mentor(officer):
    return selectors.current_mentor(officer)


def shows_mentoring(user) -> bool:
    officer = officer_of(user)
    return officer is not None and (has_role(user, "mentor") or officer.apprenticeships.exists())


def my_training_section(request, officer):
    apprenticeship = (
        Apprenticeship.objects.filter(officer=officer, status=Apprenticeship.Status.IN_PROGRESS)
        .select_related("programme", "current_stage")
        .annotate(
            open_tasks=Count(
                "assignments",
                filter=Q(assignments__status__in=[Assignment.Status.OPEN, Assignment.Status.REDO]),
            )
        )
        .first()
    )
    mentored = Pairing.objects.filter(
        mentor=officer, ended_on__isnull=True, apprenticeship__status=Apprenticeship.Status.IN_PROGRESS
    )
    apprentices = mentored.count()
    if apprenticeship is None and not apprentices:
        return None
    pending = (
        Submission.objects.filter(
            apprenticeship__in=mentored.values("apprenticeship"), status=Submission.Status.PENDING
        ).count()
        if apprentices
        else 0
    )
    open_tasks = getattr(apprenticeship, "open_tasks", 0)
    next_steps = []  # for the 下一步 card of 我的培训
    if open_tasks:
        next_steps.append(
            {
                "label": _("Tasks from your mentor"),
                "tone": "warn",
                "url": reverse("mentorship:me"),
                "title": ngettext("%(n)d open task", "%(n)d open tasks", open_tasks) % {"n": open_tasks},
            }
        )
    if pending:
        next_steps.append(
            {
                "label": _("To review"),
                "tone": "warn",
                "url": reverse("mentorship:dashboard"),
                "title": ngettext(
                    "%(n)d submission from your apprentices",
                    "%(n)d submissions from your apprentices",
                    pending,
                )
                % {"n": pending},
            }
        )
    return {
        "template": "mentorship/section.html",
        "apprenticeship": apprenticeship,
        "open_tasks": open_tasks,
        "apprentices": apprentices,
        "pending": pending,
        "next_steps": next_steps,
    }


def evidence_waiting_figure(user, root):
    """待审核: milestone evidence of the subtree's apprentices still waiting for their mentor's review."""
    count = Submission.objects.filter(
        status=Submission.Status.PENDING,
        apprenticeship__status=Apprenticeship.Status.IN_PROGRESS,
        apprenticeship__officer__unit__path__startswith=root.path,
    ).count()
    return extensions.DashboardFigure(
        "evidence_waiting",
        _("Evidence waiting for review"),
        count,
        reverse("apprenticeships:index"),
        order=10,
    )


def register() -> None:
    receivers.connect()
    extensions.audit_actions(AUDIT_ACTIONS)
    extensions.mentor_lookup(current_mentor)
    extensions.my_training_section(my_training_section)
    extensions.nav_item("mentorship:dashboard", _("Mentoring"), shows_mentoring)
    extensions.schedules(schedules.SCHEDULES)
    extensions.role_permissions(reference.ROLE_PERMISSIONS)
    extensions.demo_seed("mentorship.demo", seed=20260104)
    extensions.dashboard_figure(evidence_waiting_figure)
