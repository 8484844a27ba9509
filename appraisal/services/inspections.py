"""交叉执法: a cross-enforcement session's registered officers are paired with enterprises of ANOTHER street than their
own (the load spread evenly), and each records what they found (hazards, documents issued, findings, photos), on
the phone themselves or through the organiser. Attending the session's days earns study hours as for any session
(courses' attendance); the inspections show in the personal record (appraisal.integration.record_section)."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import CrossInspection, Enterprise, InspectionPhoto
from cms import audit, uploads
from cms.models import Officer, Role, Unit
from cms.selectors import has_role, officers_visible_to, units_visible_to
from courses.models import Registration, SessionKind, TrainingSession


class InspectionRefused(PermissionDenied):
    """The acting user may not do this; `code` names the rule (not_organiser, not_yours)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message)
        self.code = code


def can_organise(user) -> bool:
    """Training admins and unit leaders organise cross-enforcement in their subtree (and superusers)."""
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or has_role(user, Role.TRAINING_ADMIN, Role.UNIT_LEADER))
    )


def sessions_organised_by(user) -> QuerySet[TrainingSession]:
    if not can_organise(user):
        return TrainingSession.objects.none()
    return TrainingSession.objects.filter(
        kind=SessionKind.CROSS_ENFORCEMENT, organizer__in=units_visible_to(user)
    ).select_related("organizer")


def inspections_visible_to(user) -> QuerySet[CrossInspection]:
    """The officer's own inspections; organisers those of their sessions; HR, leaders and admins those of the
    officers in their subtree."""
    if not user or not user.is_authenticated:
        return CrossInspection.objects.none()
    qs = CrossInspection.objects.select_related("session", "officer__unit", "enterprise__unit")
    if user.is_superuser:
        return qs
    mine = qs.filter(officer__in=officers_visible_to(user).values("pk"))
    if can_organise(user):
        return qs.filter(pk__in=mine.values("pk")) | qs.filter(session__in=sessions_organised_by(user))
    return mine


def _street(unit: Unit) -> Unit:
    """The street an officer or enterprise belongs to: the unit itself, or for a deeper unit its street ancestor."""
    if unit.kind == Unit.Kind.STREET or unit.depth <= 3:
        return unit
    return unit.get_ancestors().filter(kind=Unit.Kind.STREET).last() or unit


def _same_street(officer_unit: Unit, enterprise_unit: Unit) -> bool:
    a, b = _street(officer_unit), _street(enterprise_unit)
    return a.path == b.path or a.path.startswith(b.path) or b.path.startswith(a.path)


def _check_session(session: TrainingSession, by) -> None:
    if not can_organise(by) or not units_visible_to(by).filter(pk=session.organizer_id).exists():
        raise InspectionRefused("not_organiser")
    if session.kind != SessionKind.CROSS_ENFORCEMENT:
        raise ValidationError(
            _("Only a cross-enforcement session pairs officers with enterprises."),
            code="not_cross_enforcement",
        )


def plan_pairs(
    officers: list[tuple[int, str]],
    enterprises: list[tuple[int, str]],
    *,
    per_officer: int = 1,
    existing: list[tuple[int, int]] = (),
) -> tuple[list[tuple[int, int]], list[int]]:
    """Pure pairing: officers (id, street path) with enterprises (id, street path) of another street, each officer
    up to `per_officer` enterprises, always the least-loaded eligible enterprise first (then the lowest id), so the
    load spreads evenly. Pairs in `existing` are kept and counted. Returns (new pairs, ids of officers left short
    because no other-street enterprise was free)."""
    load = Counter(e for _o, e in existing)
    have = defaultdict(set)
    for o, e in existing:
        have[o].add(e)
    pairs, short = [], []
    for officer_id, street in sorted(officers, key=lambda o: o[0]):
        eligible = [
            (e, s)
            for e, s in enterprises
            if not (s.startswith(street) or street.startswith(s)) and e not in have[officer_id]
        ]
        while len(have[officer_id]) < per_officer:
            if not eligible:
                short.append(officer_id)
                break
            eligible.sort(key=lambda es: (load[es[0]], es[0]))
            enterprise_id, _s = eligible.pop(0)
            load[enterprise_id] += 1
            have[officer_id].add(enterprise_id)
            pairs.append((officer_id, enterprise_id))
    return pairs, short


@transaction.atomic
def pair_session(*, by, session: TrainingSession, per_officer: int = 1) -> dict:
    """Pair every registered officer of a cross-enforcement session with `per_officer` enterprises of other
    streets under the session's organiser. Idempotent: existing pairs stay and count towards the load.
    Returns {"paired": n new pairs, "short": [officers left without enough enterprises]}."""
    _check_session(session, by)
    if per_officer < 1:
        raise ValidationError(_("Pair each officer with at least one enterprise."), code="per_officer")
    list(TrainingSession.objects.select_for_update().filter(pk=session.pk).values_list("pk", flat=True))
    officers = list(
        Officer.objects.filter(
            pk__in=Registration.objects.filter(session=session, status=Registration.Status.REGISTERED).values(
                "officer_id"
            )
        ).select_related("unit")
    )
    enterprises = list(
        Enterprise.objects.filter(unit__path__startswith=session.organizer.path).select_related("unit")
    )
    existing = list(
        CrossInspection.objects.filter(session=session).values_list("officer_id", "enterprise_id")
    )
    pairs, short = plan_pairs(
        [(o.pk, _street(o.unit).path) for o in officers],
        [(e.pk, _street(e.unit).path) for e in enterprises],
        per_officer=per_officer,
        existing=existing,
    )
    CrossInspection.objects.bulk_create(
        [CrossInspection(session=session, officer_id=o, enterprise_id=e) for o, e in pairs]
    )
    by_id = {o.pk: o for o in officers}
    audit.record(
        actor=by,
        action="appraisal.inspection_pair",
        obj=session,
        unit=session.organizer,
        object_repr=session.title,
        after={"pairs": [[o, e] for o, e in pairs], "short": short},
    )
    return {"paired": len(pairs), "short": [by_id[o] for o in short]}


