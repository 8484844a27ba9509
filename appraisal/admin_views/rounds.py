"""Review rounds (评查轮次) in the admin: the list of the subtree's rounds, the form that opens one, and the round page
(the draw per street and the handlers it covers, the assignments and each reviewer's progress) with the buttons
that draw and assign, and close. Unit leaders and training admins (and superusers) run rounds in their subtree;
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
from appraisal.models import CaseReview, ReviewAssignment, ReviewRound, RoundCase
from appraisal.services import rounds as round_services
from cms.admin_tools import permission_menu_item, render, require
from cms.admin_views.scoping import UnitChoiceField, UnitPaths


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
    if cases or round_.status == ReviewRound.Status.DRAFT:
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
        },
        subtitle=_("Review round"),
        icon="tasks",
    )


def _runnable(request, pk: int) -> ReviewRound:
    require(request, selectors.can_run_rounds)
    return get_object_or_404(selectors.rounds_runnable_by(request.user), pk=pk)


@require_POST
def round_draw(request, pk: int):
    round_ = _runnable(request, pk)
    try:
        round_services.draw_and_assign(by=request.user, round_=round_)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The files are drawn and the reviewers assigned."))
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
