"""Reads of the enforcement appraisal (执法考评), scoped to who asks: which cycles a user may see or run, the officers a
cycle appraises, and each officer's five components for the cycle's period, in a fixed number of queries.

Components, each 0–100 (None = no data, scored 0 with its reason, as on the selection board):
- cases: mean final score of the case files the officer handled (handler or co-handler) in review rounds closed
  within the period (RoundCase.score, set when a file's reviews agree);
- exams: per qualifying exam, the officer's best graded (non-mock) attempt submitted in the period; the mean of those;
- hours: study hours earned in the period over the annual requirement of the officer's staff category, prorated to
  the period's length, capped at 100;
- attendance: days attended over the days held (up to today) of the training sessions the officer is registered in,
  in the period;
- leader: the leader's rubric evaluation in the cycle (the latest, corrections replacing what they correct).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import (
    Appraisal,
    AppraisalBand,
    AppraisalCycle,
    CaseFile,
    LeaderEvaluation,
    ReviewRound,
    RoundCase,
)
from cms.models import Officer, Role
from cms.selectors import has_role, officers_visible_to, units_visible_to
from courses.models import Attendance, Registration, StudyHoursEntry, TrainingDay, attended_q
from courses.selectors import requirement_for
from exams.models import Attempt
from mentorship.models import Apprenticeship

COMPONENTS = ("cases", "exams", "hours", "attendance", "leader")

COMPONENT_LABELS = {
    "cases": _("Case-file reviews"),
    "exams": _("Exam results"),
    "hours": _("Study hours"),
    "attendance": _("Session attendance"),
    "leader": _("Leader evaluation"),
}

MISSING_REASONS = {
    "cases": _("no reviewed case file in a round closed in the period"),
    "exams": _("no graded qualifying exam in the period"),
    "hours": _("no annual study-hours requirement for the staff category"),
    "attendance": _("no training session day in the period"),
    "leader": _("no leader evaluation in this cycle yet"),
}

# Bands by total (0–100): at least 90 优秀, at least 75 称职, at least 60 基本称职, below 60 不称职.
BAND_THRESHOLDS = (
    (Decimal(90), AppraisalBand.EXCELLENT),
    (Decimal(75), AppraisalBand.COMPETENT),
    (Decimal(60), AppraisalBand.BASIC),
)

TWO = Decimal("0.01")


def band_for(total: Decimal) -> str:
    for threshold, band in BAND_THRESHOLDS:
        if total >= threshold:
            return band
    return AppraisalBand.INCOMPETENT


def weighted_total(
    components: dict[str, Decimal | None], weights: dict[str, int]
) -> tuple[Decimal, list[str]]:
    """Weighted mean over the components with a weight above 0, a missing one counting as 0 (as the selection
    board's composite): (total 0–100, names of the weighted components without data)."""
    weighted = {k: Decimal(w) for k, w in weights.items() if w and w > 0}
    total_weight = sum(weighted.values(), Decimal(0))
    missing = [k for k in weighted if components.get(k) is None]
    if total_weight <= 0:
        return Decimal(0), missing
    points = sum(((components.get(k) or Decimal(0)) * w for k, w in weighted.items()), Decimal(0))
    return (points / total_weight).quantize(TWO, rounding=ROUND_HALF_UP), missing


# --------------------------------------------------------------------------------------------------- who may do what
def can_run_appraisals(user) -> bool:
    """Unit leaders and training admins open cycles and decide appraisals in their subtree (and superusers)."""
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or has_role(user, Role.UNIT_LEADER, Role.TRAINING_ADMIN))
    )


def can_read_appraisals(user) -> bool:
    """HR reads cycles and results; those who run them read them too."""
    return can_run_appraisals(user) or bool(user and user.is_authenticated and has_role(user, Role.HR))


def can_evaluate(user) -> bool:
    """Only unit leaders (and superusers) give the leader's rubric evaluation."""
    return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, Role.UNIT_LEADER)))


def cycles_visible_to(user) -> QuerySet[AppraisalCycle]:
    if not can_read_appraisals(user):
        return AppraisalCycle.objects.none()
    return AppraisalCycle.objects.filter(unit__in=units_visible_to(user)).select_related(
        "unit", "leader_rubric"
    )


