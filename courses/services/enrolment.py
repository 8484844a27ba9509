"""Enrolment: one officer, many officers (by unit subtree or staff category) and self-enrolment."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Officer, Unit
from courses import selectors
from courses.models import CoursePage, Enrolment
from courses.services.errors import CoursesError


def enrol(
    *, officer: Officer, course: CoursePage, by, source: str = Enrolment.Source.UNIT, due_date=None
) -> Enrolment:
    """Enrol one officer (idempotent: an existing enrolment is returned unchanged)."""
    with transaction.atomic():
        enrolment, created = Enrolment.objects.get_or_create(
            officer=officer,
            course=course,
            defaults={
                "source": source,
                "assigned_by": by if getattr(by, "is_authenticated", False) else None,
                "due_date": due_date,
            },
        )
        if created:
            audit.record(
                actor=by,
                action="courses.enrol",
                obj=enrolment,
                unit=officer.unit,
                object_repr=f"{officer} · {course.title}",
                after={"course": course.pk, "source": source, "due_date": due_date},
            )
    return enrolment


def enrol_officers(
    *,
    officers,
    course: CoursePage,
    by,
    source: str = Enrolment.Source.UNIT,
    due_date=None,
    unit: Unit | None = None,
    description: str = "",
) -> int:
    """Enrol many officers at once. Idempotent: existing enrolments are left alone. Returns how many are new."""
    officer_ids = list(officers.filter(status=Officer.Status.ACTIVE).values_list("pk", flat=True))
    with transaction.atomic():
        before = Enrolment.objects.filter(course=course, officer_id__in=officer_ids).count()
        actor = by if getattr(by, "is_authenticated", False) else None
        Enrolment.objects.bulk_create(
            [
                Enrolment(officer_id=i, course=course, source=source, assigned_by=actor, due_date=due_date)
                for i in officer_ids
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        created = Enrolment.objects.filter(course=course, officer_id__in=officer_ids).count() - before
        audit.record(
            actor=by,
            action="courses.enrol_bulk",
            obj=course,
            unit=unit,
            object_repr=f"{course.title}: {description}"[:255],
            after={
                "course": course.pk,
                "new": created,
                "matched": len(officer_ids),
                "source": source,
                "due_date": due_date,
                "scope": description,
            },
        )
    return created


def enrol_units(
    *, unit: Unit, course: CoursePage, by, due_date=None, source: str = Enrolment.Source.UNIT
) -> int:
    """Enrol every active officer of a unit's subtree."""
    return enrol_officers(
        officers=Officer.objects.filter(unit__path__startswith=unit.path),
        course=course,
        by=by,
        source=source,
        due_date=due_date,
        unit=unit,
        description=unit.full_name,
    )


def enrol_category(
    *,
    staff_category: str,
    course: CoursePage,
    by,
    unit: Unit | None = None,
    due_date=None,
    source: str = Enrolment.Source.UNIT,
) -> int:
    """Enrol every active officer of a staff category (within a unit's subtree when given)."""
    qs = Officer.objects.filter(staff_category=staff_category)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return enrol_officers(
        officers=qs,
        course=course,
        by=by,
        source=source,
        due_date=due_date,
        unit=unit,
        description=staff_category,
    )


def self_enrol(*, officer: Officer, course: CoursePage, user) -> Enrolment:
    if not course.live or not course.is_open:
        raise CoursesError(_("This course is not open for self-enrolment."), code="course_not_open")
    if course.target_categories and officer.staff_category not in course.target_categories:
        raise CoursesError(
            _("This course is not meant for your staff category."), code="wrong_staff_category"
        )
    missing = selectors.missing_prerequisites(officer, course)
    if missing:
        raise CoursesError(
            _("Complete these courses first: %(titles)s") % {"titles": "、".join(c.title for c in missing)},
            code="prerequisites_missing",
        )
    return enrol(officer=officer, course=course, by=user, source=Enrolment.Source.SELF)
