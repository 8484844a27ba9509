"""Outcomes of review rounds: a round's per-file results, per-officer and per-unit scorecards, the weakest rubric items
(lowest mean share of the item's highest score), and an officer's or unit's trend across closed rounds, with their
weakest items across those rounds.

A file's item scores are those of the effective reviews its score rests on (services.follow_ups._counted_reviews
rules: both first reviews within the gap, else all three). Every function runs a fixed number of queries, whatever
the number of files, rounds or officers; the cross-round ones aggregate in the database.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Sum

from appraisal import selectors
from appraisal.models import (
    CaseFile,
    CaseReview,
    FollowUp,
    ReviewAssignment,
    ReviewItemScore,
    ReviewRound,
    RoundCase,
)
from appraisal.services.reviews import effective_reviews

CENT = Decimal("0.01")
LOW_SHARE = Decimal("0.6")  # an item mean below 60 % of its highest score is shown as low


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
                "round_case_id": rc.pk,
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
                "officer_id": rc.case.handler_id,
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


def _lowest(by_item: list[dict], n: int) -> list[dict]:
    """At most n items with the lowest mean share, lowest first. Items tied at the cut are all left out rather than
    one of them picked by its code: of four items at 79.23 %, none is weaker than the others."""
    scored = sorted(
        (i for i in by_item if i["mean_share"] is not None and i["mean_share"] < 100),
        key=lambda i: (i["mean_share"], i["code"]),
    )
    if len(scored) <= n:
        return scored
    cut = scored[n]["mean_share"]
    return [i for i in scored[:n] if i["mean_share"] < cut]


def weakest_items(results: dict, n: int = 3) -> list[dict]:
    """The items with the lowest mean share of their highest score, lowest first. An item every reviewer gave full
    marks is nobody's weakness, however few items fell short."""
    return _lowest(results["by_item"], n)


# --- across closed rounds: trends and weakest items, aggregated in the database --------------------------------------


def closed_rounds_for(user) -> QuerySet[ReviewRound]:
    """Closed rounds whose results a staff user may read (leaders, training admins and HR of the subtree)."""
    return rounds_with_results_for(user).filter(status=ReviewRound.Status.CLOSED)


def _closed_rounds() -> QuerySet[ReviewRound]:
    """Every closed round: what a handler's own results are drawn from (their files decide what they see)."""
    return ReviewRound.objects.filter(status=ReviewRound.Status.CLOSED)


def _files_of(officer) -> QuerySet[CaseFile]:
    """The ids of the files an officer handled or co-handled, as a subquery: joining the co-handlers directly would
    count a file once per co-handler."""
    return CaseFile.objects.filter(Q(handler=officer) | Q(co_handlers=officer)).values("pk")


def _scored_files(rounds: QuerySet[ReviewRound], *, officer=None, unit=None) -> QuerySet[RoundCase]:
    qs = RoundCase.objects.filter(round__in=rounds.values("pk"), score__isnull=False)
    if officer is not None:
        qs = qs.filter(case__in=_files_of(officer))
    if unit is not None:
        qs = qs.filter(case__unit__path__startswith=unit.path)
    return qs


def _counted_scores(files: QuerySet[RoundCase]) -> QuerySet[ReviewItemScore]:
    """The item scores each scored file's score rests on (_counted's rule in SQL): effective reviews only; with one
    review per file the first; with two, the first two, and the third too when they differ by more than the gap,
    which the file's `needs_third` records (services.reviews keeps it in step with every review and correction)."""
    rc = "review__assignment__round_case"
    single = Q(**{f"{rc}__round__reviews_per_file": 1})
    ordinal = "review__assignment__ordinal"
    return ReviewItemScore.objects.filter(
        ~Exists(CaseReview.objects.filter(corrects=OuterRef("review_id"))),
        Q(**{f"{rc}__in": files.values("pk"), f"{rc}__score__isnull": False}),
        (single & Q(**{ordinal: 1}))
        | (~single & (Q(**{f"{ordinal}__lte": 2}) | Q(**{f"{rc}__needs_third": True}))),
    )


