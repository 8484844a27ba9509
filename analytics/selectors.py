"""Read queries of analytics: who may use the HR pages; spells, units and training outcomes as DataFrames for
analytics.frames (whole city or scoped to a user); the selection board's candidates, score components, ranking and
decisions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connections
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import frames, selection
from analytics.models import COMPONENT_LABELS, MISSING_REASONS, AppointmentDecision, SelectionBoard
from appraisal import appraisal_selectors
from appraisal.models import Appraisal
from cms.models import EmploymentSpell, Post, Role, StaffCategory, Unit
from cms.selectors import has_role, officers_visible_to, person_name, units_visible_to
from courses.models import Enrolment, Registration
from exams.models import Attempt, Qualification
from mentorship.models import Apprenticeship, Evaluation, Pairing, StageProgress, Submission

SPELL_COLUMNS = list(frames.SPELL_COLUMNS)  # the columns spells_frame() delivers
UNIT_COLUMNS = ["id", "code", "path", "name"]


class UnknownUnit(LookupError):
    """The unit code does not exist or lies outside what the user may see."""

    code = "unknown_unit"


def can_view_hr_analytics(user) -> bool:
    """The HR pages (dashboard and selection boards) are for superusers, HR and unit leaders."""
    return bool(
        user and user.is_authenticated and (user.is_superuser or has_role(user, Role.HR, Role.UNIT_LEADER))
    )


@dataclass
class Dataset:
    """The two frames a metric needs, and the subtree they cover (None = everything visible)."""

    spells: pd.DataFrame
    units: pd.DataFrame
    root: Unit | None
    spell_queryset: QuerySet[EmploymentSpell] | None = None

    def unit_labels(self) -> dict[str, str]:
        return dict(zip(self.units["code"], self.units["name"], strict=True))


_EPOCH_ORDINAL = 719163  # datetime.date(1970, 1, 1).toordinal()


def _ordinal(d) -> int:
    if d is None:
        return 0
    if isinstance(d, str):  # a driver without date conversion
        return datetime.date.fromisoformat(d[:10]).toordinal()
    return d.toordinal()


def _dates(values) -> np.ndarray:
    """date objects (None allowed) → datetime64[D]; via ordinals, ~20× faster than numpy's own conversion."""
    days = np.fromiter((_ordinal(d) for d in values), dtype=np.int64, count=len(values))
    out = (days - _EPOCH_ORDINAL).astype("datetime64[D]")
    out[days == 0] = np.datetime64("NaT")
    return out


def spells_frame(
    queryset: QuerySet[EmploymentSpell] | None = None, units: pd.DataFrame | None = None
) -> pd.DataFrame:
    """EmploymentSpell rows → the spells frame of analytics.frames, in one query (plus one for the units when
    ``units``, a units_frame() covering every spell's unit, is not given).

    The rows come straight from the cursor (no model or per-row Django iteration) and units travel as ids mapped
    through the units frame: loading 100,000 spells is dominated by the database driver."""
    qs = queryset if queryset is not None else EmploymentSpell.objects.all()
    qs = qs.order_by().values_list(
        "officer_id", "unit_id", "staff_category", "hire_date", "leave_date", "leave_reason"
    )
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return pd.DataFrame(
            {
                "officer_id": np.zeros(0, np.int64),
                "unit": np.zeros(0, object),
                "unit_path": np.zeros(0, object),
                "staff_category": np.zeros(0, object),
                "hire_date": np.zeros(0, "datetime64[D]"),
                "leave_date": np.zeros(0, "datetime64[D]"),
                "leave_reason": np.zeros(0, object),
            }
        )
    cols = np.array(rows, dtype=object)
    unit_ids = cols[:, 1].astype(np.int64)
    if units is None or not np.isin(unit_ids, units["id"].to_numpy()).all():
        units = units_frame(Unit.objects.filter(pk__in=np.unique(unit_ids).tolist()))
    ids = units["id"].to_numpy(dtype=np.int64)
    order = np.argsort(ids)
    pos = order[np.searchsorted(ids, unit_ids, sorter=order)]
    reasons = cols[:, 5]
    reasons[reasons == None] = ""  # noqa: E711 (element-wise comparison on an object array)
    # Units, categories and reasons are few distinct strings: categoricals make frames.prepare's encoding free.
    return pd.DataFrame(
        {
            "officer_id": cols[:, 0].astype(np.int64),
            "unit": pd.Categorical.from_codes(pos, categories=units["code"].astype(str)),
            "unit_path": pd.Categorical.from_codes(pos, categories=units["path"].astype(str)),
            "staff_category": pd.Categorical(cols[:, 2]),
            "hire_date": _dates(cols[:, 3]),
            "leave_date": _dates(cols[:, 4]),
            "leave_reason": pd.Categorical(reasons),
        }
    )


