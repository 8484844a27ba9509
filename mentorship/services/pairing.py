"""Who may mentor whom: the eligibility rules, ranked suggestions, and pairing (history kept)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Officer
from mentorship import requirements, selectors
from mentorship.models import Apprenticeship, Pairing
from mentorship.services.common import _today


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
    load = Pairing.objects.filter(
        mentor=mentor, ended_on__isnull=True, apprenticeship__status=Apprenticeship.Status.IN_PROGRESS
    )
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
        raise ValidationError(_("An officer cannot mentor themself."), code="mentor_is_apprentice")
    problems = mentor_problems(mentor, today=started_on, exclude_apprenticeship=apprenticeship)
    if problems:
        raise ValidationError(
            _("%(name)s cannot mentor now: %(problems)s")
            % {"name": mentor.name, "problems": "；".join(problems)},
            code="mentor_ineligible",
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
