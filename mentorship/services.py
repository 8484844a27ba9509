"""State changes for mentoring. Each takes the acting user, runs in one transaction and writes the audit record."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit, uploads
from cms.models import Officer
from mentorship import requirements, selectors
from mentorship.models import (
    APPRENTICE_RUBRIC,
    MENTOR_RUBRIC,
    Apprenticeship,
    Assignment,
    AssignmentReport,
    AssignmentReview,
    Attachment,
    Decision,
    Evaluation,
    Milestone,
    Pairing,
    Programme,
    Stage,
    StageProgress,
    Submission,
)


def _today() -> datetime.date:
    return timezone.localdate()


def _enter_stage(apprenticeship: Apprenticeship, stage: Stage, *, by, on: datetime.date) -> StageProgress:
    due = stage.due_date(hire_date=apprenticeship.hire_date, started_on=on)
    progress, _created = StageProgress.objects.get_or_create(
        apprenticeship=apprenticeship, stage=stage, defaults={"started_on": on, "due_on": due}
    )
    apprenticeship.current_stage = stage
    apprenticeship.save(update_fields=["current_stage"])
    courses = [r.course for r in stage.requirements.filter(kind="course").select_related("course")]
    if courses:
        transaction.on_commit(
            lambda: _enrol_after_commit(
                apprenticeship.officer_id, [c.pk for c in courses], getattr(by, "pk", None), progress.due_on
            )
        )
    return progress


def _enrol_after_commit(officer_id, course_ids, by_id, due_on):
    from django.contrib.auth import get_user_model

    from courses.models import CoursePage

    officer = Officer.objects.get(pk=officer_id)
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    requirements.enrol_in_courses(
        officer=officer, courses=CoursePage.objects.filter(pk__in=course_ids), by=by, due_on=due_on
    )


@transaction.atomic
def start_apprenticeship(
    *,
    officer: Officer,
    by,
    programme: Programme | None = None,
    hire_date: datetime.date | None = None,
    started_on: datetime.date | None = None,
) -> Apprenticeship | None:
    """Start the programme for an officer (idempotent: returns the running one if there is one)."""
    existing = Apprenticeship.objects.filter(
        officer=officer, status=Apprenticeship.Status.IN_PROGRESS
    ).first()
    if existing:
        return existing
    programme = programme or selectors.programme_for(officer)
    if programme is None:
        return None
    first = programme.stages.order_by("order").first()
    if first is None:
        raise ValidationError(_("The programme “%(name)s” has no stages.") % {"name": programme.name})
    if hire_date is None:
        spell = officer.spells.filter(leave_date__isnull=True).order_by("-hire_date").first()
        hire_date = spell.hire_date if spell else _today()
    start = started_on or max(hire_date, _today())
    try:
        with transaction.atomic():
            apprenticeship = Apprenticeship.objects.create(
                officer=officer, programme=programme, hire_date=hire_date, started_on=start
            )
    except IntegrityError:  # a concurrent start won
        return Apprenticeship.objects.get(officer=officer, status=Apprenticeship.Status.IN_PROGRESS)
    _enter_stage(apprenticeship, first, by=by, on=start)
    audit.record(
        actor=by,
        action="mentorship.apprenticeship_start",
        obj=apprenticeship,
        unit=officer.unit,
        after={"programme": programme.pk, "stage": first.pk, "hire_date": hire_date},
    )
    return apprenticeship


@transaction.atomic
def withdraw(*, apprenticeship: Apprenticeship, by, reason: str, on: datetime.date | None = None) -> None:
    apprenticeship = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
    if apprenticeship.status != Apprenticeship.Status.IN_PROGRESS:
        return
    on = on or _today()
    apprenticeship.status = Apprenticeship.Status.WITHDRAWN
    apprenticeship.ended_on = on
    apprenticeship.save(update_fields=["status", "ended_on"])
    Pairing.objects.filter(apprenticeship=apprenticeship, ended_on__isnull=True).update(
        ended_on=on, end_reason=reason[:200]
    )
    audit.record(
        actor=by,
        action="mentorship.apprenticeship_withdraw",
        obj=apprenticeship,
        unit=apprenticeship.officer.unit,
        after={"reason": reason, "on": on},
    )


@transaction.atomic
def evaluate(*, apprenticeship_id: int, by=None, today: datetime.date | None = None) -> int:
    """Advance through every finished stage. Returns how many stages were completed. Idempotent."""
    today = today or _today()
    apprenticeship = (
        Apprenticeship.objects.select_for_update()
        .select_related("officer__unit", "programme")
        .get(pk=apprenticeship_id)
    )
    advanced = 0
    while apprenticeship.status == Apprenticeship.Status.IN_PROGRESS and apprenticeship.current_stage_id:
        stage = apprenticeship.current_stage
        check = selectors.check_stage(apprenticeship, stage, today=today)
        if not check.met:
            break
        StageProgress.objects.filter(
            apprenticeship=apprenticeship, stage=stage, completed_on__isnull=True
        ).update(completed_on=today)
        advanced += 1
        following = apprenticeship.programme.stages.filter(order__gt=stage.order).order_by("order").first()
        audit.record(
            actor=by,
            action="mentorship.stage_complete",
            obj=apprenticeship,
            unit=apprenticeship.officer.unit,
            after={"stage": stage.pk, "stage_name": stage.name, "next": following.pk if following else None},
        )
        if following is None:
            apprenticeship.status = Apprenticeship.Status.COMPLETED
            apprenticeship.ended_on = today
            apprenticeship.save(update_fields=["status", "ended_on"])
            break
        _enter_stage(apprenticeship, following, by=by, on=today)
    return advanced


def mentor_problems(
    mentor: Officer, *, today: datetime.date | None = None, exclude_apprenticeship=None
) -> list[str]:
    """Why this officer may not take another apprentice now (empty list: eligible)."""
    today = today or _today()
    rules = selectors.rules()
    problems = []
    if mentor.status != Officer.Status.ACTIVE:
        problems.append(_("is not in post"))
    first_hire = mentor.spells.order_by("hire_date").values_list("hire_date", flat=True).first()
    years = (today - first_hire).days / 365.25 if first_hire else 0
    if years < rules.mentor_min_years:
        problems.append(
            _("has %(years).1f years' tenure, fewer than %(min)s")
            % {"years": years, "min": rules.mentor_min_years}
        )
    if rules.mentor_requires_qualification and mentor.pk not in requirements.qualified_officer_ids(
        [mentor.pk], today
    ):
        problems.append(_("holds no valid qualification"))
    load = Pairing.objects.filter(mentor=mentor, ended_on__isnull=True, apprenticeship__status="in_progress")
    if exclude_apprenticeship is not None:
        load = load.exclude(apprenticeship=exclude_apprenticeship)
    if load.count() >= rules.mentor_max_apprentices:
        problems.append(
            _("already has %(n)s apprentices (at most %(max)s)")
            % {"n": load.count(), "max": rules.mentor_max_apprentices}
        )
    return problems


def suggest_mentors(
    apprenticeship: Apprenticeship, *, limit: int = 10, today: datetime.date | None = None
) -> list[dict]:
    """Eligible mentors ranked by same unit, shared specialties and current load (lighter first)."""
    today = today or _today()
    rules = selectors.rules()
    apprentice = apprenticeship.officer
    wanted = set(apprentice.specialties.values_list("pk", flat=True))
    cutoff = today - datetime.timedelta(days=int(rules.mentor_min_years * 365.25))
    district_path = apprentice.unit.path[: 2 * apprentice.unit.steplen]
    candidates = list(
        Officer.objects.filter(
            status=Officer.Status.ACTIVE, unit__path__startswith=district_path, spells__hire_date__lte=cutoff
        )
        .exclude(pk=apprentice.pk)
        .select_related("unit")
        .prefetch_related("specialties")
        .distinct()
    )
    if rules.mentor_requires_qualification:
        qualified = requirements.qualified_officer_ids([c.pk for c in candidates], today)
        candidates = [c for c in candidates if c.pk in qualified]
    load = selectors.mentor_load([c.pk for c in candidates])
    ranked = []
    for c in candidates:
        n = load.get(c.pk, 0)
        if n >= rules.mentor_max_apprentices:
            continue
        shared = [s for s in c.specialties.all() if s.pk in wanted]
        same_unit = c.unit_id == apprentice.unit_id
        score = (3 if same_unit else 0) + 2 * len(shared) - n
        ranked.append({"mentor": c, "score": score, "same_unit": same_unit, "shared": shared, "load": n})
    ranked.sort(key=lambda r: (-r["score"], r["mentor"].name))
    return ranked[:limit]


@transaction.atomic
def pair(
    *,
    apprenticeship: Apprenticeship,
    mentor: Officer,
    by,
    started_on: datetime.date | None = None,
    reason: str = "",
) -> Pairing:
    """Pair a mentor with an apprentice, ending the current pairing (history is kept)."""
    started_on = started_on or _today()
    if mentor.pk == apprenticeship.officer_id:
        raise ValidationError(_("An officer cannot mentor themself."))
    problems = mentor_problems(mentor, today=started_on, exclude_apprenticeship=apprenticeship)
    if problems:
        raise ValidationError(
            _("%(name)s cannot mentor now: %(problems)s")
            % {"name": mentor.name, "problems": "；".join(problems)}
        )
    current = (
        Pairing.objects.select_for_update()
        .filter(apprenticeship=apprenticeship, ended_on__isnull=True)
        .first()
    )
    if current and current.mentor_id == mentor.pk:
        return current
    if current:
        current.ended_on = started_on
        current.end_reason = reason or _("Re-paired")
        current.save(update_fields=["ended_on", "end_reason"])
    pairing = Pairing.objects.create(
        apprenticeship=apprenticeship,
        mentor=mentor,
        started_on=started_on,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit.record(
        actor=by,
        action="mentorship.pair",
        obj=apprenticeship,
        unit=apprenticeship.officer.unit,
        before={"mentor": current.mentor_id} if current else None,
        after={"mentor": mentor.pk, "mentor_name": mentor.name, "started_on": started_on, "reason": reason},
    )
    return pairing


def _check_files(files, *, by) -> list[uploads.CheckedUpload]:
    """Detect each file's type from its content and apply the caps, counting what `by` already stores."""
    files = list(files)
    if not files:
        return []
    # Lock the uploader's apprenticeships so two submissions at once cannot both fit under the quota.
    list(Apprenticeship.objects.select_for_update().filter(officer__user=by).values_list("pk", flat=True))
    used = Attachment.objects.filter(
        Q(submission__apprenticeship__officer__user=by)
        | Q(report__assignment__apprenticeship__officer__user=by)
    ).aggregate(total=Sum("size"))["total"]
    return uploads.check_uploads(files, used_bytes=used or 0)


