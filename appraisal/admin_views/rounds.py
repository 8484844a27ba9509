"""Review rounds (评查轮次) in the admin: the list of the subtree's rounds, the form that opens one, and the round page
(the draw per street and the handlers it covers, the assignments and each reviewer's progress) with the buttons
that draw and assign (a django-q task: the page shows 抽取中… and its step until it is done) and close. Unit leaders and training admins (and superusers) run rounds in their subtree;
HR reads them; anyone else is refused, and a round outside the user's subtree is a 404."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import AdminDateInput

from appraisal import selectors
from appraisal.models import CaseReview, DrawState, ReviewAssignment, ReviewRound, RoundCase
from appraisal.services import rounds as round_services
from cms.admin_tools import permission_menu_item, render, require
from cms.admin_views.scoping import UnitChoiceField, UnitPaths

# While a draw runs, the round page reloads itself this often (no JavaScript needed).
DRAW_REFRESH_SECONDS = 2


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Round name"), max_length=150, required=False)
    unit = UnitChoiceField(label=_("Unit subtree"), queryset=None)
    period_start = forms.DateField(label=_("Closed from"), widget=AdminDateInput)
    period_end = forms.DateField(label=_("Closed until"), widget=AdminDateInput)
    rubric = forms.ModelChoiceField(label=_("Rubric"), queryset=None)
    per_street = forms.IntegerField(
        label=_("Files per street"), min_value=1, max_value=100, required=False, initial=3
    )
    share = forms.DecimalField(
        label=_("Share of files"),
        min_value=Decimal("0.001"),
        max_value=Decimal(1),
        decimal_places=3,
        required=False,
        help_text=_(
            "Or draw this share of each street's files (0–1), rounded up; leave files per street empty."
        ),
    )
    min_per_handler = forms.IntegerField(
        label=_("At least per handler"), min_value=0, max_value=20, initial=1
    )
    reviews_per_file = forms.TypedChoiceField(
        label=_("Reviews per file"), choices=[(2, "2"), (1, "1")], coerce=int, initial=2
    )
    gap = forms.DecimalField(
        label=_("Third review when scores differ by more than"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        initial=Decimal(10),
    )
    follow_up_days = forms.IntegerField(
        label=_("Follow-up due in (days)"), min_value=1, max_value=365, initial=30
    )
    seed = forms.IntegerField(
        label=_("Random seed"),
        required=False,
        min_value=0,
        max_value=2**62,
        help_text=_("Leave empty for a random seed; it is stored so that the draw can be reproduced."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.round_units_for(user)
        self.fields["rubric"].queryset = selectors.round_rubrics_for(user).order_by("-is_default", "name")
        default = self.fields["rubric"].queryset.filter(is_default=True).first()
        if default is not None:
            self.fields["rubric"].initial = default.pk

    def clean(self):
        data = super().clean()
        if data.get("per_street") is not None and data.get("share") is not None:
            self.add_error(
                "share", _("Give either a number of files per street or a share of files, not both.")
            )
        elif data.get("per_street") is None and data.get("share") is None and not self.errors:
            self.add_error("per_street", _("Give a number of files per street or a share of files."))
        return data


def round_index(request):
    require(request, selectors.can_read_rounds)
    rows = (
        selectors.rounds_visible_to(request.user)
        .select_related("unit", "rubric")
        .annotate(files=Count("cases", distinct=True), assignments=Count("cases__assignments", distinct=True))
        .order_by("-created_at", "-id")[:200]
    )
    return render(
        request,
        "appraisal/admin/round_index.html",
        _("Review rounds"),
        {"rounds": rows, "can_run": selectors.can_run_rounds(request.user)},
        icon="tasks",
    )


def round_add(request):
    require(request, selectors.can_run_rounds)
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = round_services.open_round(
                by=request.user,
                unit=data["unit"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                rubric=data["rubric"],
                name=data["name"],
                per_street=data["per_street"],
                share=data["share"],
                min_per_handler=data["min_per_handler"],
                reviews_per_file=data["reviews_per_file"],
                gap=data["gap"],
                follow_up_days=data["follow_up_days"],
                seed=data["seed"],
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The round is open: draw the files when you are ready."))
            return redirect("appraisal_rounds:detail", pk=round_.pk)
    return render(
        request, "appraisal/admin/round_form.html", _("New review round"), {"form": form}, icon="tasks"
    )


def _round_cases(round_: ReviewRound) -> list[RoundCase]:
    assignments = (
        ReviewAssignment.objects.select_related("reviewer__unit")
        .annotate(done=Exists(CaseReview.objects.filter(assignment=OuterRef("pk"))))
        .order_by("ordinal")
    )
    return list(
        round_.cases.select_related("case__unit", "case__handler").prefetch_related(
            Prefetch("assignments", queryset=assignments)
        )
    )


def round_detail(request, pk: int):
    require(request, selectors.can_read_rounds)
    round_ = get_object_or_404(
        selectors.rounds_visible_to(request.user).select_related("unit", "rubric", "opened_by"), pk=pk
    )
    cases = _round_cases(round_)
    paths = UnitPaths()
    streets: dict[int, dict] = {}
    for rc in cases:
        street = streets.setdefault(
            rc.case.unit_id, {"name": paths.full_name(rc.case.unit.path), "files": 0, "handlers": set()}
        )
        street["files"] += 1
        street["handlers"].add(rc.case.handler_id)
        rc.unit_name = paths.full_name(rc.case.unit.path)
    eligible_handlers: dict[int, set] = defaultdict(set)
    # Not while a draw runs (the page reloads every few seconds then); again when the draw seems lost.
    drawing = round_.draw_in_progress and not round_services.draw_seems_lost(round_)
    if cases or (round_.status == ReviewRound.Status.DRAFT and not drawing):
        for unit_id, handler_id in round_services.eligible_files(round_).values_list("unit_id", "handler_id"):
            eligible_handlers[unit_id].add(handler_id)
    by_street = [
        {
            **street,
            "handlers_covered": len(street["handlers"]),
            "handlers_total": len(eligible_handlers.get(unit_id, ())),
        }
        for unit_id, street in sorted(streets.items(), key=lambda item: item[1]["name"])
    ]
    can_run = selectors.rounds_runnable_by(request.user).filter(pk=round_.pk).exists()
    progress = round_services.progress(round_)
    pending = sum(row["pending"] for row in progress)
    draw = _draw_context(round_, cases, progress)
    return render(
        request,
        "appraisal/admin/round_detail.html",
        round_.name,
        {
            "round": round_,
            "unit_name": paths.full_name(round_.unit.path),
            "cases": cases,
            "by_street": by_street,
            "eligible_count": sum(len(h) for h in eligible_handlers.values()),
            "progress": progress,
            "pending": pending,
            "submitted": sum(row["submitted"] for row in progress),
            "can_run": can_run,
            "draw": draw,
            "refresh_seconds": DRAW_REFRESH_SECONDS
            if draw["state"] == "running" and not draw["lost"]
            else None,
        },
        subtitle=_("Review round"),
        icon="tasks",
    )


def _draw_context(round_: ReviewRound, cases, progress) -> dict:
    """What the round page says about the draw: its step while the task runs (and whether it seems lost: then it
    may be started again), its refusal when it failed, and once drawn the files, the reviews assigned and the load
    per reviewer (from the rows, so third reviews added since count too)."""
    report = round_.draw_report or {}
    if round_.draw_in_progress:
        step = round_.draw_step if round_.draw_state == DrawState.RUNNING else 0
        return {
            "state": "running",
            "lost": round_services.draw_seems_lost(round_),
            "lost_minutes": int(round_services.draw_lost_after().total_seconds() // 60),
            "step": step,
            "steps": len(round_services.DRAW_STEPS),
            "step_label": round_services.DRAW_STEPS.get(step, _("Waiting for a background worker")),
            "candidates": report.get("candidates"),
            "reviewers": report.get("reviewers"),
            "drawn": report.get("drawn"),
        }
    if round_.status == ReviewRound.Status.DRAFT and round_.draw_state == DrawState.FAILED:
        return {
            "state": "failed",
            "error": round_services.draw_error_message(report.get("code"), report.get("params")),
        }
    if cases:
        loads = [row["assigned"] for row in progress]
        return {
            "state": "done",
            "files": len(cases),
            "assignments": sum(loads),
            "reviewers": len(loads),
            "load_min": min(loads, default=0),
            "load_max": max(loads, default=0),
        }
    return {"state": "idle"}


def _runnable(request, pk: int) -> ReviewRound:
    require(request, selectors.can_run_rounds)
    return get_object_or_404(selectors.rounds_runnable_by(request.user), pk=pk)


@require_POST
def round_draw(request, pk: int):
    """Queue the draw (a django-q task); the round page shows its progress and outcome. Where tasks run inline
    (tests, a site without a cluster) the draw is over by the time this answers, so the message says how it ended."""
    round_ = _runnable(request, pk)
    try:
        round_services.request_draw(by=request.user, round_=round_)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("appraisal_rounds:detail", pk=pk)
    round_.refresh_from_db(fields=["draw_state", "draw_report"])
    if round_.draw_state == DrawState.DONE:
        messages.success(request, _("The files are drawn and the reviewers assigned."))
    elif round_.draw_state == DrawState.FAILED:
        report = round_.draw_report or {}
        messages.error(request, round_services.draw_error_message(report.get("code"), report.get("params")))
    else:
        messages.success(request, _("The draw has started; this page shows its progress."))
    return redirect("appraisal_rounds:detail", pk=pk)


@require_POST
def round_close(request, pk: int):
    round_ = _runnable(request, pk)
    try:
        round_services.close_round(
            by=request.user, round_=round_, confirm_pending=request.POST.get("confirm_pending") == "1"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The round is closed."))
    return redirect("appraisal_rounds:detail", pk=pk)


class RoundViewSet(ViewSet):
    """The round pages under /admin/appraisal/rounds/, listed in the 执法考评 menu."""

    name = "appraisal_rounds"
    url_prefix = "appraisal/rounds"
    icon = "tasks"
    menu_label = _("Review rounds")
    menu_name = "appraisal-rounds"
    menu_item_class = permission_menu_item(selectors.can_read_rounds)

    @property
    def menu_url(self):
        return reverse("appraisal_rounds:index")

    def get_urlpatterns(self):
        return [
            path("", round_index, name="index"),
            path("add/", round_add, name="add"),
            path("<int:pk>/", round_detail, name="detail"),
            path("<int:pk>/draw/", round_draw, name="draw"),
            path("<int:pk>/close/", round_close, name="close"),
        ]
