"""Centralized training sessions: registration with capacity and waiting list, bulk registration and
cancellation (the first on the waiting list moves up)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Officer
from cms.notify import notify
from courses.models import Registration, TrainingSession
from courses.services.errors import CoursesError


def _eligible(officer: Officer, session: TrainingSession) -> bool:
    return officer.status == Officer.Status.ACTIVE and officer.unit.path.startswith(session.organizer.path)


def register(
    *, session: TrainingSession, officer: Officer, by, self_service: bool = False, now=None
) -> Registration:
    """Register one officer; when the session is full they join the waiting list. The session row is locked,
    so racing registrations are counted one after another and capacity is never exceeded."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if self_service:
            if not locked.registration_is_open(now):
                raise CoursesError(
                    _("Registration for this session is not open."), code="registration_closed"
                )
            if not _eligible(officer, locked):
                raise CoursesError(_("This session is not organised for your unit."), code="not_eligible")
        elif locked.status in (TrainingSession.Status.CANCELLED, TrainingSession.Status.FINISHED):
            raise CoursesError(_("This session is finished or cancelled."), code="session_closed")
        existing = Registration.objects.filter(session=locked, officer=officer).first()
        if existing is not None and existing.status != Registration.Status.CANCELLED:
            return existing
        taken = Registration.objects.filter(session=locked, status=Registration.Status.REGISTERED).count()
        status = Registration.Status.REGISTERED if taken < locked.capacity else Registration.Status.WAITLISTED
        actor = by if getattr(by, "is_authenticated", False) else None
        if existing is not None:
            existing.status, existing.registered_at, existing.registered_by = status, now, actor
            existing.save(update_fields=["status", "registered_at", "registered_by"])
            registration = existing
        else:
            registration = Registration.objects.create(
                session=locked, officer=officer, status=status, registered_at=now, registered_by=actor
            )
        audit.record(
            actor=by,
            action="courses.session_register",
            obj=registration,
            unit=officer.unit,
            object_repr=f"{officer} · {locked.title}",
            after={"status": status},
        )
    return registration


def register_bulk(*, session: TrainingSession, officers, by) -> dict:
    """Register many officers in registration order; beyond capacity they are wait-listed. Idempotent."""
    counts = {"registered": 0, "waitlisted": 0, "unchanged": 0}
    with transaction.atomic():
        TrainingSession.objects.select_for_update().get(pk=session.pk)
        already = set(
            Registration.objects.filter(session=session)
            .exclude(status=Registration.Status.CANCELLED)
            .values_list("officer_id", flat=True)
        )
        for officer in (
            officers.filter(status=Officer.Status.ACTIVE).select_related("unit").order_by("employee_no")
        ):
            if officer.pk in already:
                counts["unchanged"] += 1
                continue
            reg = register(session=session, officer=officer, by=by)
            counts[reg.status] += 1
    return counts


def cancel_registration(*, registration: Registration, by) -> Registration | None:
    """Cancel a place; the first officer on the waiting list takes it. Returns the promoted registration."""
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=registration.session_id)
        registration.refresh_from_db()
        if registration.status == Registration.Status.CANCELLED:
            return None
        freed = registration.status == Registration.Status.REGISTERED
        registration.status = Registration.Status.CANCELLED
        registration.save(update_fields=["status"])
        audit.record(
            actor=by,
            action="courses.session_cancel",
            obj=registration,
            object_repr=f"{registration.officer} · {session.title}",
        )
        promoted = None
        if freed:
            taken = Registration.objects.filter(
                session=session, status=Registration.Status.REGISTERED
            ).count()
            if taken < session.capacity:
                promoted = (
                    Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED)
                    .order_by("registered_at", "id")
                    .first()
                )
                if promoted is not None:
                    promoted.status = Registration.Status.REGISTERED
                    promoted.save(update_fields=["status"])
                    audit.record(
                        actor=None,
                        action="courses.session_promote",
                        obj=promoted,
                        object_repr=f"{promoted.officer} · {session.title}",
                    )
                    notify(
                        promoted.officer.user,
                        key=f"courses.promoted.{promoted.pk}",
                        title=_("You have a place in %(title)s") % {"title": session.title},
                        body=_("A place became free and you have moved up from the waiting list."),
                        email=True,
                    )
    return promoted
