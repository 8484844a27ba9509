"""交叉执法 screens for organisers (training admins and unit leaders, in their subtree): the cross-enforcement
sessions, a session's pairs with what each officer found, automatic pairing (spreading the load over other streets'
enterprises), a pair by hand, and recording findings on an officer's behalf."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import CrossInspection, Enterprise
from appraisal.services import inspections as services
from appraisal.services.inspections import can_organise
from cms.admin_tools import render, require
from cms.models import Officer
from courses.models import Registration


class InspectionForm(forms.Form):
    """What an officer found at an enterprise (also the officer's own phone form)."""

    inspected_on = forms.DateField(
        label=gettext_lazy("Inspected on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    hazards_found = forms.IntegerField(
        label=gettext_lazy("Hazards found"),
        min_value=0,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    documents_issued = forms.IntegerField(
        label=gettext_lazy("Documents issued"),
        min_value=0,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    findings = forms.CharField(label=gettext_lazy("What was found"), widget=forms.Textarea(attrs={"rows": 4}))


def session_index(request):
    require(request, can_organise)
    sessions = services.sessions_organised_by(request.user).order_by("-id")
    return render(
        request,
        "appraisal/admin/inspection_sessions.html",
        _("Cross-enforcement"),
        {"sessions": sessions},
        icon="site",
    )


def session_detail(request, pk):
    require(request, can_organise)
    session = get_object_or_404(services.sessions_organised_by(request.user), pk=pk)
    inspections = list(
        CrossInspection.objects.filter(session=session)
        .select_related("officer__unit", "enterprise__unit")
        .prefetch_related("photos")
        .order_by("officer__name", "enterprise__name")
    )
    registered = (
        Officer.objects.filter(
            pk__in=Registration.objects.filter(session=session, status=Registration.Status.REGISTERED).values(
                "officer_id"
            )
        )
        .select_related("unit")
        .order_by("name")
    )
    enterprises = Enterprise.objects.filter(unit__path__startswith=session.organizer.path).select_related(
        "unit"
    )
    return render(
        request,
        "appraisal/admin/inspection_session.html",
        session.title,
        {
            "session": session,
            "inspections": inspections,
            "registered": registered,
            "enterprises": enterprises,
        },
        subtitle=session.organizer.name,
        icon="site",
    )


def _post_session(request, pk):
    require(request, can_organise)
    if request.method != "POST":
        raise PermissionDenied
    return get_object_or_404(services.sessions_organised_by(request.user), pk=pk)


def pair(request, pk):
    session = _post_session(request, pk)
    try:
        per_officer = max(1, min(int(request.POST.get("per_officer") or 1), 10))
    except ValueError:
        per_officer = 1
    try:
        result = services.pair_session(by=request.user, session=session, per_officer=per_officer)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("%(n)s new pairs.") % {"n": result["paired"]})
        if result["short"]:
            messages.warning(
                request,
                _("No free enterprise of another street for: %(names)s.")
                % {"names": "、".join(o.name for o in result["short"])},
            )
    return redirect("appraisal_inspection_session", pk=session.pk)


def assign(request, pk):
    session = _post_session(request, pk)
    officer = Officer.objects.filter(pk=request.POST.get("officer") or 0).first()
    enterprise = Enterprise.objects.filter(pk=request.POST.get("enterprise") or 0).first()
    if officer is None or enterprise is None:
        messages.error(request, _("Choose an officer and an enterprise."))
    else:
        try:
            services.assign(by=request.user, session=session, officer=officer, enterprise=enterprise)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request, _("%(o)s will inspect %(e)s.") % {"o": officer.name, "e": enterprise.name}
            )
    return redirect("appraisal_inspection_session", pk=session.pk)


def record(request, pk):
    """The organiser records findings on an officer's behalf (e.g. from a paper form)."""
    require(request, can_organise)
    inspection = get_object_or_404(
        CrossInspection.objects.filter(
            session__in=services.sessions_organised_by(request.user)
        ).select_related("officer__unit", "enterprise__unit", "session"),
        pk=pk,
    )
    initial = {
        "inspected_on": inspection.inspected_on,
        "hazards_found": inspection.hazards_found,
        "documents_issued": inspection.documents_issued,
        "findings": inspection.findings,
    }
    form = InspectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_inspection(
                by=request.user,
                inspection=inspection,
                photos=request.FILES.getlist("photos"),
                **data,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect(reverse("appraisal_inspection_session", args=[inspection.session_id]))
    return render(
        request,
        "appraisal/admin/inspection_record.html",
        str(inspection),
        {"inspection": inspection, "form": form},
        subtitle=inspection.session.title,
        icon="site",
    )


urlpatterns = [
    path("", session_index, name="appraisal_inspection_sessions"),
    path("sessions/<int:pk>/", session_detail, name="appraisal_inspection_session"),
    path("sessions/<int:pk>/pair/", pair, name="appraisal_inspection_pair"),
    path("sessions/<int:pk>/assign/", assign, name="appraisal_inspection_assign"),
    path("<int:pk>/record/", record, name="appraisal_inspection_record"),
]
