"""Selection board screens (HR and unit leaders, scoped to their subtree): list, create, edit, ranking, decide,
xlsx export.

Mounted at /hr/selection/ by analytics.urls (outside /admin/, so people without the role get a plain 403 rather
than Wagtail's redirect); the pages keep the admin's layout."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from analytics import selectors, services
from analytics.models import COMPONENT_LABELS, AppointmentDecision, SelectionBoard
from cms.admin_tools import require, spreadsheet_response
from cms.models import Post
from cms.selectors import units_visible_to


class BoardForm(forms.ModelForm):
    class Meta:
        model = SelectionBoard
        fields = [
            "title",
            "unit",
            "programme",
            "hired_from",
            "hired_to",
            "w_self_study",
            "w_timeliness",
            "w_training",
            "w_exam",
            "w_mentor_evaluation",
            "w_milestones_on_time",
            "w_appraisal",
        ]
        widgets = {
            "hired_from": forms.DateInput(attrs={"type": "date"}),
            "hired_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(user)
        self.fields["w_appraisal"].help_text = _(
            "The officer's latest enforcement appraisal total (执法考评). Trainees awaiting appointment have none "
            "yet: leave it at 0 for them, give it a weight when choosing among officers in post."
        )

    def clean(self):
        data = super().clean()
        weights = [data.get(f) or 0 for f in self.Meta.fields if f.startswith("w_")]
        if sum(weights) <= 0:
            raise ValidationError(_("At least one weight must be above zero."), code="no_weight")
        return data


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Decision"), choices=AppointmentDecision.Outcome.choices)
    post = forms.ModelChoiceField(label=gettext_lazy("Post"), queryset=Post.objects.none(), required=False)
    rationale = forms.CharField(label=gettext_lazy("Rationale"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, board=None, **kwargs):
        super().__init__(*args, **kwargs)
        if board is not None:
            self.fields["post"].queryset = Post.objects.filter(
                is_open=True, unit__path__startswith=board.unit.path
            )


def board_index(request):
    require(request, selectors.can_view_hr_analytics)
    boards = selectors.boards_visible_to(request.user).select_related("unit", "programme")
    return TemplateResponse(
        request,
        "analytics/board/index.html",
        {"boards": boards, "header_title": _("Selection boards"), "header_icon": "user"},
    )


def board_create(request):
    require(request, selectors.can_view_hr_analytics)
    form = BoardForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        board = form.save(commit=False)
        board.created_by = request.user
        board.save()
        return redirect("analytics:board_detail", pk=board.pk)
    return TemplateResponse(
        request,
        "analytics/board/form.html",
        {"form": form, "header_title": _("New selection board"), "header_icon": "user"},
    )


def board_edit(request, pk):
    require(request, selectors.can_view_hr_analytics)
    board = get_object_or_404(selectors.boards_visible_to(request.user), pk=pk)
    form = BoardForm(request.POST or None, instance=board, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("analytics:board_detail", pk=board.pk)
    return TemplateResponse(
        request,
        "analytics/board/form.html",
        {"form": form, "board": board, "header_title": board.title, "header_icon": "user"},
    )


def board_detail(request, pk):
    require(request, selectors.can_view_hr_analytics)
    board = get_object_or_404(selectors.boards_visible_to(request.user).select_related("unit"), pk=pk)
    context = selectors.board_ranking(board, request.user)
    ranked, incomplete = context["ranked_rows"], context["incomplete_rows"]
    parts = [
        {
            "id": "ranking",
            "heading": _("Ranked candidates"),
            "rows": ranked,
            "empty": (
                _("No candidate has data for every weighted part yet: see the incomplete candidates below.")
                if incomplete
                else _("No candidates: choose a programme cohort or add officers.")
            ),
        }
    ]
    if incomplete:
        parts.append(
            {
                "id": "incomplete",
                "heading": _("Incomplete candidates (not ranked)"),
                "help": _(
                    "These candidates have no data for at least one weighted part; it counts as 0 in their score "
                    "so far, and they are not ranked or suggested a post until it is there."
                ),
                "rows": incomplete,
            }
        )
    rows = context["rows"]
    # A part nobody has (e.g. no assessed training session yet) blocks every ranking: the page says so.
    common = set.intersection(*(set(r["missing"]) for r in rows)) if rows else set()
    missing_for_all = (
        [label for label, reason in rows[0]["missing"] if (label, reason) in common] if rows else []
    )
    context.update(
        {
            "board": board,
            "parts": parts,
            "missing_for_all": missing_for_all,
            "page_title": board.title,
            "header_icon": "user",
            "decision_form": DecisionForm(board=board),
            "header_title": board.title,
        }
    )
    return TemplateResponse(request, "analytics/board/detail.html", context)


def board_decide(request, pk, officer_pk):
    require(request, selectors.can_view_hr_analytics)
    if request.method != "POST":
        return redirect("analytics:board_detail", pk=pk)
    board = get_object_or_404(selectors.boards_visible_to(request.user), pk=pk)
    officer = get_object_or_404(selectors.candidate_officers(board, request.user), pk=officer_pk)
    form = DecisionForm(request.POST, board=board)
    if form.is_valid():
        try:
            services.decide(
                board=board,
                officer=officer,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                post=form.cleaned_data["post"],
                rationale=form.cleaned_data["rationale"],
            )
            messages.success(request, _("Decision recorded for %(name)s.") % {"name": officer.name})
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("A decision and its rationale are required."))
    return redirect(reverse("analytics:board_detail", args=[board.pk]) + f"#c{officer.pk}")


def board_export(request, pk):
    """The ranking as xlsx: the board's title, its weights, then one row per candidate under a header row."""
    require(request, selectors.can_view_hr_analytics)
    board = get_object_or_404(selectors.boards_visible_to(request.user), pk=pk)
    data = selectors.board_ranking(board, request.user)
    weights = [_("Weights") + "："] + [f"{label} {weight:g}" for label, weight in data["weights"]]
    header = [
        _("Rank"),
        pgettext("person", "Name"),
        _("Employee number"),
        _("Unit"),
        _("Composite score"),
        _("No data (scored 0)"),
    ]
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
    rows = []
    for row in data["rows"]:
        o, d = row["officer"], row["decision"]
        rows.append(
            [
                row["rank"],
                o.name,
                o.employee_no,
                o.unit.name,
                row["score"],
                "、".join(label for label, _reason in row["missing"]),
                *[value for _key, _label, value, _c in row["components"]],
                "、".join(s.name for s in o.specialties.all()),
                str(row["suggested_post"] or ""),
                d.get_outcome_display() if d else "",
                str(d.post or "") if d else "",
                d.rationale if d else "",
                d.decided_by_name if d else "",
                timezone.localtime(d.decided_at).strftime("%Y-%m-%d %H:%M") if d else "",
            ]
        )
    return spreadsheet_response(
        f"selection-board-{board.pk}.xlsx", [board.title], [weights, header, *rows], sheet_title=_("Ranking")
    )


urlpatterns = [
    path("", login_required(board_index), name="board_index"),
    path("new/", login_required(board_create), name="board_create"),
    path("<int:pk>/", login_required(board_detail), name="board_detail"),
    path("<int:pk>/edit/", login_required(board_edit), name="board_edit"),
    path("<int:pk>/export/", login_required(board_export), name="board_export"),
    path("<int:pk>/decide/<int:officer_pk>/", login_required(board_decide), name="board_decide"),
]
