"""Selection board reads and writes: candidates, their score components, decisions and the xlsx export."""

from __future__ import annotations

import io
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import selection
from analytics.models import COMPONENT_LABELS, AppointmentDecision, SelectionBoard
from cms import audit
from cms.models import Officer, Post
from cms.selectors import has_role, officers_visible_to, units_visible_to

BOARD_ROLES = ("hr", "unit_leader")


def may_use_boards(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, *BOARD_ROLES)))


def boards_visible_to(user):
    if not may_use_boards(user):
        return SelectionBoard.objects.none()
    return SelectionBoard.objects.filter(unit__in=units_visible_to(user))


def candidate_officers(board: SelectionBoard, user):
    """The cohort (the programme's apprentices hired in the period) plus hand-picked officers, within scope."""
    from mentorship.models import Apprenticeship

    q = Q(pk__in=board.candidates.values("pk"))
    if board.programme_id:
        cohort = Apprenticeship.objects.filter(programme_id=board.programme_id).exclude(status="withdrawn")
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
    """Each candidate's six components on a 0–100 scale (None where there is no data), in a fixed number of queries."""
    from courses.models import Enrolment, Registration
    from exams.models import Attempt
    from mentorship.models import Evaluation, StageProgress, Submission

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
        apprenticeship__officer_id__in=officer_ids, direction="of_apprentice"
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
        apprenticeship__officer_id__in=officer_ids, status="approved"
    ).values_list("apprenticeship__officer_id", "milestone__stage_id", "submitted_at"):
        due = due_by_stage.get((officer_id, stage_id))
        milestones[officer_id][0] += 1
        milestones[officer_id][1] += due is None or timezone.localtime(submitted_at).date() <= due
    for officer_id, (n, on_time) in milestones.items():
        result[officer_id]["milestones_on_time"] = _pct(on_time, n)
    return result


def latest_decisions(board: SelectionBoard) -> dict[int, AppointmentDecision]:
    latest = {}
    for d in board.decisions.select_related("post", "decided_by").order_by("decided_at", "id"):
        latest[d.officer_id] = d
    return latest


def board_view(board: SelectionBoard, user) -> dict:
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
                "missing": [str(COMPONENT_LABELS[m]) for m in r.missing],
                "suggested_post": post_by_id[placement[0]] if placement else None,
                "match": placement[1] if placement else None,
                "decision": decisions.get(r.candidate.officer_id),
            }
        )
    return {
        "rows": rows,
        "posts": posts,
        "weights": [(COMPONENT_LABELS[k], w) for k, w in board.weights.items()],
    }


@transaction.atomic
def decide(
    *,
    board: SelectionBoard,
    officer: Officer,
    by,
    outcome: str,
    rationale: str,
    post: Post | None = None,
) -> AppointmentDecision:
    """Record HR's decision on one candidate, with the composite score it was taken on."""
    if not may_use_boards(by) or not boards_visible_to(by).filter(pk=board.pk).exists():
        raise PermissionDenied
    if not candidate_officers(board, by).filter(pk=officer.pk).exists():
        raise ValidationError(_("%(name)s is not a candidate on this board.") % {"name": officer.name})
    if outcome not in AppointmentDecision.Outcome.values:
        raise ValidationError({"outcome": _("Choose a decision.")})
    if not rationale.strip():
        raise ValidationError({"rationale": _("A rationale is required for every decision.")})
    if outcome == AppointmentDecision.Outcome.APPOINT and post is None:
        raise ValidationError({"post": _("Choose the post to appoint to.")})
    if outcome != AppointmentDecision.Outcome.APPOINT:
        post = None
    previous = latest_decisions(board).get(officer.pk)
    score, _contributions, _missing = selection.composite(
        components_for([officer.pk])[officer.pk], board.weights
    )
    decision = AppointmentDecision.objects.create(
        board=board,
        officer=officer,
        outcome=outcome,
        post=post,
        rationale=rationale.strip(),
        score=score,
        decided_by=by,
    )
    audit.record(
        actor=by,
        action="analytics.appointment_decision",
        obj=decision,
        unit=officer.unit,
        object_repr=f"{board.title} · {officer.name}",
        before={"outcome": previous.outcome, "post": previous.post_id} if previous else None,
        after={
            "outcome": outcome,
            "post": getattr(post, "pk", None),
            "rationale": decision.rationale,
            "score": score,
        },
    )
    return decision


def export_xlsx(board: SelectionBoard, user) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from cms.exports import append_row

    data = board_view(board, user)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Ranking")[:31]
    append_row(ws, [board.title])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, [_("Weights") + "："] + [f"{label} {weight:g}" for label, weight in data["weights"]])
    header = [_("Rank"), _("Name"), _("Employee number"), _("Unit"), _("Composite score")]
    header += [str(label) for label in COMPONENT_LABELS.values()]
    header += [
        _("Specialties"),
        _("Suggested post"),
        _("Decision"),
        _("Post"),
        _("Rationale"),
        _("Decided by"),
        _("Decided at"),
    ]
    append_row(ws, header)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in data["rows"]:
        o, d = row["officer"], row["decision"]
        append_row(
            ws,
            [
                row["rank"],
                o.name,
                o.employee_no,
                o.unit.name,
                row["score"],
                *[value for _key, _label, value, _c in row["components"]],
                "、".join(s.name for s in o.specialties.all()),
                str(row["suggested_post"] or ""),
                d.get_outcome_display() if d else "",
                str(d.post or "") if d else "",
                d.rationale if d else "",
                (d.decided_by.get_full_name() or d.decided_by.get_username()) if d else "",
                timezone.localtime(d.decided_at).strftime("%Y-%m-%d %H:%M") if d else "",
            ],
        )
    for column in ws.columns:
        ws.column_dimensions[column[2].column_letter].width = 14
    for cell in ws[3]:
        cell.alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