def _items_by(scores: QuerySet[ReviewItemScore], key: str | None = None) -> dict:
    """{key value: [item row, ...]} in rubric order: per item code, its mean score and mean share of the highest
    score over the counted scores. Items of different rounds' rubrics with one code are one item (each score counts
    as its share of its own item's highest score). One query."""
    group = [key] if key else []
    rows = (
        scores.values(*group, "item__code", "item__name", "item__max_score")
        .annotate(total=Sum("score"), n=Count("pk"), order=Min("item__sort_order"))
        .order_by(*group, "order", "item__code")
    )
    merged: dict = defaultdict(dict)
    for row in rows:
        items = merged[row[key] if key else None]
        item = items.setdefault(
            row["item__code"],
            {
                "code": row["item__code"],
                "name": row["item__name"],
                "max_score": row["item__max_score"],
                "shares": Decimal(0),
                "scores": 0,
            },
        )
        item["shares"] += Decimal(row["total"]) / Decimal(row["item__max_score"])
        item["scores"] += row["n"]
    out = {}
    for group_key, items in merged.items():
        out[group_key] = []
        for item in items.values():
            share = item.pop("shares") / item["scores"]
            item["mean_score"] = _q(share * item["max_score"])
            item["mean_share"] = _q(share * 100)  # per cent
            out[group_key].append(item)
    return out


def _round_rows(files: QuerySet[RoundCase], *keys: str) -> list[dict]:
    """Per closed round, oldest first (and per value of `keys`): scored files and the sum of their scores. One
    query."""
    return list(
        files.values(*keys, "round_id", "round__name", "round__period_end")
        .annotate(files=Count("pk"), total=Sum("score"))
        .order_by("round__period_end", "round_id", *keys)
    )


def _by_round(rows: list[dict], *keys: str) -> list[dict]:
    """_round_rows summed over whatever `keys` they have beyond the given ones: files and mean score per round (and
    per value of `keys`)."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        out = merged.setdefault(
            (row["round_id"], *(row[key] for key in keys)),
            {
                **{key: row[key] for key in keys},
                "round_id": row["round_id"],
                "round": row["round__name"],
                "period_end": row["round__period_end"],
                "files": 0,
                "total": Decimal(0),
            },
        )
        out["files"] += row["files"]
        out["total"] += Decimal(row["total"])
    for out in merged.values():
        out["mean"] = _q(out.pop("total") / out["files"])
    return list(merged.values())


def _with_change(rows: list[dict]) -> list[dict]:
    """Each round's change of the mean from the round before (None for the first)."""
    previous = None
    for row in rows:
        row["change"] = None if previous is None else row["mean"] - previous
        previous = row["mean"]
    return rows


def trend(user, *, officer=None, unit=None) -> list[dict]:
    """Mean final file score per closed round the user may read, oldest first, with the change from the round
    before: of one officer's files (handler or co-handler) or of one unit subtree's files. One query."""
    return _with_change(
        _by_round(_round_rows(_scored_files(closed_rounds_for(user), officer=officer, unit=unit)))
    )


def officer_outcomes(officer, *, rounds: QuerySet[ReviewRound], n: int = 3) -> dict:
    """An officer's files (handled or co-handled) across the given closed rounds: {"trend": their mean score per
    round, oldest first, "items": every item's mean over those rounds, "weakest": the n weakest of them}. Two
    queries."""
    files = _scored_files(rounds, officer=officer)
    items = _items_by(_counted_scores(files)).get(None, [])
    return {
        "trend": _with_change(_by_round(_round_rows(files))),
        "items": items,
        "weakest": _lowest(items, n),
    }


