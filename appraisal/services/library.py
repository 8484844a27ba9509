"""Proposing a round's best-scored file for the case library (经验推广) in one step: a draft CasePage under the
library, built from the file's facts with personal details removed (appraisal.redaction), submitted to the page
moderation workflow. Only the round's runners (unit leaders and training admins of its subtree) may propose."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from appraisal import redaction, selectors
from appraisal.models import ReviewItemScore, ReviewRound, RoundCase
from appraisal.pages import CaseLibraryPage, CasePage
from appraisal.services import reviews as review_services
from cms import audit
from cms.models import Officer

EXEMPLARY_SHARE = Decimal(
    "0.9"
)  # items scored at least this share of their highest score give the knowledge points


class LibraryRefused(PermissionDenied):
    """The acting user may not propose this file; `code` names the rule."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message)
        self.code = code


class LibraryError(ValidationError):
    """The file cannot be proposed (round not closed, no final score, already proposed, no library); stable `code`."""

    def __init__(self, message, code: str):
        super().__init__(message, code=code)
        self.code = code


def _require_runner(by, round_: ReviewRound) -> None:
    if not selectors.can_run_rounds(by):
        raise LibraryRefused("not_permitted")
    if not selectors.rounds_runnable_by(by).filter(pk=round_.pk).exists():
        raise LibraryRefused("out_of_scope")


def library_page() -> CaseLibraryPage | None:
    """The live case library (the first in the page tree)."""
    return CaseLibraryPage.objects.live().order_by("path").first()


def _people(round_case: RoundCase) -> list[str]:
    """Names to mask: the handler and co-handlers, the file's reviewers and every officer of the file's unit."""
    case = round_case.case
    ids = Officer.objects.filter(unit=case.unit_id).values("pk")
    names = set(Officer.objects.filter(pk__in=ids).values_list("name", flat=True))
    names.add(case.handler.name)
    names.update(case.co_handlers.values_list("name", flat=True))
    names.update(round_case.assignments.values_list("reviewer__name", flat=True))
    return sorted(n for n in names if n)


def _procedure(case) -> str:
    lines = [
        _("Case kind: %(kind)s") % {"kind": case.get_kind_display()},
        _("Opened on %(date)s") % {"date": formats.date_format(case.opened_on, "DATE_FORMAT")},
        _("Closed on %(date)s") % {"date": formats.date_format(case.closed_on, "DATE_FORMAT")},
    ]
    if case.penalty_amount is not None:
        lines.append(_("Fine: %(amount)s yuan") % {"amount": formats.number_format(case.penalty_amount, 2)})
    return "\n".join(lines)


def _findings(round_case: RoundCase, scrub) -> tuple[str, list]:
    """(lessons learned text, knowledge points of the items the file did best on) from its final reviews."""
    reviews = list(
        review_services.effective_reviews()
        .filter(assignment__round_case=round_case)
        .order_by("assignment__ordinal")
    )
    scores = list(
        ReviewItemScore.objects.filter(review__in=reviews)
        .select_related("item")
        .prefetch_related("item__knowledge_points")
        .order_by("item__sort_order", "item_id", "review__assignment__ordinal")
    )
    lines = [_("Review score: %(score)s") % {"score": round_case.score}]
    lines += [scrub(r.comment) for r in reviews if r.comment.strip()]
    by_item: dict[int, list] = {}
    for row in scores:
        by_item.setdefault(row.item_id, []).append(row)
    points: dict[int, object] = {}
    for rows in by_item.values():
        item = rows[0].item
        for row in rows:
            if row.finding.strip():
                lines.append(f"{item.name}：{scrub(row.finding)}")
        mean = sum((r.score for r in rows), Decimal(0)) / len(rows)
        if item.max_score and mean / item.max_score >= EXEMPLARY_SHARE:
            points.update((p.pk, p) for p in item.knowledge_points.all())
    return "\n".join(lines), list(points.values())


@transaction.atomic
def propose_from_round(*, by, round_case: RoundCase) -> CasePage:
    """Create a draft library case from a closed round's scored file and submit it to the moderation workflow."""
    round_case = RoundCase.objects.select_related("round", "case", "case__unit", "case__handler").get(
        pk=round_case.pk
    )
    round_ = round_case.round
    _require_runner(by, round_)
    if round_.status != ReviewRound.Status.CLOSED:
        raise LibraryError(_("Only files of a closed round can be proposed for the library."), "not_closed")
    if round_case.score is None:
        raise LibraryError(_("This file has no final score."), "not_scored")
    if CasePage.objects.filter(source=round_case).exists():
        raise LibraryError(_("This file has already been proposed for the library."), "already_proposed")
    library = library_page()
    if library is None:
        raise LibraryError(_("There is no published case library to add the case to."), "no_library")
    workflow = library.get_workflow()
    if workflow is None:
        raise LibraryError(_("The case library has no moderation workflow."), "no_workflow")

    case = round_case.case
    people = _people(round_case)
    party_label = _("the party")

    def scrub(text: str) -> str:
        return redaction.scrub(text, people=people, parties=[case.party], party_label=party_label)

    lessons, points = _findings(round_case, scrub)
    page = CasePage(
        title=scrub(case.title)[:255],
        slug=f"round-{round_.pk}-case-{case.pk}",
        kind=case.kind,
        facts=scrub(case.summary) or scrub(case.title),
        legal_basis=scrub(case.legal_provisions),
        procedure=_procedure(case),
        lessons_learned=lessons,
        source=round_case,
        live=False,
        owner=by,
    )
    page.tags.add(str(case.get_kind_display()), _("Exemplary case file"))
    library.add_child(instance=page)
    page.knowledge_points.set(
        points
    )  # written by the save: treebeard's add_child drops a parental m2m set before it
    page.save()
    revision = page.save_revision(user=by, log_action=True)
    workflow.start(page, by)
    audit.record(
        actor=by,
        action="appraisal.library_propose",
        obj=round_case,
        unit=case.unit,
        after={
            "page": page.pk,
            "title": page.title,
            "round": round_.pk,
            "case": case.number,
            "revision": revision.pk,
            "workflow": workflow.name,
        },
    )
    return page