def cycles_runnable_by(user) -> QuerySet[AppraisalCycle]:
    if not can_run_appraisals(user):
        return AppraisalCycle.objects.none()
    return cycles_visible_to(user)


def cycle_officers(cycle: AppraisalCycle, user=None) -> QuerySet[Officer]:
    """The officers a cycle appraises: active officers in its subtree who are in post (not in a programme still in
    progress, i.e. not trainees awaiting appointment); within what `user` may see when given."""
    qs = officers_visible_to(user) if user is not None else Officer.objects.all()
    return (
        qs.filter(unit__path__startswith=cycle.unit.path, status=Officer.Status.ACTIVE)
        .exclude(
            pk__in=Apprenticeship.objects.filter(status=Apprenticeship.Status.IN_PROGRESS).values(
                "officer_id"
            )
        )
        .select_related("unit", "user")
        .order_by("unit__path", "name")
    )


# --------------------------------------------------------------------------------------------------- components
def _day_range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def _pct(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return min(Decimal(100), Decimal(100) * Decimal(numerator) / Decimal(denominator)).quantize(
        TWO, rounding=ROUND_HALF_UP
    )


def _mean(values) -> Decimal | None:
    values = [Decimal(str(v)) for v in values]
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO, rounding=ROUND_HALF_UP) if values else None


def latest_leader_evaluations(cycle: AppraisalCycle, officer_ids=None) -> dict[int, LeaderEvaluation]:
    """The evaluation that stands per officer: the latest row (a correction is always later than what it corrects)."""
    qs = cycle.leader_evaluations.select_related("evaluated_by").order_by("evaluated_at", "id")
    if officer_ids is not None:
        qs = qs.filter(officer_id__in=officer_ids)
    return {e.officer_id: e for e in qs}


def latest_appraisals(cycle: AppraisalCycle, officer_ids=None) -> dict[int, Appraisal]:
    """The appraisal that stands per officer in a cycle: the latest row."""
    qs = cycle.appraisals.select_related("decided_by").order_by("decided_at", "id")
    if officer_ids is not None:
        qs = qs.filter(officer_id__in=officer_ids)
    return {a.officer_id: a for a in qs}


def components_for(cycle: AppraisalCycle, officers: list[Officer]) -> dict[int, dict[str, Decimal | None]]:
    """Each officer's five components for the cycle's period (see the module's docstring); eight queries plus one
    per distinct staff category, whatever the number of officers."""
    ids = [o.pk for o in officers]
    result = {pk: dict.fromkeys(COMPONENTS) for pk in ids}
    if not ids:
        return result
    start, end = cycle.period_start, cycle.period_end
    since, until = _day_range(start, end)

    # Case-file reviews: rounds closed in the period; the handler and every co-handler share the file's score.
    closed = RoundCase.objects.filter(
        round__status=ReviewRound.Status.CLOSED,
        round__closed_at__gte=since,
        round__closed_at__lt=until,
        score__isnull=False,
    )
    scores = defaultdict(list)
    for handler_id, score in closed.filter(case__handler_id__in=ids).values_list("case__handler_id", "score"):
        scores[handler_id].append(score)
    co = CaseFile.co_handlers.through.objects.filter(
        officer_id__in=ids, casefile_id__in=closed.values("case_id")
    ).values_list("officer_id", "casefile_id")
    co_pairs = list(co)
    if co_pairs:
        file_scores = defaultdict(list)
        for case_id, score in closed.filter(case_id__in={c for _o, c in co_pairs}).values_list(
            "case_id", "score"
        ):
            file_scores[case_id].append(score)
        for officer_id, case_id in co_pairs:
            scores[officer_id].extend(file_scores[case_id])
    for officer_id, values in scores.items():
        result[officer_id]["cases"] = _mean(values)

    # Exam results: per qualifying exam the best graded attempt in the period, then the mean over exams.
    best = {}
    for officer_id, exam_id, percent in Attempt.objects.filter(
        officer_id__in=ids,
        is_mock=False,
        exam__is_qualifying=True,
        percent__isnull=False,
        submitted_at__gte=since,
        submitted_at__lt=until,
    ).values_list("officer_id", "exam_id", "percent"):
        key = (officer_id, exam_id)
        best[key] = max(best.get(key, 0.0), float(percent))
    per_officer = defaultdict(list)
    for (officer_id, _exam), percent in best.items():
        per_officer[officer_id].append(round(percent, 2))
    for officer_id, values in per_officer.items():
        result[officer_id]["exams"] = _mean(values)

    # Study hours against the annual requirement, prorated to the period's length.
    earned = defaultdict(Decimal)
    for officer_id, hours in StudyHoursEntry.objects.filter(
        officer_id__in=ids, earned_on__gte=start, earned_on__lte=end
    ).values_list("officer_id", "hours"):
        earned[officer_id] += hours
    share = Decimal((end - start).days + 1) / Decimal(365)
    required = {}
    for o in officers:
        if o.staff_category not in required:
            required[o.staff_category] = requirement_for(o.staff_category)
        annual = required[o.staff_category]
        if annual:
            result[o.pk]["hours"] = _pct(max(earned[o.pk], Decimal(0)), annual * min(share, Decimal(1)))

    # Session attendance: days held so far of sessions the officer is registered in.
    last_day = min(end, timezone.localdate())
    registered = defaultdict(set)
    for officer_id, session_id in Registration.objects.filter(
        officer_id__in=ids, status=Registration.Status.REGISTERED
    ).values_list("officer_id", "session_id"):
        registered[officer_id].add(session_id)
    days_by_session = defaultdict(int)
    for session_id in TrainingDay.objects.filter(
        session_id__in={s for sessions in registered.values() for s in sessions},
        date__gte=start,
        date__lte=last_day,
    ).values_list("session_id", flat=True):
        days_by_session[session_id] += 1
    attended = defaultdict(int)
    for officer_id in Attendance.objects.filter(
        Q(officer_id__in=ids), attended_q(), day__date__gte=start, day__date__lte=last_day
    ).values_list("officer_id", flat=True):
        attended[officer_id] += 1
    for officer_id, sessions in registered.items():
        held = sum(days_by_session[s] for s in sessions)
        result[officer_id]["attendance"] = _pct(attended[officer_id], held)

    for officer_id, evaluation in latest_leader_evaluations(cycle, ids).items():
        result[officer_id]["leader"] = evaluation.total
    return result