def own_outcomes(officer, n: int = 3) -> dict:
    """officer_outcomes over every closed round: what the handler reads on their own results page (a round
    appears only once it is closed)."""
    return officer_outcomes(officer, rounds=_closed_rounds(), n=n)


def unit_trends(user, *, unit, n: int = 3) -> dict:
    """Per unit of `unit`'s subtree with scored files in the closed rounds the user may read: its mean file score in
    each of those rounds and its n weakest items across them; and the whole subtree's trend (as `trend(user,
    unit=unit)`). {"trend": [...], "rounds": [{"round_id", "round", "period_end"}, …] oldest first, "units":
    [{"unit_id", "unit", "cells": [{"files", "mean"} or None per round], "weakest"}, …] in tree order}. Two
    queries."""
    files = _scored_files(closed_rounds_for(user), unit=unit)
    keys = ("case__unit_id", "case__unit__name", "case__unit__path")
    per_unit = _round_rows(files, *keys)
    rounds: dict[int, dict] = {}
    units: dict[int, dict] = {}
    for cell in _by_round(per_unit, *keys):
        rounds.setdefault(
            cell["round_id"],
            {"round_id": cell["round_id"], "round": cell["round"], "period_end": cell["period_end"]},
        )
        row = units.setdefault(
            cell["case__unit_id"],
            {
                "unit_id": cell["case__unit_id"],
                "unit": cell["case__unit__name"],
                "path": cell["case__unit__path"],
            },
        )
        row[cell["round_id"]] = {"files": cell["files"], "mean": cell["mean"]}
    items = _items_by(_counted_scores(files), "review__assignment__round_case__case__unit_id")
    rows = []
    for row in sorted(units.values(), key=lambda r: r["path"]):
        rows.append(
            {
                "unit_id": row["unit_id"],
                "unit": row["unit"],
                "cells": [row.get(round_id) for round_id in rounds],
                "weakest": _lowest(items.get(row["unit_id"], []), n),
            }
        )
    return {"trend": _with_change(_by_round(per_unit)), "rounds": list(rounds.values()), "units": rows}


def officer_files(officer) -> list[dict]:
    """The handler's own results page: their files (handler or co-handler) in closed rounds, newest round first,
    each with its final score, per item the mean score over the reviews the score rests on (low below 60 % of the
    item's highest score), the findings, and the follow-ups set from them. Three queries, whatever the number of
    files or rounds."""
    if officer is None:
        return []
    files = RoundCase.objects.filter(round__in=_closed_rounds().values("pk"), case__in=_files_of(officer))
    round_cases = list(
        files.select_related("round__rubric", "case__unit", "case__handler").order_by(
            "-round__closed_at", "draw_order"
        )
    )
    per_file: dict[int, dict[int, dict]] = defaultdict(dict)
    scores = (
        _counted_scores(files)
        .select_related("item", "review__assignment")
        .order_by("item__sort_order", "item_id", "review__assignment__ordinal")
    )
    for s in scores:
        row = per_file[s.review.assignment.round_case_id].setdefault(
            s.item_id, {"item": s.item, "scores": [], "findings": []}
        )
        row["scores"].append(s.score)
        if s.finding:
            row["findings"].append(s.finding)
    follow_ups = defaultdict(list)
    for f in FollowUp.objects.filter(officer=officer).select_related(
        "knowledge_point", "finding__review__assignment"
    ):
        follow_ups[f.finding.review.assignment.round_case_id].append(f)
    rows = []
    for rc in round_cases:
        items = list(per_file.get(rc.pk, {}).values())
        for item in items:
            item["mean"] = _mean(item["scores"])
            item["low"] = item["mean"] < LOW_SHARE * item["item"].max_score
        rows.append(
            {
                "round_case": rc,
                "round": rc.round,
                "case": rc.case,
                "is_handler": rc.case.handler_id == officer.pk,
                "items": items,
                "follow_ups": follow_ups.get(rc.pk, []),
            }
        )
    return rows


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