def _attach(checked: list[uploads.CheckedUpload], stored: list[str], **owner) -> None:
    for c in checked:
        name = uploads.store(c, prefix="evidence")
        stored.append(name)
        Attachment.objects.create(
            file=name, original_name=c.original_name, content_type=c.content_type, size=c.size, **owner
        )


def _touch(apprenticeship: Apprenticeship) -> None:
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(last_activity_at=timezone.now())


@transaction.atomic
def submit_evidence(
    *,
    apprenticeship: Apprenticeship,
    milestone: Milestone,
    by,
    text: str,
    happened_on: datetime.date,
    place: str = "",
    files=(),
) -> Submission:
    if apprenticeship.officer.user_id != by.pk:
        raise PermissionDenied
    if apprenticeship.status != Apprenticeship.Status.IN_PROGRESS:
        raise ValidationError(_("This apprenticeship is no longer in progress."))
    if milestone.stage.programme_id != apprenticeship.programme_id:
        raise ValidationError(_("This milestone is not part of your programme."))
    if not text.strip():
        raise ValidationError({"text": _("Describe what you did.")})
    if happened_on > _today():
        raise ValidationError({"happened_on": _("The date cannot be in the future.")})
    if Submission.objects.filter(
        apprenticeship=apprenticeship,
        milestone=milestone,
        status__in=[Submission.Status.PENDING, Submission.Status.APPROVED],
    ).exists():
        raise ValidationError(_("This milestone already has evidence waiting for review or signed off."))
    checked = _check_files(files, by=by)
    with uploads.discard_on_error() as stored:
        submission = Submission.objects.create(
            apprenticeship=apprenticeship,
            milestone=milestone,
            text=text.strip(),
            happened_on=happened_on,
            place=place.strip(),
        )
        _attach(checked, stored, submission=submission)
        _touch(apprenticeship)
        audit.record(
            actor=by,
            action="mentorship.evidence_submit",
            obj=submission,
            unit=apprenticeship.officer.unit,
            after={
                "milestone": milestone.pk,
                "text": submission.text,
                "happened_on": happened_on,
                "place": submission.place,
                "files": [{"name": c.original_name, "type": c.content_type, "size": c.size} for c in checked],
            },
        )
    return submission