def units_frame(queryset: QuerySet[Unit] | None = None) -> pd.DataFrame:
    """Units (id, code, path, name) in tree order (one query)."""
    qs = queryset if queryset is not None else Unit.objects.all()
    rows = list(qs.order_by("path").values_list("id", "code", "path", "name"))
    return pd.DataFrame(rows, columns=UNIT_COLUMNS) if rows else pd.DataFrame({c: [] for c in UNIT_COLUMNS})


def city_dataset(*, unit_code: str | None = None) -> Dataset:
    """Every spell (or those in one unit's subtree) for the management commands: two queries (+1 for the unit)."""
    root = None
    units = Unit.objects.all()
    spells = EmploymentSpell.objects.all()
    if unit_code:
        root = Unit.objects.filter(code=unit_code).first()
        if root is None:
            raise UnknownUnit(_("No unit with code %(code)s.") % {"code": unit_code})
        units = units.filter(path__startswith=root.path)
        spells = spells.filter(unit__path__startswith=root.path)
    units_df = units_frame(units)
    return Dataset(spells_frame(spells, units_df), units_df, root, spells)


def dataset_visible_to(user, *, unit_code: str | None = None) -> Dataset:
    """Spells served in the units the user may see (cms.selectors.units_visible_to), optionally one subtree of them.

    A unit outside the user's scope is reported as unknown, so views can turn it into a 404."""
    visible = units_visible_to(user)
    root = None
    if unit_code:
        root = visible.filter(code=unit_code).first()
        if root is None:
            raise UnknownUnit(_("No unit with code %(code)s.") % {"code": unit_code})
        visible = visible.filter(path__startswith=root.path)
    units = units_frame(visible)
    spells = EmploymentSpell.objects.filter(unit__in=visible.values("pk"))
    return Dataset(spells_frame(spells, units), units, root, spells)


def category_labels() -> dict[str, str]:
    return {c.value: str(c.label) for c in StaffCategory}


def category_order() -> list[str]:
    return [c.value for c in StaffCategory]


def training_frame(officers) -> pd.DataFrame:
    """Per officer: first qualification date and the exam percent it was earned with, the day their first mentor
    pairing started, and the day they finished all their assigned self-study courses (three queries).
    Columns: officer_id, qualified_on, exam_percent, mentored_from, courses_done_on (missing while any assigned
    course is unfinished, or when none was assigned), courses_assigned.

    ``officers`` is a queryset of officer ids (e.g. ``spells.values("officer_id")``, used as a subquery, so a
    whole city does not travel as a parameter list) or a list of ids."""
    if isinstance(officers, QuerySet):
        ids = officers
        wanted = None
    else:
        ids = [int(i) for i in set(officers)]
        wanted = ids
    quals = pd.DataFrame(
        list(
            Qualification.objects.filter(officer_id__in=ids)
            .order_by("officer_id", "issued_on", "id")
            .values_list("officer_id", "issued_on", "attempt__percent")
        ),
        columns=["officer_id", "qualified_on", "exam_percent"],
    ).drop_duplicates("officer_id")
    mentored = pd.DataFrame(
        list(
            Pairing.objects.filter(apprenticeship__officer_id__in=ids)
            .order_by("apprenticeship__officer_id", "started_on")
            .values_list("apprenticeship__officer_id", "started_on")
        ),
        columns=["officer_id", "mentored_from"],
    ).drop_duplicates("officer_id")
    study = pd.DataFrame(
        list(
            Enrolment.objects.filter(officer_id__in=ids)
            .values("officer_id")
            .annotate(
                n=Count("id"),
                done=Count("id", filter=Q(completed_at__isnull=False)),
                last=Max("completed_at"),
            )
            .values_list("officer_id", "n", "done", "last")
        ),
        columns=["officer_id", "courses_assigned", "done", "last"],
    )
    study["courses_done_on"] = [
        timezone.localtime(last).date() if n == done and last is not None else None
        for n, done, last in zip(study["courses_assigned"], study["done"], study["last"], strict=True)
    ]
    study = study[["officer_id", "courses_assigned", "courses_done_on"]]
    if wanted is None:
        out = quals.merge(mentored, on="officer_id", how="outer").merge(study, on="officer_id", how="outer")
    else:
        out = pd.DataFrame({"officer_id": wanted})
        out = (
            out.merge(quals, on="officer_id", how="left")
            .merge(mentored, on="officer_id", how="left")
            .merge(study, on="officer_id", how="left")
        )
    for col in ("qualified_on", "mentored_from", "courses_done_on"):
        out[col] = _dates(out[col].astype(object).where(out[col].notna(), None).tolist())
    out["exam_percent"] = pd.to_numeric(out["exam_percent"], errors="coerce").astype(float)
    out["courses_assigned"] = (
        pd.to_numeric(out["courses_assigned"], errors="coerce").fillna(0).astype(np.int64)
    )
    out["officer_id"] = out["officer_id"].astype(np.int64)
    return out.reset_index(drop=True)


