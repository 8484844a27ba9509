"""Outcomes of review rounds: a round's per-file results, per-officer and per-unit scorecards, the weakest rubric items
(lowest mean share of the item's highest score), and an officer's or unit's trend across closed rounds.

A file's item scores are those of the effective reviews its score rests on (services.follow_ups._counted_reviews
rules: both first reviews within the gap, else all three). Every function runs a fixed number of queries, whatever
the number of files.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet

from appraisal import selectors
from appraisal.models import ReviewAssignment, ReviewItemScore, ReviewRound, RoundCase
from appraisal.services.reviews import effective_reviews

CENT = Decimal("0.01")


def _q(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _mean(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    return _q(sum(values, Decimal(0)) / len(values)) if values else None


def rounds_with_results_for(user) -> QuerySet[ReviewRound]:
    """Rounds whose results the user may read: leaders, training admins and HR of the subtree."""
    return selectors.rounds_visible_to(user).exclude(status=ReviewRound.Status.DRAFT)


def _counted(round_: ReviewRound, by_ordinal: dict) -> list:
    if round_.reviews_per_file == 1:
        return [r for n, r in by_ordinal.items() if n == 1]
    first, second = by_ordinal.get(1), by_ordinal.get(2)
    if first and second and abs(first.total - second.total) <= round_.third_review_gap:
        return [first, second]
    return list(by_ordinal.values())


def round_results(round_: ReviewRound) -> dict:
    """{"round", "items", "files": [...], "by_unit": [...], "by_item": [...], "by_officer": [...]}, the shape of
    `review_round_report`'s JSON (plus by_officer). Four queries."""
    items = list(round_.rubric.items.order_by("sort_order", "id"))
    reviews_qs = effective_reviews().prefetch_related(
        Prefetch("scores", queryset=ReviewItemScore.objects.select_related("item"))
    )
    cases = list(
        RoundCase.objects.filter(round=round_)
        .select_related("case__unit", "case__handler")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=ReviewAssignment.objects.select_related("reviewer").prefetch_related(
                    Prefetch("reviews", queryset=reviews_qs, to_attr="effective")
                ),
            )
        )
        .order_by("draw_order")
    )
    files = []
    item_shares: dict[str, list[Decimal]] = defaultdict(list)
    units: dict[int, dict] = {}
    officers: dict[int, dict] = {}
    for rc in cases:
        by_ordinal = {a.ordinal: a.effective[0] for a in rc.assignments.all() if a.effective}
        reviewers = {a.ordinal: a.reviewer for a in rc.assignments.all()}
        counted = _counted(round_, by_ordinal) if rc.score is not None else []
        for review in counted:
            for s in review.scores.all():
                item_shares[s.item.code].append(Decimal(s.score) / Decimal(s.item.max_score))
        files.append(
            {
                "case_no": rc.case.number,
                "title": rc.case.title,
                "unit": rc.case.unit.name,
                "handler": rc.case.handler.name,
                "handler_no": rc.case.handler.employee_no,
                "reviews": [
                    {
                        "ordinal": n,
                        "reviewer": reviewers[n].name,
                        "total": r.total,
                        "items": {s.item.code: s.score for s in r.scores.all()},
                        "corrected": r.corrects_id is not None,
                    }
                    for n, r in sorted(by_ordinal.items())
                ],
                "needs_third": rc.needs_third,
                "final_score": rc.score,
            }
        )
        unit = units.setdefault(rc.case.unit_id, {"unit": rc.case.unit.name, "scores": [], "files": 0})
        unit["files"] += 1
        officer = officers.setdefault(
            rc.case.handler_id,
            {
                "officer": rc.case.handler.name,
                "employee_no": rc.case.handler.employee_no,
                "unit": rc.case.unit.name,
                "scores": [],
                "files": 0,
            },
        )
        officer["files"] += 1
        if rc.score is not None:
            unit["scores"].append(rc.score)
            officer["scores"].append(rc.score)

    def card(row):
        scores = row.pop("scores")
        return {
            **row,
            "scored": len(scores),
            "mean": _mean(scores),
            "lowest": min(scores) if scores else None,
        }

    by_item = []
    for item in items:
        shares = item_shares.get(item.code, [])
        mean_share = sum(shares, Decimal(0)) / len(shares) if shares else None
        by_item.append(
            {
                "code": item.code,
                "name": item.name,
                "weight": item.weight,
                "max_score": item.max_score,
                "mean_score": _q(mean_share * item.max_score) if mean_share is not None else None,
                "mean_share": _q(mean_share * 100) if mean_share is not None else None,  # per cent
            }
        )
    return {
        "round": round_,
        "items": items,
        "files": files,
        "by_unit": sorted((card(u) for u in units.values()), key=lambda r: r["unit"]),
        "by_officer": sorted((card(o) for o in officers.values()), key=lambda r: (r["unit"], r["officer"])),
        "by_item": by_item,
    }