@transaction.atomic
def decide(*, submission: Submission, by, outcome: str, comment: str = "") -> Decision:
    """The mentor signs off or returns evidence; a later correction is a new `revoked` decision, never an edit."""
    submission = (
        Submission.objects.select_for_update()
        .select_related("apprenticeship__officer__unit")
        .get(pk=submission.pk)
    )
    apprenticeship = submission.apprenticeship
    if not by.is_superuser and not selectors.mentor_can_act(by, apprenticeship):
        raise PermissionDenied
    allowed = {
        Submission.Status.PENDING: {Decision.Outcome.APPROVED, Decision.Outcome.RETURNED},
        Submission.Status.APPROVED: {Decision.Outcome.REVOKED},
    }.get(submission.status, set())
    if outcome not in allowed:
        raise ValidationError(_("This evidence cannot be given that decision now."))
    if outcome in {Decision.Outcome.RETURNED, Decision.Outcome.REVOKED} and not comment.strip():
        raise ValidationError({"comment": _("Say what is missing when returning or withdrawing a sign-off.")})
    decision = Decision.objects.create(
        submission=submission, outcome=outcome, comment=comment.strip(), decided_by=by
    )
    before = submission.status
    submission.status = outcome
    submission.save(update_fields=["status"])
    audit.record(
        actor=by,
        action=f"mentorship.evidence_{outcome}",
        obj=submission,
        unit=apprenticeship.officer.unit,
        before={"status": before},
        after={"status": outcome, "comment": decision.comment, "decision": decision.pk},
    )
    if outcome == Decision.Outcome.APPROVED:
        transaction.on_commit(lambda: evaluate(apprenticeship_id=apprenticeship.pk, by=by))
    _notify(
        apprenticeship.officer.user_id,
        f"decision:{decision.pk}",
        _("Your evidence for “%(m)s” was signed off") % {"m": submission.milestone.title}
        if outcome == Decision.Outcome.APPROVED
        else _("Your evidence for “%(m)s” needs more work") % {"m": submission.milestone.title},
        decision.comment,
    )
    return decision


