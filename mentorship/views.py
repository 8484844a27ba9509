"""Mentor dashboard, apprentice view and their one-step actions: thin views over selectors and services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import thumbnails, uploads
from cms.http import safe_next
from cms.selectors import officer_of
from mentorship import selectors, services
from mentorship.forms import (
    AssignmentForm,
    DecisionForm,
    EvaluationForm,
    EvidenceForm,
    ReportForm,
    ReviewForm,
)
from mentorship.models import Apprenticeship, Assignment, Attachment, Evaluation, Milestone, Submission


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


def _mentored(user, pk) -> Apprenticeship:
    """An apprenticeship the user currently mentors, else 404."""
    return get_object_or_404(
        selectors.apprenticeships_mentored_by(user).select_related("officer", "programme"), pk=pk
    )


def _own(user) -> Apprenticeship | None:
    officer = officer_of(user)
    if officer is None:
        return None
    return (
        Apprenticeship.objects.filter(officer=officer)
        .select_related("officer__unit", "programme", "current_stage")
        .order_by("status", "-started_on")
        .first()
    )


@login_required
def dashboard(request):
    data = selectors.mentor_dashboard(request.user)
    if not data["rows"] and _own(request.user) is not None:
        return redirect("mentorship:me")
    data["decision_form"] = DecisionForm()
    data["review_form"] = ReviewForm()
    return render(request, "mentorship/dashboard.html", data)


@login_required
def apprenticeship_detail(request, pk):
    apprenticeship = get_object_or_404(
        selectors.apprenticeships_visible_to(request.user).select_related(
            "officer__unit", "programme", "current_stage"
        ),
        pk=pk,
    )
    is_mentor = selectors.mentor_can_act(request.user, apprenticeship)
    is_self = apprenticeship.officer.user_id == request.user.pk
    if is_self and not is_mentor:
        return redirect("mentorship:me")
    context = selectors.apprenticeship_detail(apprenticeship)
    context.update(
        {
            "is_mentor": is_mentor,
            "decision_form": DecisionForm(),
            "review_form": ReviewForm(),
            "assignment_form": AssignmentForm(programme=apprenticeship.programme),
            "evaluated_stage_ids": {
                e.stage_id
                for e in context["evaluations"]
                if e.direction == Evaluation.Direction.OF_APPRENTICE
            },
        }
    )
    return render(request, "mentorship/apprenticeship.html", context)


EVIDENCE_DRAFT = "mentorship.evidence_draft"


def _upload_limits() -> dict[str, int]:
    """The caps cms.uploads enforces, for the browser's own check before it sends anything (the server checks
    again: uploads are untrusted)."""
    return {
        "max_files": settings.UPLOAD_MAX_FILES,
        "max_file_bytes": settings.UPLOAD_MAX_FILE_BYTES,
        "max_total_bytes": settings.UPLOAD_MAX_TOTAL_BYTES,
    }


@login_required
def me(request):
    apprenticeship = _own(request.user)
    if apprenticeship is None:
        return render(request, "mentorship/none.html", status=200)
    context = selectors.apprenticeship_detail(apprenticeship)
    context.update(
        {
            "evidence_form": EvidenceForm(),
            "report_form": ReportForm(),
            # What the trainee typed before a refusal (e.g. a file of the wrong type), so nothing is typed twice.
            "evidence_draft": request.session.pop(EVIDENCE_DRAFT, None),
            "upload_limits": _upload_limits(),
            "mentor": selectors.active_pairing(apprenticeship),
            "mentor_evaluated_stage_ids": {
                e.stage_id for e in context["evaluations"] if e.direction == Evaluation.Direction.OF_MENTOR
            },
        }
    )
    return render(request, "mentorship/me.html", context)


@login_required
@require_POST
def submit_evidence(request, milestone_pk):
    apprenticeship = _own(request.user)
    if apprenticeship is None:
        raise Http404
    milestone = get_object_or_404(Milestone, pk=milestone_pk, stage__programme=apprenticeship.programme)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.submit_evidence(
                apprenticeship=apprenticeship,
                milestone=milestone,
                by=request.user,
                text=form.cleaned_data["text"],
                happened_on=form.cleaned_data["happened_on"],
                place=form.cleaned_data["place"],
                files=form.cleaned_data["files"],
            )
            messages.success(request, _("Evidence submitted. Your mentor will review it."))
            return redirect("mentorship:me")
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = _("Please correct: %(errors)s") % {
            "errors": "；".join(
                f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items() if f in form.fields
            )
        }
    messages.error(request, error)
    # The form opens again with what was typed and the reason beside it; a browser never refills a file input, so
    # the note says to choose the files again.
    request.session[EVIDENCE_DRAFT] = {
        "milestone": milestone.pk,
        "error": error,
        "had_files": bool(request.FILES.getlist("files")),
        **{k: request.POST.get(k, "")[:5000] for k in ("text", "happened_on", "place")},
    }
    return redirect("mentorship:me")


@login_required
@require_POST
def decide(request, pk):
    submission = get_object_or_404(
        Submission.objects.filter(apprenticeship__in=selectors.apprenticeships_mentored_by(request.user)),
        pk=pk,
    )
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide(
                submission=submission,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Decision recorded."))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return redirect(safe_next(request, request.POST.get("next"), "mentorship:dashboard"))


@login_required
@require_POST
def set_assignment(request, pk):
    apprenticeship = _mentored(request.user, pk)
    form = AssignmentForm(request.POST, programme=apprenticeship.programme)
    if form.is_valid():
        try:
            services.set_assignment(apprenticeship=apprenticeship, by=request.user, **form.cleaned_data)
            messages.success(request, _("Task set."))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("Please give the task a title and a valid due date."))
    return redirect("mentorship:apprenticeship", pk=apprenticeship.pk)


@login_required
@require_POST
def report_assignment(request, pk):
    apprenticeship = _own(request.user)
    if apprenticeship is None:
        raise Http404
    assignment = get_object_or_404(Assignment, pk=pk, apprenticeship=apprenticeship)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_assignment(
                assignment=assignment,
                by=request.user,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
            )
            messages.success(request, _("Report sent to your mentor."))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("Write what you did."))
    return redirect("mentorship:me")


@login_required
@require_POST
def review_assignment(request, pk):
    assignment = get_object_or_404(
        Assignment.objects.filter(apprenticeship__in=selectors.apprenticeships_mentored_by(request.user)),
        pk=pk,
    )
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_assignment(assignment=assignment, by=request.user, **form.cleaned_data)
            messages.success(request, _("Review recorded."))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return redirect(safe_next(request, request.POST.get("next"), "mentorship:dashboard"))


@login_required
def evaluate(request, pk, stage_pk):
    apprenticeship = get_object_or_404(
        selectors.apprenticeships_visible_to(request.user).select_related("officer"), pk=pk
    )
    if selectors.mentor_can_act(request.user, apprenticeship):
        direction, back = Evaluation.Direction.OF_APPRENTICE, ("mentorship:apprenticeship", apprenticeship.pk)
    elif apprenticeship.officer.user_id == request.user.pk:
        direction, back = Evaluation.Direction.OF_MENTOR, ("mentorship:me",)
    else:
        raise Http404
    stage = get_object_or_404(apprenticeship.programme.stages, pk=stage_pk)
    form = EvaluationForm(request.POST or None, direction=direction)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_evaluation(
                apprenticeship=apprenticeship,
                stage=stage,
                by=request.user,
                direction=direction,
                scores=form.scores(),
                comments=form.comments(),
                overall_comment=form.cleaned_data["overall_comment"],
            )
            messages.success(request, _("Evaluation saved."))
            return redirect(*back)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return render(
        request,
        "mentorship/evaluate.html",
        {
            "form": form,
            "apprenticeship": apprenticeship,
            "stage": stage,
            "direction": direction,
            "rows": [(form[f"score_{k}"], form[f"comment_{k}"]) for k, _label in form.rubric],
        },
    )


@login_required
def attachment(request, pk):
    att = get_object_or_404(Attachment.objects.select_related("submission", "report__assignment"), pk=pk)
    apprenticeship_id = (
        att.submission.apprenticeship_id if att.submission_id else att.report.assignment.apprenticeship_id
    )
    if not selectors.apprenticeships_visible_to(request.user).filter(pk=apprenticeship_id).exists():
        raise Http404
    if request.GET.get("size") == "thumb" and att.is_image:
        # Mentors review on phones: the list shows a small picture, the full photo opens from it.
        return uploads.serve_private(
            thumbnails.thumbnail_of(att.file),
            content_type=thumbnails.THUMBNAIL_TYPE,
            original_name=att.original_name,
        )
    return uploads.serve_private(att.file, content_type=att.content_type, original_name=att.original_name)
