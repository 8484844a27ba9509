"""Round results for staff (leaders, training admins, HR of the subtree): per-officer and per-unit scorecards, the
weakest items, the trend across closed rounds (the subtree's, and per unit with each unit's weakest items), an
officer's page (their trend and weakest items across the closed rounds the user reads), the xlsx export and a
printable A4 report. Thin views over appraisal.outcomes; a round or officer outside the user's subtree is a 404.

A file's reviews: each reviewer's correction chain (original → corrections: who, when, why, which scores changed),
and the runner's correction (更正评分) of a submitted review through appraisal.services.reviews.correct_review. Only
the round's runners (unit leaders and training admins of the subtree, superusers) correct, never a review of a file
they handled or co-handled; HR reads the chain; reviewers correct their own review from their own page."""

from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin import messages

from appraisal import outcomes, selectors
from appraisal.models import CaseReview, ReviewAssignment, ReviewItemScore, ReviewRound, RoundCase
from appraisal.services import reviews as review_services
from cms.admin_tools import render, require, spreadsheet_response
from cms.selectors import officer_of, officers_visible_to, person_name


def _round(request, pk):
    require(request, selectors.can_read_rounds)
    return get_object_or_404(
        outcomes.rounds_with_results_for(request.user).select_related("rubric", "unit"), pk=pk
    )


def index(request):
    require(request, selectors.can_read_rounds)
    rounds = (
        outcomes.rounds_with_results_for(request.user).select_related("unit").order_by("-period_end", "-id")
    )
    return render(request, "appraisal/admin/results_index.html", _("Case review results"), {"rounds": rounds})


def detail(request, pk):
    round_ = _round(request, pk)
    results = outcomes.round_results(round_)
    # Each file links to its reviews (results["files"][…]["round_case_id"]: the correction chains and, for runners,
    # 更正评分); each officer to their trend and weakest items across rounds.
    unit_trends = outcomes.unit_trends(request.user, unit=round_.unit)
    context = {
        "results": results,
        "weakest": outcomes.weakest_items(results),
        "trend": unit_trends["trend"],
        "unit_trends": unit_trends,
    }
    return render(
        request, "appraisal/admin/results_detail.html", round_.name, context, subtitle=_("Review results")
    )


def officer_detail(request, officer_pk):
    """One officer of the user's subtree: their mean score per closed round the user reads (oldest first) and every
    item's mean across those rounds, the weakest marked. An officer outside the subtree is a 404."""
    require(request, selectors.can_read_rounds)
    person = get_object_or_404(officers_visible_to(request.user).select_related("unit"), pk=officer_pk)
    data = outcomes.officer_outcomes(person, rounds=outcomes.closed_rounds_for(request.user))
    return render(
        request,
        "appraisal/admin/results_officer.html",
        person.name,
        {"officer": person, **data},
        subtitle=_("Case review results"),
    )


def export(request, pk):
    round_ = _round(request, pk)
    headers, rows = outcomes.export_rows(outcomes.round_results(round_))
    return spreadsheet_response(f"{round_.name}.xlsx", headers, rows, sheet_title=round_.name)


def report(request, pk):
    """A standalone page for printing (A4, print CSS), without the admin's chrome."""
    round_ = _round(request, pk)
    results = outcomes.round_results(round_)
    return TemplateResponse(
        request,
        "appraisal/admin/results_report.html",
        {"results": results, "round": round_, "weakest": outcomes.weakest_items(results)},
    )


# --- a file's reviews and the runner's correction ------------------------------------------------------------------


def _plain(value: Decimal) -> Decimal:
    """8.00 → 8, 7.50 → 7.5 (without normalize()'s 1E+1 for 10)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _handled(user, round_case: RoundCase) -> bool:
    officer = officer_of(user)
    return officer is not None and officer.pk in round_case.case.handler_ids()


def _may_correct(user, round_: ReviewRound, round_case: RoundCase) -> bool:
    """The round's runners correct any review of it, except one of a file they handled."""
    runnable = selectors.rounds_runnable_by(user).filter(pk=round_.pk).exists()
    return runnable and not _handled(user, round_case)


def _chains(round_case: RoundCase) -> list[dict]:
    """Per assignment (review number order): its reviews oldest first, each correction with the scores it changed;
    the last is the effective review. Three queries, whatever the length of the chains."""
    assignments = list(
        ReviewAssignment.objects.filter(round_case=round_case)
        .select_related("reviewer__unit")
        .order_by("ordinal")
    )
    submitted = (
        CaseReview.objects.filter(assignment__round_case=round_case)
        .select_related("submitted_by__officer")
        .prefetch_related(Prefetch("scores", queryset=ReviewItemScore.objects.select_related("item")))
        .order_by("submitted_at", "pk")
    )
    by_assignment: dict[int, list[CaseReview]] = {}
    for review in submitted:
        by_assignment.setdefault(review.assignment_id, []).append(review)
    rows = []
    for assignment in assignments:
        chain = by_assignment.get(assignment.pk, [])
        by_pk = {review.pk: review for review in chain}
        entries = []
        for review in chain:
            scores = list(review.scores.all())
            changes = []
            earlier = by_pk.get(review.corrects_id)
            if earlier is not None:
                before = {s.item_id: s for s in earlier.scores.all()}
                for s in scores:
                    old = before.get(s.item_id)
                    if old is None or old.score != s.score or old.finding != s.finding:
                        changes.append(
                            {
                                "item": s.item.name,
                                "before": old.score if old else None,
                                "after": s.score,
                                "finding_changed": old is None or old.finding != s.finding,
                            }
                        )
            entries.append(
                {
                    "review": review,
                    "who": person_name(review.submitted_by),
                    "scores": scores,
                    "changes": changes,
                }
            )
        corrected = {review.corrects_id for review in chain if review.corrects_id}
        effective = next((e for e in reversed(entries) if e["review"].pk not in corrected), None)
        rows.append({"assignment": assignment, "chain": entries, "effective": effective})
    return rows