def _notify(user_id, key, title, body="", url="/mentoring/me/") -> None:
    from cms.models import Notification

    if user_id:
        Notification.objects.get_or_create(
            recipient_id=user_id, key=key, defaults={"title": str(title)[:200], "body": body, "url": url}
        )


@transaction.atomic
def set_assignment(
    *,
    apprenticeship: Apprenticeship,
    by,
    title: str,
    description: str = "",
    due_on: datetime.date | None = None,
    milestone: Milestone | None = None,
) -> Assignment:
    if not by.is_superuser and not selectors.mentor_can_act(by, apprenticeship):
        raise PermissionDenied
    if not title.strip():
        raise ValidationError({"title": _("Give the task a title.")})
    if due_on and due_on < _today():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    if milestone and milestone.stage.programme_id != apprenticeship.programme_id:
        raise ValidationError({"milestone": _("This milestone is not part of the apprentice's programme.")})
    assignment = Assignment.objects.create(
        apprenticeship=apprenticeship,
        stage=apprenticeship.current_stage,
        milestone=milestone,
        title=title.strip(),
        description=description.strip(),
        due_on=due_on,
        set_by=by,
    )
    audit.record(
        actor=by,
        action="mentorship.assignment_set",
        obj=assignment,
        unit=apprenticeship.officer.unit,
        after={"title": assignment.title, "due_on": due_on, "milestone": getattr(milestone, "pk", None)},
    )
    _notify(
        apprenticeship.officer.user_id,
        f"assignment:{assignment.pk}",
        _("New task from your mentor: %(t)s") % {"t": assignment.title},
        assignment.description,
    )
    return assignment


