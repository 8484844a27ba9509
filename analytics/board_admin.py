"""Selection board screens in the Wagtail admin (HR and unit leaders, scoped to their subtree)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import board as board_service
from analytics.models import AppointmentDecision, SelectionBoard
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
        ]
        widgets = {
            "hired_from": forms.DateInput(attrs={"type": "date"}),
            "hired_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(user)

    def clean(self):
        data = super().clean()
        weights = [data.get(f) or 0 for f in self.Meta.fields if f.startswith("w_")]
        if sum(weights) <= 0:
            raise ValidationError(_("At least one weight must be above zero."))
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


def _require(request):
    if not board_service.may_use_boards(request.user):
        raise PermissionDenied


def board_index(request):
    _require(request)
    boards = board_service.boards_visible_to(request.user).select_related("unit", "programme")
    return TemplateResponse(
        request, "analytics/board/index.html", {"boards": boards, "header_title": _("Selection boards")}
    )


def board_create(request):
    _require(request)
    form = BoardForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        board = form.save(commit=False)
        board.created_by = request.user
        board.save()
        return redirect("analytics:board_detail", pk=board.pk)
    return TemplateResponse(
        request, "analytics/board/form.html", {"form": form, "header_title": _("New selection board")}
    )


def board_edit(request, pk):
    _require(request)
    board = get_object_or_404(board_service.boards_visible_to(request.user), pk=pk)
    form = BoardForm(request.POST or None, instance=board, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("analytics:board_detail", pk=board.pk)
    return TemplateResponse(
        request, "analytics/board/form.html", {"form": form, "board": board, "header_title": board.title}
    )


def board_detail(request, pk):
    _require(request)
    board = get_object_or_404(board_service.boards_visible_to(request.user).select_related("unit"), pk=pk)
    context = board_service.board_view(board, request.user)
    context.update({"board": board, "decision_form": DecisionForm(board=board), "header_title": board.title})
    return TemplateResponse(request, "analytics/board/detail.html", context)


def board_decide(request, pk, officer_pk):
    _require(request)
    if request.method != "POST":
        return redirect("analytics:board_detail", pk=pk)
    board = get_object_or_404(board_service.boards_visible_to(request.user), pk=pk)
    officer = get_object_or_404(board_service.candidate_officers(board, request.user), pk=officer_pk)
    form = DecisionForm(request.POST, board=board)
    if form.is_valid():
        try:
            board_service.decide(
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
    _require(request)
    board = get_object_or_404(board_service.boards_visible_to(request.user), pk=pk)
    response = HttpResponse(
        board_service.export_xlsx(board, request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="selection-board-{board.pk}.xlsx"'
    return response


# Mounted at /hr/selection/ by analytics.urls (outside /admin/, so people without the role get a plain 403
# rather than Wagtail's redirect); pages keep the admin's layout.
urlpatterns = [
    path("", login_required(board_index), name="board_index"),
    path("new/", login_required(board_create), name="board_create"),
    path("<int:pk>/", login_required(board_detail), name="board_detail"),
    path("<int:pk>/edit/", login_required(board_edit), name="board_edit"),
    path("<int:pk>/export/", login_required(board_export), name="board_export"),
    path("<int:pk>/decide/<int:officer_pk>/", login_required(board_decide), name="board_decide"),
]