def appraisal_frame(officers) -> pd.DataFrame:
    """Per appraised officer (one query): the band of their latest enforcement appraisal (newest cycle, the row
    that stands) and the day it was decided. Columns: officer_id, appraised_on, band. ``officers`` as for
    training_frame (a queryset of officer ids, used as a subquery, or a list of ids)."""
    ids = officers if isinstance(officers, QuerySet) else [int(i) for i in set(officers)]
    latest = {}
    for officer_id, decided_at, band in (
        Appraisal.objects.filter(officer_id__in=ids)
        .order_by("cycle__period_end", "cycle_id", "decided_at", "id")
        .values_list("officer_id", "decided_at", "band")
    ):
        latest[officer_id] = (timezone.localtime(decided_at).date(), band)
    return pd.DataFrame(
        {
            "officer_id": np.fromiter(latest.keys(), dtype=np.int64, count=len(latest)),
            "appraised_on": _dates([d for d, _b in latest.values()]),
            "band": np.array([b for _d, b in latest.values()], dtype=object),
        }
    )


# --------------------------------------------------------------------------------------------------- selection board
def boards_visible_to(user) -> QuerySet[SelectionBoard]:
    if not can_view_hr_analytics(user):
        return SelectionBoard.objects.none()
    return SelectionBoard.objects.filter(unit__in=units_visible_to(user))


def candidate_officers(board: SelectionBoard, user):
    """The cohort (the programme's apprentices hired in the period) plus hand-picked officers, within scope."""
    q = Q(pk__in=board.candidates.values("pk"))
    if board.programme_id:
        cohort = Apprenticeship.objects.filter(programme_id=board.programme_id).exclude(
            status=Apprenticeship.Status.WITHDRAWN
        )
        if board.hired_from:
            cohort = cohort.filter(hire_date__gte=board.hired_from)
        if board.hired_to:
            cohort = cohort.filter(hire_date__lte=board.hired_to)
        q |= Q(pk__in=cohort.values("officer_id"))
    return (
        officers_visible_to(user)
        .filter(q)
        .filter(unit__path__startswith=board.unit.path)
        .select_related("unit")
        .prefetch_related("specialties")
        .order_by("name")
    )


def _pct(numerator, denominator):
    return round(100.0 * numerator / denominator, 2) if denominator else None


