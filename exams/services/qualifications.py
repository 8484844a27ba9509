"""Qualifications: issuing one for a passed qualifying exam, expiry and reminders."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Officer
from cms.notify import notify
from exams.models import (
    Attempt,
    Qualification,
)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def issue_qualification(*, attempt: Attempt, by, today=None) -> Qualification | None:
    exam = attempt.exam
    if not (exam.is_qualifying and attempt.counts and attempt.passed):
        return None
    if attempt.officer.status != Officer.Status.ACTIVE:
        return None  # a qualification is issued only to a serving officer (see close_attempt_of_departed)
    if Qualification.objects.filter(attempt=attempt).exists():
        return None
    today = today or timezone.localdate()
    if Qualification.objects.filter(
        officer_id=attempt.officer_id, exam=exam, status=Qualification.Status.VALID, valid_until__gte=today
    ).exists():
        return None
    valid_until = _add_years(today, exam.qualification_years) if exam.qualification_years else None
    qualification = Qualification.objects.create(
        officer_id=attempt.officer_id,
        exam=exam,
        attempt=attempt,
        issued_on=today,
        valid_until=valid_until,
        certificate_no=f"YZ{today:%Y}{exam.pk:04d}{attempt.pk:07d}",
    )
    audit.record(
        actor=by,
        action="exams.qualification_issue",
        obj=qualification,
        unit=attempt.officer.unit,
        after={"certificate_no": qualification.certificate_no, "valid_until": valid_until},
    )
    return qualification


def send_expiry_reminders(*, today=None, days_ahead: int = 60) -> int:
    """Notify officers whose qualification expires soon; mark expired ones. Idempotent (notification keys)."""
    today = today or timezone.localdate()
    sent = 0
    with transaction.atomic():
        for q in Qualification.objects.filter(
            status=Qualification.Status.VALID, valid_until__lt=today
        ).select_related("officer__unit"):
            q.status = Qualification.Status.EXPIRED
            q.save(update_fields=["status"])
            audit.record(actor=None, action="exams.qualification_expire", obj=q, unit=q.officer.unit)
        soon = Qualification.objects.filter(
            status=Qualification.Status.VALID,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=days_ahead),
            officer__user__isnull=False,
        ).select_related("officer__user", "exam")
        for q in soon:
            created = notify(
                q.officer.user,
                key=f"exams.qualification_expiry.{q.pk}.{q.valid_until}",
                title=_("Your qualification expires on %(date)s") % {"date": q.valid_until},
                body=_("Certificate %(no)s (%(exam)s) expires on %(date)s. Please sit the exam again.")
                % {"no": q.certificate_no, "exam": q.exam.title, "date": q.valid_until},
                url=reverse("exams:certificate", args=[q.pk]),
            )
            sent += int(created)
    return sent