def cycle_table(cycle: AppraisalCycle, user) -> dict:
    """The cycle page: one row per appraised officer the user may see, with components (key, label, value,
    missing reason), the total and band they make now, and the appraisal that stands (if decided)."""
    officers = list(cycle_officers(cycle, user))
    components = components_for(cycle, officers)
    decided = latest_appraisals(cycle, [o.pk for o in officers])
    weights = cycle.weights
    rows = []
    for o in officers:
        values = components[o.pk]
        total, missing = weighted_total(values, weights)
        rows.append(
            {
                "officer": o,
                "components": [
                    (
                        key,
                        COMPONENT_LABELS[key],
                        values[key],
                        MISSING_REASONS[key] if key in missing else None,
                    )
                    for key in COMPONENTS
                ],
                "values": values,
                "total": total,
                "band": band_for(total),
                "band_label": AppraisalBand(band_for(total)).label,
                "missing": missing,
                "appraisal": decided.get(o.pk),
            }
        )
    return {
        "rows": rows,
        "weights": [(COMPONENT_LABELS[k], w) for k, w in weights.items()],
        "thresholds": [(t, AppraisalBand(b).label) for t, b in BAND_THRESHOLDS],
    }


def officer_appraisals(officer: Officer) -> list[Appraisal]:
    """An officer's standing appraisals, one per cycle, newest cycle first (for the personal record)."""
    latest = {}
    for a in (
        Appraisal.objects.filter(officer=officer)
        .select_related("cycle")
        .order_by("cycle__period_end", "cycle_id", "decided_at", "id")
    ):
        latest[a.cycle_id] = a
    return sorted(latest.values(), key=lambda a: (a.cycle.period_end, a.cycle_id), reverse=True)


def latest_totals(officer_ids) -> dict[int, Decimal]:
    """Each officer's latest appraisal total (newest cycle, its standing row): the selection board's 7th part."""
    latest = {}
    for officer_id, total in (
        Appraisal.objects.filter(officer_id__in=officer_ids)
        .order_by("cycle__period_end", "cycle_id", "decided_at", "id")
        .values_list("officer_id", "total")
    ):
        latest[officer_id] = total
    return latest