def components_for(officer_ids: list[int]) -> dict[int, dict[str, float | None]]:
    """Each candidate's seven components on a 0–100 scale (None where there is no data), in a fixed number of
    queries. The seventh, 执法考评, is the officer's latest enforcement appraisal total (appraisal app)."""
    result = {pk: dict.fromkeys(COMPONENT_LABELS) for pk in officer_ids}
    enrol = defaultdict(lambda: [0, 0, 0, 0])  # total, completed, with due date & completed, on time
    for officer_id, completed_at, due in Enrolment.objects.filter(officer_id__in=officer_ids).values_list(
        "officer_id", "completed_at", "due_date"
    ):
        row = enrol[officer_id]
        row[0] += 1
        if completed_at:
            row[1] += 1
            if due:
                row[2] += 1
                row[3] += timezone.localtime(completed_at).date() <= due
    for officer_id, (total, done, with_due, on_time) in enrol.items():
        result[officer_id]["self_study"] = _pct(done, total)
        result[officer_id]["timeliness"] = _pct(on_time, with_due)
    scores = defaultdict(list)
    for officer_id, score in Registration.objects.filter(
        officer_id__in=officer_ids, assessment_score__isnull=False
    ).values_list("officer_id", "assessment_score"):
        scores[officer_id].append(float(score))
    for officer_id, values in scores.items():
        result[officer_id]["training"] = round(sum(values) / len(values), 2)
    for officer_id, percent in Attempt.objects.filter(
        officer_id__in=officer_ids, is_mock=False, exam__is_qualifying=True, percent__isnull=False
    ).values_list("officer_id", "percent"):
        current = result[officer_id]["exam"]
        result[officer_id]["exam"] = max(float(percent), current or 0.0)
    evals = defaultdict(list)
    for officer_id, scores_json in Evaluation.objects.filter(
        apprenticeship__officer_id__in=officer_ids, direction=Evaluation.Direction.OF_APPRENTICE
    ).values_list("apprenticeship__officer_id", "scores"):
        values = [v for v in scores_json.values() if isinstance(v, int | float)]
        if values:
            evals[officer_id].append(sum(values) / len(values))
    for officer_id, values in evals.items():
        result[officer_id]["mentor_evaluation"] = round(20.0 * sum(values) / len(values), 2)
    due_by_stage = {
        (officer_id, stage_id): due
        for officer_id, stage_id, due in StageProgress.objects.filter(
            apprenticeship__officer_id__in=officer_ids
        ).values_list("apprenticeship__officer_id", "stage_id", "due_on")
    }
    milestones = defaultdict(lambda: [0, 0])
    for officer_id, stage_id, submitted_at in Submission.objects.filter(
        apprenticeship__officer_id__in=officer_ids, status=Submission.Status.APPROVED
    ).values_list("apprenticeship__officer_id", "milestone__stage_id", "submitted_at"):
        due = due_by_stage.get((officer_id, stage_id))
        milestones[officer_id][0] += 1
        milestones[officer_id][1] += due is None or timezone.localtime(submitted_at).date() <= due
    for officer_id, (n, on_time) in milestones.items():
        result[officer_id]["milestones_on_time"] = _pct(on_time, n)
    for officer_id, total in appraisal_selectors.latest_totals(officer_ids).items():
        result[officer_id]["appraisal"] = float(total)
    return result


def latest_decisions(board: SelectionBoard) -> dict[int, AppointmentDecision]:
    """The decision that stands for each candidate: their latest."""
    latest = {}
    for d in board.decisions.select_related("post", "decided_by__officer").order_by("decided_at", "id"):
        d.decided_by_name = person_name(d.decided_by)
        latest[d.officer_id] = d
    return latest


def board_ranking(board: SelectionBoard, user) -> dict:
    """The board as HR sees it: {"rows": one per candidate, complete ones in rank order then the incomplete ones
    (officer, score, rank, complete, components, missing as (label, reason), suggested_post, match, decision),
    "ranked_rows" and "incomplete_rows" (the two parts), "posts": open posts under the board's unit, "weights"}."""
    officers = list(candidate_officers(board, user))
    components = components_for([o.pk for o in officers])
    candidates = [
        selection.Candidate(
            officer_id=o.pk,
            name=o.name,
            components=components[o.pk],
            specialties={s.name for s in o.specialties.all()},
        )
        for o in officers
    ]
    ranked = selection.rank(candidates, board.weights)
    posts = list(
        Post.objects.filter(is_open=True, unit__path__startswith=board.unit.path)
        .select_related("unit")
        .prefetch_related("wanted_specialties")
    )
    placements = selection.suggest_placements(
        ranked,
        [
            selection.Post(p.pk, p.title, p.openings, {s.name for s in p.wanted_specialties.all()})
            for p in posts
        ],
    )
    by_id = {o.pk: o for o in officers}
    post_by_id = {p.pk: p for p in posts}
    decisions = latest_decisions(board)
    rows = []
    for r in ranked:
        placement = placements.get(r.candidate.officer_id)
        rows.append(
            {
                "officer": by_id[r.candidate.officer_id],
                "score": r.score,
                "rank": r.rank,
                "components": [
                    (key, COMPONENT_LABELS[key], r.candidate.components.get(key), r.contributions.get(key))
                    for key in COMPONENT_LABELS
                ],
                "missing": [(str(COMPONENT_LABELS[m]), str(MISSING_REASONS[m])) for m in r.missing],
                "complete": r.complete,
                "suggested_post": post_by_id[placement[0]] if placement else None,
                "match": placement[1] if placement else None,
                "decision": decisions.get(r.candidate.officer_id),
            }
        )
    return {
        "rows": rows,
        "ranked_rows": [row for row in rows if row["complete"]],
        "incomplete_rows": [row for row in rows if not row["complete"]],
        "posts": posts,
        "weights": [(COMPONENT_LABELS[k], w) for k, w in board.weights.items()],
    }
