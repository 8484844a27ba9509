"""Applies the periodic task schedules the apps declared (`<app>/schedules.py`, registered via cms.extensions) to
django-q2's Schedule table. Idempotent: an existing schedule keeps its next run; its function, type and interval
are brought in line with the spec."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_q.models import Schedule

from cms import extensions


def _first_run(spec: extensions.ScheduleSpec) -> datetime.datetime:
    if spec.first_run_at is None:
        return timezone.now()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, spec.first_run_at))


def apply_schedules() -> dict[str, int]:
    """Create missing schedules and correct changed ones. Returns {"created": n, "updated": n}."""
    counts = {"created": 0, "updated": 0}
    for spec in extensions.SCHEDULES:
        wanted = {"func": spec.func, "schedule_type": spec.schedule_type, "repeats": -1}
        if spec.minutes is not None:
            wanted["minutes"] = spec.minutes
        row = Schedule.objects.filter(name=spec.name).first()
        if row is None:
            Schedule.objects.create(name=spec.name, next_run=_first_run(spec), **wanted)
            counts["created"] += 1
        elif any(getattr(row, k) != v for k, v in wanted.items()):
            Schedule.objects.filter(pk=row.pk).update(**wanted)
            counts["updated"] += 1
    return counts
