"""Read queries for mentoring, scoped to who asks: a mentor sees only their apprentices, an apprentice only their own."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Officer, Unit
from cms.selectors import officer_of, officers_visible_to, sees_subtree
from mentorship import requirements
from mentorship.models import (
    Apprenticeship,
    Assignment,
    Decision,
    MentorshipSettings,
    Milestone,
    Pairing,
    Programme,
    Stage,
    StageProgress,
    Submission,
)


def active_pairing(apprenticeship: Apprenticeship) -> Pairing | None:
    return next((p for p in apprenticeship.pairings.all() if p.ended_on is None), None)


def current_mentor(officer: Officer) -> Officer | None:
    pairing = (
        Pairing.objects.filter(
            apprenticeship__officer=officer,
            apprenticeship__status=Apprenticeship.Status.IN_PROGRESS,
            ended_on=None,
        )
        .select_related("mentor")
        .first()
    )
    return pairing.mentor if pairing else None


def apprenticeships_mentored_by(user) -> QuerySet[Apprenticeship]:
    """Apprenticeships the user mentors now (an active pairing)."""
    officer = officer_of(user)
    if officer is None:
        return Apprenticeship.objects.none()
    return Apprenticeship.objects.filter(pairings__mentor=officer, pairings__ended_on__isnull=True)


def apprenticeships_visible_to(user) -> QuerySet[Apprenticeship]:
    """Staff see their subtree; a mentor their current apprentices; an apprentice their own."""
    if not user or not user.is_authenticated:
        return Apprenticeship.objects.none()
    if user.is_superuser or sees_subtree(user):
        return Apprenticeship.objects.filter(officer__in=officers_visible_to(user).values("pk"))
    officer = officer_of(user)
    if officer is None:
        return Apprenticeship.objects.none()
    return Apprenticeship.objects.filter(
        Q(officer=officer) | Q(pairings__mentor=officer, pairings__ended_on__isnull=True)
    ).distinct()


def mentor_can_act(user, apprenticeship: Apprenticeship) -> bool:
    officer = officer_of(user)
    return (
        officer is not None and apprenticeship.pairings.filter(mentor=officer, ended_on__isnull=True).exists()
    )


def programme_for(officer: Officer) -> Programme | None:
    """The active programme of the officer's unit or its nearest ancestor that covers their staff category."""
    unit = officer.unit
    ancestor_paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    candidates = [
        p
        for p in Programme.objects.filter(is_active=True, unit__path__in=ancestor_paths).select_related(
            "unit"
        )
        if p.covers(officer.staff_category)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (len(p.unit.path), p.version))


@dataclass
class RequirementState:
    label: str
    met: bool
    detail: str = ""


@dataclass
class StageCheck:
    stage: Stage
    progress: StageProgress | None
    items: list[RequirementState] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(item.met for item in self.items)

    @property
    def remaining(self) -> list[RequirementState]:
        return [item for item in self.items if not item.met]


def signed_off_milestone_ids(apprenticeship: Apprenticeship) -> set[int]:
    """Milestones whose latest decision across the apprentice's evidence is a sign-off."""
    return set(
        Submission.objects.filter(
            apprenticeship=apprenticeship, status=Submission.Status.APPROVED
        ).values_list("milestone_id", flat=True)
    )


def check_stage(
    apprenticeship: Apprenticeship, stage: Stage, *, today: datetime.date | None = None
) -> StageCheck:
    today = today or timezone.localdate()
    progress = StageProgress.objects.filter(apprenticeship=apprenticeship, stage=stage).first()
    check = StageCheck(stage=stage, progress=progress)
    officer_id = apprenticeship.officer_id
    for req in stage.requirements.select_related("course", "session", "exam"):
        if req.kind == req.Kind.COURSE:
            check.items.append(
                RequirementState(
                    _("Complete the course “%(name)s”") % {"name": req.course.title},
                    requirements.course_completed(officer_id, req.course_id),
                )
            )
        elif req.kind == req.Kind.SESSION:
            label = _("Attend the training “%(name)s”") % {"name": req.session.title}
            if req.min_score is not None:
                label += _(" with an assessment score of at least %(score)s") % {"score": req.min_score}
            check.items.append(
                RequirementState(
                    label, requirements.session_passed(officer_id, req.session_id, req.min_score)
                )
            )
        elif req.kind == req.Kind.EXAM:
            check.items.append(
                RequirementState(
                    _("Pass the exam “%(name)s”") % {"name": req.exam.title},
                    requirements.exam_passed(officer_id, req.exam_id),
                )
            )
    done = signed_off_milestone_ids(apprenticeship)
    for milestone in stage.milestones.all():
        check.items.append(
            RequirementState(
                _("Milestone signed off: %(title)s") % {"title": milestone.title}, milestone.pk in done
            )
        )
    if stage.min_days:
        started = progress.started_on if progress else today
        days = (today - started).days
        check.items.append(
            RequirementState(
                _("At least %(days)s days in this stage") % {"days": stage.min_days},
                days >= stage.min_days,
                _("%(days)s days so far") % {"days": max(days, 0)},
            )
        )
    return check