@transaction.atomic
def assign(*, by, session: TrainingSession, officer: Officer, enterprise: Enterprise) -> CrossInspection:
    """The organiser pairs one officer with one enterprise by hand; never one of the officer's own street."""
    _check_session(session, by)
    if not Registration.objects.filter(
        session=session, officer=officer, status=Registration.Status.REGISTERED
    ).exists():
        raise ValidationError(
            _("%(name)s is not registered for this session.") % {"name": officer.name}, code="not_registered"
        )
    if not enterprise.unit.path.startswith(session.organizer.path):
        raise ValidationError(
            _("Choose an enterprise under the organiser's units."), code="enterprise_out_of_scope"
        )
    if _same_street(officer.unit, enterprise.unit):
        raise ValidationError(
            _("Cross-enforcement inspects another street's enterprises: %(e)s is in %(name)s's own street.")
            % {"e": enterprise.name, "name": officer.name},
            code="same_street",
        )
    inspection, created = CrossInspection.objects.get_or_create(
        session=session, officer=officer, enterprise=enterprise
    )
    if created:
        audit.record(
            actor=by,
            action="appraisal.inspection_pair",
            obj=session,
            unit=session.organizer,
            object_repr=session.title,
            after={"pairs": [[officer.pk, enterprise.pk]], "short": []},
        )
    return inspection


def _photo_checks(files, *, officer: Officer) -> list[uploads.CheckedUpload]:
    files = list(files)
    if not files:
        return []
    list(Officer.objects.select_for_update().filter(pk=officer.pk).values_list("pk", flat=True))
    used = InspectionPhoto.objects.filter(inspection__officer=officer).aggregate(total=Sum("size"))["total"]
    checked = uploads.check_uploads(files, used_bytes=used or 0, field="photos")
    for c in checked:
        if not c.is_image:
            raise ValidationError(
                {
                    "photos": ValidationError(
                        _("“%(name)s” is not a photo (JPEG, PNG, WebP, HEIC).") % {"name": c.original_name},
                        code="not_a_photo",
                    )
                }
            )
    return checked


@transaction.atomic
def record_inspection(
    *,
    by,
    inspection: CrossInspection,
    hazards_found: int,
    documents_issued: int,
    findings: str,
    inspected_on: datetime.date | None = None,
    photos=(),
) -> CrossInspection:
    """What the officer found: by the officer themself or the session's organiser. Photos are checked by content,
    re-encoded and stored privately. Refuses with InspectionRefused (not_yours) or ValidationError (count_invalid,
    findings_required, date_in_future, not_a_photo and the upload rules)."""
    inspection = (
        CrossInspection.objects.select_for_update()
        .select_related("officer__unit", "session")
        .get(pk=inspection.pk)
    )
    own = inspection.officer.user_id is not None and inspection.officer.user_id == by.pk
    if not own and not sessions_organised_by(by).filter(pk=inspection.session_id).exists():
        raise InspectionRefused("not_yours")
    errors = {}
    for field, value in (("hazards_found", hazards_found), ("documents_issued", documents_issued)):
        if value is None or int(value) < 0 or int(value) > 999:
            errors[field] = ValidationError(_("Give a number from 0 to 999."), code="count_invalid")
    if not (findings or "").strip():
        errors["findings"] = ValidationError(_("Describe what was found."), code="findings_required")
    if inspected_on and inspected_on > timezone.localdate():
        errors["inspected_on"] = ValidationError(
            _("The date cannot be in the future."), code="date_in_future"
        )
    if errors:
        raise ValidationError(errors)
    checked = _photo_checks(photos, officer=inspection.officer)
    before = {
        "hazards_found": inspection.hazards_found,
        "documents_issued": inspection.documents_issued,
        "findings": inspection.findings,
    }
    with uploads.discard_on_error() as stored:
        inspection.hazards_found = int(hazards_found)
        inspection.documents_issued = int(documents_issued)
        inspection.findings = findings.strip()
        inspection.inspected_on = inspected_on or inspection.inspected_on or timezone.localdate()
        inspection.recorded_by = by
        inspection.recorded_at = timezone.now()
        inspection.save()
        for c in checked:
            name = uploads.store(c, prefix="inspections", field="photos")
            stored.append(name)
            InspectionPhoto.objects.create(
                inspection=inspection,
                file=name,
                original_name=c.original_name,
                content_type=c.content_type,
                size=c.size,
            )
        audit.record(
            actor=by,
            action="appraisal.inspection",
            obj=inspection,
            unit=inspection.officer.unit,
            object_repr=str(inspection),
            before=before if inspection.recorded_at and before["findings"] else None,
            after={
                "hazards_found": inspection.hazards_found,
                "documents_issued": inspection.documents_issued,
                "findings": inspection.findings,
                "inspected_on": inspection.inspected_on,
                "photos": [
                    {"name": c.original_name, "type": c.content_type, "size": c.size} for c in checked
                ],
            },
        )
    return inspection
