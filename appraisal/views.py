"""Reviewer and handler pages of appraisal, under /appraisal/ (phone first): 我的评查任务, the review form with the
file's facts and documents, the handler's results after a round closes (with their score per closed round and
their weakest items across those rounds) and their follow-up study. Thin views over appraisal.review_selectors,
appraisal.outcomes and appraisal.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from appraisal import outcomes, review_selectors
from appraisal.models import FollowUp
from appraisal.services import follow_ups, reviews
from cms import thumbnails, uploads
from cms.selectors import officer_of


def _own_assignment(user, pk):
    """The user's own assignment, else 404: reviewers see only the files assigned to them."""
    return get_object_or_404(
        review_selectors.assignments_of(user).select_related("round_case__round__rubric", "round_case__case"),
        pk=pk,
    )


def _posted_scores(request, items) -> dict:
    return {
        item.pk: (
            request.POST.get(f"score-{item.pk}", "").strip() or None,
            request.POST.get(f"finding-{item.pk}", ""),
        )
        for item in items
    }


def _drop_missing(scores: dict) -> dict:
    """Unscored items are left out, so the service names each of them."""
    return {pk: v for pk, v in scores.items() if v[0] is not None}


def _errors(exc: ValidationError) -> tuple[dict, list[str]]:
    if hasattr(exc, "message_dict"):
        by_field = {k: "；".join(v) for k, v in exc.message_dict.items()}
        return by_field, [m for k, m in by_field.items() if not k.startswith("item-")]
    return {}, list(exc.messages)


@login_required
def review_list(request):
    rows = list(review_selectors.assignments_of(request.user))
    pending = [a for a in rows if not a.submitted and a.round_case.round.status == "open"]
    done = [a for a in rows if a not in pending]
    return render(request, "appraisal/reviews.html", {"pending": pending, "done": done})


@login_required
@require_http_methods(["GET", "POST"])
def review_form(request, pk):
    assignment = _own_assignment(request.user, pk)
    context = review_selectors.review_page(assignment)
    context.update({"errors": {}, "form_errors": [], "posted": {}})
    if request.method == "POST":
        posted = _posted_scores(request, context["items"])
        context["posted"] = {pk: {"score": s or "", "finding": f} for pk, (s, f) in posted.items()}
        context["comment"] = request.POST.get("comment", "")
        context["reason"] = request.POST.get("reason", "")
        correcting = request.POST.get("action") == "correct"
        if not request.POST.get("confirm"):
            context["form_errors"] = [_("Tick the box to confirm: a submitted review is final.")]
            context["correcting"] = correcting
            return _page(request, context, status=400)
        try:
            if correcting:
                if context["review"] is None:
                    raise Http404
                reviews.correct_review(
                    by=request.user,
                    review=context["review"],
                    scores=_drop_missing(posted),
                    reason=context["reason"],
                    comment=context["comment"],
                )
                messages.success(request, _("The correction was recorded; the earlier review is kept."))
            else:
                reviews.submit_review(
                    by=request.user,
                    assignment=assignment,
                    scores=_drop_missing(posted),
                    comment=context["comment"],
                )
                messages.success(request, _("Review submitted."))
        except reviews.ReviewRefused as exc:
            messages.error(request, _refusal_text(exc.code))
            return redirect("appraisal:review", pk=assignment.pk)
        except ValidationError as exc:
            context["errors"], context["form_errors"] = _errors(exc)
            context["correcting"] = correcting
            return _page(request, context, status=400)
        return redirect("appraisal:review", pk=assignment.pk)
    return _page(request, context)


def _rows(context) -> list[dict]:
    """One row per rubric item: what the form shows (what was posted, else the effective review's values)."""
    posted, scores, errors = context.get("posted") or {}, context["scores"], context.get("errors") or {}
    rows = []
    for item in context["items"]:
        if item.pk in posted:
            score, finding = posted[item.pk]["score"], posted[item.pk]["finding"]
        elif item.pk in scores:
            score, finding = (
                format(scores[item.pk].score.normalize(), "f"),
                scores[item.pk].finding,
            )  # 10.00 → "10", not "1E+1"
        else:
            score, finding = "", ""
        rows.append(
            {"item": item, "score": score, "finding": finding, "error": errors.get(f"item-{item.pk}")}
        )
    return rows


def _page(request, context, status=200):
    context["rows"] = _rows(context)
    return render(request, "appraisal/review_form.html", context, status=status)


def _refusal_text(code: str) -> str:
    return {
        "already_submitted": _("This review was already submitted; it is final."),
        "already_corrected": _("This review was already corrected; open the latest one."),
        "round_not_open": _("The round is no longer open for review."),
    }.get(code, _("You may not change this review."))


@login_required
def document(request, pk):
    """A case file's scanned document, for those who may read the file (see review_selectors)."""
    doc = get_object_or_404(review_selectors.documents_readable_by(request.user), pk=pk)
    if request.GET.get("size") == "thumb" and doc.is_image:
        return uploads.serve_private(
            thumbnails.thumbnail_of(doc.file),
            content_type=thumbnails.THUMBNAIL_TYPE,
            original_name=doc.original_name,
        )
    return uploads.serve_private(doc.file, content_type=doc.content_type, original_name=doc.original_name)


@login_required
def results(request):
    """The handler's own results: only files of closed rounds appear, with the score per closed round (oldest first)
    and the weakest items across them."""
    officer = officer_of(request.user)
    if officer is None:
        raise Http404
    context = {"rows": outcomes.officer_files(officer), "outcomes": outcomes.own_outcomes(officer)}
    return render(request, "appraisal/results.html", context)


@login_required
def follow_up_list(request):
    officer = officer_of(request.user)
    if officer is None:
        raise Http404
    follow_ups.refresh_status(officer)
    rows = list(
        FollowUp.objects.filter(officer=officer)
        .select_related(
            "knowledge_point__bank",
            "finding__item",
            "finding__review__assignment__round_case__case",
            "finding__review__assignment__round_case__round",
            "mentor_task",
        )
        .order_by("status", "due_on", "pk")
    )
    open_points = [f.knowledge_point for f in rows if f.kind == FollowUp.Kind.LESSONS and f.status == "open"]
    lessons = follow_ups.lessons_covering(open_points)
    for f in rows:
        f.lessons = lessons.get(f.knowledge_point_id, []) if f.kind == FollowUp.Kind.LESSONS else []
    return render(request, "appraisal/follow_ups.html", {"rows": rows})