def file_reviews(request, pk, file_pk):
    """One drawn file of a round: its reviewers' correction chains; runners get 更正评分 on each effective review."""
    round_ = _round(request, pk)
    round_case = get_object_or_404(
        RoundCase.objects.select_related("case__unit", "case__handler").prefetch_related("case__co_handlers"),
        round=round_,
        pk=file_pk,
    )
    return render(
        request,
        "appraisal/admin/results_file.html",
        round_case.case.number,
        {
            "round": round_,
            "round_case": round_case,
            "case": round_case.case,
            "reviews": _chains(round_case),
            "may_correct": _may_correct(request.user, round_, round_case),
        },
        subtitle=round_.name,
    )


class CorrectionForm(forms.Form):
    """The runner's correction: every rubric item's score and finding, pre-filled from the review it corrects, the
    overall comment and a required reason."""

    def __init__(self, *args, items, review: CaseReview, **kwargs):
        super().__init__(*args, **kwargs)
        current = {s.item_id: s for s in review.scores.all()}
        self.items = items
        for item in items:
            old = current.get(item.pk)
            self.fields[f"score_{item.pk}"] = forms.DecimalField(
                label=_("Score (0–%(max)s)") % {"max": item.max_score},
                min_value=0,
                max_value=item.max_score,
                decimal_places=2,
                initial=_plain(old.score) if old else None,
                help_text=item.guide,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            )
            self.fields[f"finding_{item.pk}"] = forms.CharField(
                label=_("Finding"),
                required=False,
                initial=old.finding if old else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["comment"] = forms.CharField(
            label=gettext_lazy("Overall comment"),
            required=False,
            initial=review.comment,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        self.fields["reason"] = forms.CharField(
            label=gettext_lazy("Reason for correction"),
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=gettext_lazy("Kept with the correction and shown beside the earlier review."),
        )

    def item_rows(self):
        return [(item, self[f"score_{item.pk}"], self[f"finding_{item.pk}"]) for item in self.items]

    def scores(self) -> dict:
        data = self.cleaned_data
        return {item.pk: (data[f"score_{item.pk}"], data[f"finding_{item.pk}"]) for item in self.items}

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, errors in exc.message_dict.items():
            field = f"score_{key[5:]}" if key.startswith("item-") else key
            self.add_error(field if field in self.fields else None, errors)


_REFUSALS = {
    "already_corrected": gettext_lazy("This review was already corrected; open the latest one."),
    "handled_file": gettext_lazy(
        "You handled this file: another unit leader or training admin of the round corrects its reviews."
    ),
}


@require_http_methods(["GET", "POST"])
def correct(request, pk, review_pk):
    """更正评分: a runner of the round's subtree corrects a submitted review (a new review with the reason; the earlier
    one is kept). HR and reviewers are refused (403), a round outside the subtree is a 404, a file the user handled
    or co-handled a 403."""
    require(request, selectors.can_run_rounds)
    round_ = get_object_or_404(
        selectors.rounds_runnable_by(request.user)
        .exclude(status=ReviewRound.Status.DRAFT)
        .select_related("rubric", "unit"),
        pk=pk,
    )
    review = get_object_or_404(
        CaseReview.objects.select_related(
            "assignment__round_case__case", "assignment__reviewer__unit", "submitted_by__officer"
        ).prefetch_related(Prefetch("scores", queryset=ReviewItemScore.objects.select_related("item"))),
        pk=review_pk,
        assignment__round_case__round=round_,
    )
    round_case = review.assignment.round_case
    if _handled(request.user, round_case):
        raise PermissionDenied
    back = redirect("appraisal_results_file", pk=round_.pk, file_pk=round_case.pk)
    if CaseReview.objects.filter(corrects=review).exists():
        messages.error(request, _REFUSALS["already_corrected"])
        return back
    items = list(round_.rubric.items.order_by("sort_order", "id"))
    form = CorrectionForm(request.POST or None, items=items, review=review)
    if request.method == "POST" and form.is_valid():
        try:
            review_services.correct_review(
                by=request.user,
                review=review,
                scores=form.scores(),
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except review_services.ReviewRefused as exc:
            messages.error(request, _REFUSALS.get(exc.code, gettext_lazy("You may not change this review.")))
            return back
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The correction was recorded; the earlier review is kept."))
            return back
    response = render(
        request,
        "appraisal/admin/results_correct.html",
        _("Correct the scores"),
        {
            "round": round_,
            "round_case": round_case,
            "case": round_case.case,
            "review": review,
            "who": person_name(review.submitted_by),
            "form": form,
        },
        subtitle=f"{round_case.case.number} · {review.assignment.reviewer.name}",
    )
    if form.errors:
        response.status_code = 400
    return response


urlpatterns = [
    path("", index, name="appraisal_results"),
    path("<int:pk>/", detail, name="appraisal_results_detail"),
    path("officers/<int:officer_pk>/", officer_detail, name="appraisal_results_officer"),
    path("<int:pk>/files/<int:file_pk>/", file_reviews, name="appraisal_results_file"),
    path("<int:pk>/reviews/<int:review_pk>/correct/", correct, name="appraisal_results_correct"),
    path("<int:pk>/export/", export, name="appraisal_results_export"),
    path("<int:pk>/report/", report, name="appraisal_results_report"),
]