def mentor_dashboard(user, *, today: datetime.date | None = None) -> dict:
    """Everything the mentor dashboard shows, in a bounded number of queries."""
    today = today or timezone.localdate()
    apprenticeships = list(
        apprenticeships_mentored_by(user)
        .filter(status=Apprenticeship.Status.IN_PROGRESS)
        .select_related("officer__unit", "current_stage", "programme")
        .prefetch_related(
            Prefetch("stage_progress", queryset=StageProgress.objects.select_related("stage")),
            Prefetch("programme__stages", queryset=Stage.objects.order_by("order")),
        )
        .annotate(
            open_tasks=Count(
                "assignments",
                filter=Q(assignments__status__in=[Assignment.Status.OPEN, Assignment.Status.REDO]),
                distinct=True,
            )
        )
        .order_by("officer__name")
    )
    pending = list(
        Submission.objects.filter(
            apprenticeship__in=[a.pk for a in apprenticeships], status=Submission.Status.PENDING
        )
        .select_related("milestone", "apprenticeship__officer")
        .prefetch_related("attachments")
        .order_by("submitted_at")
    )
    reports = list(
        Assignment.objects.filter(
            apprenticeship__in=[a.pk for a in apprenticeships], status=Assignment.Status.REPORTED
        )
        .select_related("apprenticeship__officer")
        .prefetch_related("reports")
        .order_by("created_at")
    )
    rows = []
    for a in apprenticeships:
        current = next((p for p in a.stage_progress.all() if p.stage_id == a.current_stage_id), None)
        stages = list(a.programme.stages.all())
        position = next((i for i, s in enumerate(stages) if s.pk == a.current_stage_id), 0)
        rows.append(
            {
                "apprenticeship": a,
                "stage_progress": current,
                "overdue": bool(current and current.is_overdue(today)),
                "percent": round(100 * position / len(stages)) if stages else 0,
                "stage_number": position + 1,
                "stage_count": len(stages),
                "pending": sum(1 for s in pending if s.apprenticeship_id == a.pk),
            }
        )
    rows.sort(key=lambda r: (-r["pending"], not r["overdue"], r["apprenticeship"].officer.name))
    return {"rows": rows, "pending": pending, "reports": reports, "today": today}


def apprenticeship_detail(apprenticeship: Apprenticeship, *, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    stages = list(apprenticeship.programme.stages.order_by("order").prefetch_related("milestones"))
    progress = {p.stage_id: p for p in apprenticeship.stage_progress.all()}
    submissions = list(
        apprenticeship.submissions.select_related("milestone").prefetch_related(
            "attachments", Prefetch("decisions", queryset=Decision.objects.select_related("decided_by"))
        )
    )
    assignments = list(
        apprenticeship.assignments.select_related("milestone").prefetch_related(
            "reports__attachments", "reviews"
        )
    )
    check = (
        check_stage(apprenticeship, apprenticeship.current_stage, today=today)
        if apprenticeship.current_stage
        else None
    )
    timeline = [
        {
            "stage": s,
            "progress": progress.get(s.pk),
            "overdue": bool(progress.get(s.pk) and progress[s.pk].is_overdue(today)),
            "current": s.pk == apprenticeship.current_stage_id,
        }
        for s in stages
    ]
    current_milestones = []
    if apprenticeship.current_stage:
        by_milestone: dict[int, list[Submission]] = {}
        for sub in submissions:
            by_milestone.setdefault(sub.milestone_id, []).append(sub)
        for m in apprenticeship.current_stage.milestones.all():
            subs = by_milestone.get(m.pk, [])
            current_milestones.append(
                {
                    "milestone": m,
                    "submissions": subs,
                    "signed_off": any(s.status == Submission.Status.APPROVED for s in subs),
                    "pending": any(s.status == Submission.Status.PENDING for s in subs),
                }
            )
    return {
        "apprenticeship": apprenticeship,
        "timeline": timeline,
        "check": check,
        "milestones": current_milestones,
        "submissions": submissions,
        "assignments": assignments,
        "evaluations": list(apprenticeship.evaluations.select_related("stage", "mentor")),
        "pairings": list(apprenticeship.pairings.select_related("mentor")),
        "today": today,
    }


def mentor_load(mentor_ids) -> dict[int, int]:
    rows = (
        Pairing.objects.filter(
            mentor_id__in=mentor_ids,
            ended_on__isnull=True,
            apprenticeship__status=Apprenticeship.Status.IN_PROGRESS,
        )
        .values("mentor_id")
        .annotate(n=Count("id"))
    )
    return {r["mentor_id"]: r["n"] for r in rows}


def rules() -> MentorshipSettings:
    return MentorshipSettings.load()


def milestones_of(stage: Stage) -> QuerySet[Milestone]:
    return stage.milestones.all()