def weakest_items(results: dict, n: int = 3) -> list[dict]:
    """The items with the lowest mean share of their highest score, lowest first. An item every reviewer gave full
    marks is nobody's weakness, however few items fell short."""
    scored = [i for i in results["by_item"] if i["mean_share"] is not None and i["mean_share"] < 100]
    return sorted(scored, key=lambda i: (i["mean_share"], i["code"]))[:n]


def trend(user, *, officer=None, unit=None) -> list[dict]:
    """Mean final file score per closed round the user may read, oldest first: of one officer's files (handler or
    co-handler) or of one unit subtree's files. One query."""
    qs = RoundCase.objects.filter(
        round__in=rounds_with_results_for(user).filter(status=ReviewRound.Status.CLOSED), score__isnull=False
    )
    if officer is not None:
        qs = qs.filter(Q(case__handler=officer) | Q(case__co_handlers=officer)).distinct()
    if unit is not None:
        qs = qs.filter(case__unit__path__startswith=unit.path)
    by_round: dict[int, dict] = {}
    for round_id, name, end, score in qs.values_list(
        "round_id", "round__name", "round__period_end", "score"
    ).order_by("round__period_end", "round_id"):
        row = by_round.setdefault(round_id, {"round": name, "period_end": end, "scores": []})
        row["scores"].append(score)
    return [
        {
            "round": r["round"],
            "period_end": r["period_end"],
            "files": len(r["scores"]),
            "mean": _mean(r["scores"]),
        }
        for r in by_round.values()
    ]


def report_json(results: dict) -> dict:
    """The stable JSON of `review_round_report` (numbers as floats)."""

    def num(v):
        return None if v is None else float(v)

    return {
        "round": {
            "id": results["round"].pk,
            "name": results["round"].name,
            "status": results["round"].status,
        },
        "files": [
            {
                "case_no": f["case_no"],
                "unit": f["unit"],
                "handler": f["handler"],
                "reviews": [
                    {
                        "reviewer": r["reviewer"],
                        "total": num(r["total"]),
                        "items": {k: num(v) for k, v in r["items"].items()},
                    }
                    for r in f["reviews"]
                ],
                "final_score": num(f["final_score"]),
            }
            for f in results["files"]
        ],
        "by_unit": [
            {"unit": u["unit"], "files": u["files"], "scored": u["scored"], "mean": num(u["mean"])}
            for u in results["by_unit"]
        ],
        "by_item": [
            {
                "code": i["code"],
                "name": i["name"],
                "mean_score": num(i["mean_score"]),
                "mean_share": num(i["mean_share"]),
            }
            for i in results["by_item"]
        ],
    }


def export_rows(results: dict) -> tuple[list, list[list]]:
    """Headers and rows of the round results spreadsheet: one row per file, each review's total and item scores."""
    items = results["items"]
    headers = [
        "案号",
        "案由",
        "单位",
        "承办人",
        "工号",
        "评查人1",
        "评分1",
        "评查人2",
        "评分2",
        "评查人3",
        "评分3",
    ]
    headers += [f"{i.name}（均分）" for i in items] + ["最终得分"]
    rows = []
    for f in results["files"]:
        reviews = {r["ordinal"]: r for r in f["reviews"]}
        row = [f["case_no"], f["title"], f["unit"], f["handler"], f["handler_no"]]
        for n in (1, 2, 3):
            r = reviews.get(n)
            row += [r["reviewer"], r["total"]] if r else ["", None]
        for item in items:
            values = [r["items"][item.code] for r in f["reviews"] if item.code in r["items"]]
            row.append(_mean(values))
        row.append(f["final_score"])
        rows.append(row)
    return headers, rows
