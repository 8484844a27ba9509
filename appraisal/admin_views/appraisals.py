"""执法考评 screens (unit leaders and training admins run them in their subtree; HR reads): cycles list and create,
the cycle page with every officer's components, weights, total and band and the decide actions, the leader's
evaluation form (phone-friendly), and the xlsx export. Logic lives in appraisal.services.appraisals and
appraisal.appraisal_selectors; these views check access, turn refusals into messages and render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from appraisal import appraisal_selectors as sel
from appraisal.models import AppraisalBand, AppraisalCycle, Rubric
from appraisal.services import appraisals as services
from cms.admin_tools import render, require, spreadsheet_response
from cms.selectors import units_visible_to


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


class CycleForm(forms.ModelForm):
    class Meta:
        model = AppraisalCycle
        fields = [
            "name",
            "unit",
            "period_start",
            "period_end",
            "leader_rubric",
            "weight_cases",
            "weight_exams",
            "weight_hours",
            "weight_attendance",
            "weight_leader",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(user).order_by("path")
        self.fields["leader_rubric"].queryset = Rubric.objects.filter(purpose=Rubric.Purpose.LEADER)
        self.fields["leader_rubric"].help_text = gettext_lazy(
            "Empty: the default leader rubric (five parts of 20 points)."
        )


class EvaluationForm(forms.Form):
    """One number field per item of the cycle's leader rubric (with its scoring guide), a comment, and a reason
    when it corrects an earlier evaluation."""

    comment = forms.CharField(
        label=pgettext_lazy("evaluation", "Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, items=(), correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.DecimalField(
                label=f"{item.name}（{item.weight:g}）",
                min_value=0,
                max_value=item.max_score,
                decimal_places=1,
                help_text=item.guide or _("0 to %(max)s") % {"max": item.max_score},
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
            )
        if not correcting:
            del self.fields["reason"]
        self.order_fields([f"item_{i.pk}" for i in self.items] + ["comment", "reason"])


def cycle_index(request):
    require(request, sel.can_read_appraisals)
    cycles = sel.cycles_visible_to(request.user).order_by("-period_end", "-id")
    return render(
        request,
        "appraisal/admin/cycle_index.html",
        _("Enforcement appraisal"),
        {"cycles": cycles, "can_run": sel.can_run_appraisals(request.user)},
        icon="tasks",
    )


def cycle_create(request):
    require(request, sel.can_run_appraisals)
    form = CycleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.open_cycle(
                by=request.user,
                name=data["name"],
                unit=data["unit"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                leader_rubric=data["leader_rubric"],
                weights={k: data[f"weight_{k}"] for k in sel.COMPONENTS},
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Appraisal cycle “%(name)s” opened.") % {"name": cycle.name})
            return redirect("appraisal_cycle", pk=cycle.pk)
    return render(
        request, "appraisal/admin/cycle_form.html", _("New appraisal cycle"), {"form": form}, icon="tasks"
    )


def cycle_detail(request, pk):
    require(request, sel.can_read_appraisals)
    cycle = get_object_or_404(sel.cycles_visible_to(request.user), pk=pk)
    table = sel.cycle_table(cycle, request.user)
    me = request.user.pk
    return render(
        request,
        "appraisal/admin/cycle_detail.html",
        cycle.name,
        {
            "cycle": cycle,
            **table,
            "can_run": sel.can_run_appraisals(request.user) and cycle.status == AppraisalCycle.Status.OPEN,
            "can_evaluate": sel.can_evaluate(request.user) and cycle.status == AppraisalCycle.Status.OPEN,
            "me": me,
        },
        subtitle=f"{cycle.unit.name} · {cycle.period_start:%Y-%m-%d} – {cycle.period_end:%Y-%m-%d}",
        icon="tasks",
    )


def _runnable_cycle(request, pk) -> AppraisalCycle:
    require(request, sel.can_run_appraisals)
    if request.method != "POST":
        raise PermissionDenied
    return get_object_or_404(sel.cycles_runnable_by(request.user), pk=pk)


def decide(request, pk, officer_pk):
    cycle = _runnable_cycle(request, pk)
    officer = get_object_or_404(sel.cycle_officers(cycle, request.user), pk=officer_pk)
    try:
        appraisal = services.decide(
            by=request.user, cycle=cycle, officer=officer, note=request.POST.get("note", "")
        )
    except services.AppraisalRefused as exc:
        messages.error(request, str(exc) or _("You may not appraise this officer."))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            _("Appraisal recorded for %(name)s: %(total)s, %(band)s.")
            % {"name": officer.name, "total": appraisal.total, "band": appraisal.get_band_display()},
        )
    return redirect(reverse("appraisal_cycle", args=[cycle.pk]) + f"#o{officer.pk}")


def decide_all(request, pk):
    cycle = _runnable_cycle(request, pk)
    try:
        result = services.decide_cycle(by=request.user, cycle=cycle)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            _("%(decided)s appraisals recorded; %(already)s already decided were left as they stand.")
            % result,
        )
    return redirect("appraisal_cycle", pk=cycle.pk)


def close(request, pk):
    cycle = _runnable_cycle(request, pk)
    services.close_cycle(by=request.user, cycle=cycle)
    messages.success(request, _("The cycle is closed; its appraisals stand."))
    return redirect("appraisal_cycle", pk=cycle.pk)


def leader_evaluation(request, pk, officer_pk):
    require(request, sel.can_evaluate)
    cycle = get_object_or_404(sel.cycles_visible_to(request.user), pk=pk)
    officer = get_object_or_404(sel.cycle_officers(cycle, request.user), pk=officer_pk)
    rubric = cycle.leader_rubric
    items = list(rubric.items.all()) if rubric else []
    previous = sel.latest_leader_evaluations(cycle, [officer.pk]).get(officer.pk)
    initial = {f"item_{k}": v for k, v in previous.scores.items()} if previous else None
    form = EvaluationForm(request.POST or None, items=items, correcting=previous is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_leader_evaluation(
                by=request.user,
                cycle=cycle,
                officer=officer,
                scores={i.pk: data[f"item_{i.pk}"] for i in items},
                comment=data.get("comment", ""),
                reason=data.get("reason", ""),
            )
        except services.AppraisalRefused as exc:
            raise PermissionDenied from exc
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Evaluation of %(name)s recorded.") % {"name": officer.name})
            return redirect(reverse("appraisal_cycle", args=[cycle.pk]) + f"#o{officer.pk}")
    return render(
        request,
        "appraisal/admin/leader_evaluation.html",
        _("Leader evaluation of %(name)s") % {"name": officer.name},
        {"cycle": cycle, "officer": officer, "form": form, "previous": previous, "rubric": rubric},
        subtitle=cycle.name,
        icon="tasks",
    )


def export(request, pk):
    """The cycle as xlsx: its name, the weights and bands, then one row per officer (now and as decided)."""
    require(request, sel.can_read_appraisals)
    cycle = get_object_or_404(sel.cycles_visible_to(request.user), pk=pk)
    table = sel.cycle_table(cycle, request.user)
    weights = [_("Weights") + "："] + [f"{label} {w}" for label, w in table["weights"]]
    bands = (
        [_("Bands") + "："]
        + [f"≥{t} {label}" for t, label in table["thresholds"]]
        + [str(AppraisalBand.INCOMPETENT.label)]
    )
    header = [pgettext("person", "Name"), _("Employee number"), _("Unit")]
    header += [str(sel.COMPONENT_LABELS[k]) for k in sel.COMPONENTS]
    header += [
        _("No data (scored 0)"),
        _("Total score"),
        _("Band"),
        _("Decided total"),
        _("Decided band"),
        _("Decided by"),
        _("Decided at"),
        _("Note"),
    ]
    rows = []
    for row in table["rows"]:
        o, a = row["officer"], row["appraisal"]
        rows.append(
            [
                o.name,
                o.employee_no,
                o.unit.name,
                *[row["values"][k] for k in sel.COMPONENTS],
                "、".join(str(sel.COMPONENT_LABELS[k]) for k in row["missing"]),
                row["total"],
                str(row["band_label"]),
                a.total if a else None,
                a.get_band_display() if a else "",
                (a.decided_by.get_full_name() or a.decided_by.get_username()) if a else "",
                timezone.localtime(a.decided_at).strftime("%Y-%m-%d %H:%M") if a else "",
                a.note if a else "",
            ]
        )
    return spreadsheet_response(
        f"appraisal-cycle-{cycle.pk}.xlsx",
        [cycle.name],
        [weights, bands, header, *rows],
        sheet_title=_("Enforcement appraisal"),
    )


urlpatterns = [
    path("cycles/", cycle_index, name="appraisal_cycles"),
    path("cycles/new/", cycle_create, name="appraisal_cycle_create"),
    path("cycles/<int:pk>/", cycle_detail, name="appraisal_cycle"),
    path("cycles/<int:pk>/export/", export, name="appraisal_cycle_export"),
    path("cycles/<int:pk>/decide/", decide_all, name="appraisal_decide_all"),
    path("cycles/<int:pk>/close/", close, name="appraisal_cycle_close"),
    path("cycles/<int:pk>/decide/<int:officer_pk>/", decide, name="appraisal_decide"),
    path("cycles/<int:pk>/evaluate/<int:officer_pk>/", leader_evaluation, name="appraisal_leader_evaluation"),
]