@transaction.atomic
def report_assignment(*, assignment: Assignment, by, text: str, files=()) -> AssignmentReport:
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("apprenticeship__officer__unit")
        .get(pk=assignment.pk)
    )
    if assignment.apprenticeship.officer.user_id != by.pk:
        raise PermissionDenied
    if assignment.status not in {Assignment.Status.OPEN, Assignment.Status.REDO}:
        raise ValidationError(_("This task is not waiting for a report."))
    if not text.strip():
        raise ValidationError({"text": _("Write what you did.")})
    checked = _check_files(files, by=by)
    with uploads.discard_on_error() as stored:
        report = AssignmentReport.objects.create(assignment=assignment, text=text.strip())
        _attach(checked, stored, report=report)
        assignment.status = Assignment.Status.REPORTED
        assignment.save(update_fields=["status"])
        _touch(assignment.apprenticeship)
        audit.record(
            actor=by,
            action="mentorship.assignment_report",
            obj=assignment,
            unit=assignment.apprenticeship.officer.unit,
            after={
                "report": report.pk,
                "text": report.text,
                "files": [{"name": c.original_name, "type": c.content_type, "size": c.size} for c in checked],
            },
        )
    return report


@transaction.atomic
def review_assignment(
    *, assignment: Assignment, by, rating: int, comment: str = "", accepted: bool = True
) -> AssignmentReview:
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("apprenticeship__officer__unit")
        .get(pk=assignment.pk)
    )
    if not by.is_superuser and not selectors.mentor_can_act(by, assignment.apprenticeship):
        raise PermissionDenied
    if assignment.status != Assignment.Status.REPORTED:
        raise ValidationError(_("This task has no report waiting for review."))
    if not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("The rating must be from 1 to 5.")})
    review = AssignmentReview.objects.create(
        assignment=assignment, rating=int(rating), comment=comment.strip(), accepted=accepted, reviewed_by=by
    )
    assignment.status = Assignment.Status.REVIEWED if accepted else Assignment.Status.REDO
    assignment.save(update_fields=["status"])
    audit.record(
        actor=by,
        action="mentorship.assignment_review",
        obj=assignment,
        unit=assignment.apprenticeship.officer.unit,
        after={"rating": review.rating, "accepted": accepted, "comment": review.comment},
    )
    _notify(
        assignment.apprenticeship.officer.user_id,
        f"assignment-review:{review.pk}",
        _("Your mentor reviewed “%(t)s”") % {"t": assignment.title},
        review.comment,
    )
    return review


@transaction.atomic
def record_evaluation(
    *,
    apprenticeship: Apprenticeship,
    stage: Stage,
    by,
    direction: str,
    scores: dict,
    comments: dict | None = None,
    overall_comment: str = "",
) -> Evaluation:
    pairing = (
        selectors.active_pairing(apprenticeship) or apprenticeship.pairings.order_by("-started_on").first()
    )
    if pairing is None:
        raise ValidationError(_("This apprentice has no mentor yet."))
    if direction == Evaluation.Direction.OF_APPRENTICE:
        if not by.is_superuser and not selectors.mentor_can_act(by, apprenticeship):
            raise PermissionDenied
        rubric = APPRENTICE_RUBRIC
    elif direction == Evaluation.Direction.OF_MENTOR:
        if apprenticeship.officer.user_id != by.pk:
            raise PermissionDenied
        rubric = MENTOR_RUBRIC
    else:
        raise ValidationError(_("Unknown evaluation direction."))
    clean = {}
    for key, label in rubric:
        try:
            value = int(scores.get(key))
        except (TypeError, ValueError):
            raise ValidationError({key: _("Score “%(c)s” from 1 to 5.") % {"c": label}})
        if not 1 <= value <= 5:
            raise ValidationError({key: _("Score “%(c)s” from 1 to 5.") % {"c": label}})
        clean[key] = value
    if Evaluation.objects.filter(apprenticeship=apprenticeship, stage=stage, direction=direction).exists():
        raise ValidationError(_("This stage has already been evaluated."))
    evaluation = Evaluation.objects.create(
        apprenticeship=apprenticeship,
        stage=stage,
        direction=direction,
        mentor=pairing.mentor,
        scores=clean,
        comments={k: v for k, v in (comments or {}).items() if k in clean and v},
        overall_comment=overall_comment,
        evaluator=by,
    )
    audit.record(
        actor=by,
        action="mentorship.evaluation",
        obj=apprenticeship,
        unit=apprenticeship.officer.unit,
        after={"stage": stage.pk, "direction": direction, "scores": clean},
    )
    return evaluation
