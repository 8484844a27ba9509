"""The study-hours ledger (学时): append-only lines that bring each source's net hours to its target."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from courses.models import StudyHoursEntry


def sync_hours(
    *,
    officer_id: int,
    source_kind: str,
    source_id: int,
    target: Decimal,
    description: str,
    earned_on: datetime.date,
    context_id: int | None = None,
) -> StudyHoursEntry | None:
    """Bring the ledger's net hours for one source to `target` by appending a line (positive or negative).

    Idempotent: when the net already equals the target nothing is written; the unique (source, seq) key turns a
    racing duplicate into an IntegrityError that is ignored.
    """
    lines = list(
        StudyHoursEntry.objects.filter(
            officer_id=officer_id, source_kind=source_kind, source_id=source_id
        ).values_list("seq", "hours")
    )
    net = sum((h for _s, h in lines), Decimal("0"))
    delta = Decimal(target) - net
    if delta == 0:
        return None
    seq = max((s for s, _h in lines), default=0) + 1
    try:
        with transaction.atomic():
            return StudyHoursEntry.objects.create(
                officer_id=officer_id,
                hours=delta,
                source_kind=source_kind,
                source_id=source_id,
                seq=seq,
                description=description[:255],
                earned_on=earned_on,
                context_id=context_id,
            )
    except IntegrityError:
        return None
