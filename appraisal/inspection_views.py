"""The officer's cross-enforcement pages (交叉执法, on the phone): the enterprises they were paired with, the form to
record what they found with photos, and the permission-checked photo view (shared with the staff screens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from appraisal.admin_views.inspections import InspectionForm
from appraisal.models import CrossInspection, InspectionPhoto
from appraisal.services import inspections as services
from cms import thumbnails, uploads
from cms.selectors import officer_of


@login_required
def my_inspections(request):
    officer = officer_of(request.user)
    if officer is None:
        raise Http404
    inspections = (
        CrossInspection.objects.filter(officer=officer)
        .select_related("session", "enterprise__unit")
        .prefetch_related("photos")
        .order_by("-session_id", "enterprise__name")
    )
    return render(request, "appraisal/inspections/mine.html", {"inspections": inspections})


@login_required
def record_inspection(request, pk):
    officer = officer_of(request.user)
    inspection = (
        get_object_or_404(
            CrossInspection.objects.select_related("session", "enterprise__unit").prefetch_related("photos"),
            pk=pk,
            officer=officer,
        )
        if officer is not None
        else None
    )
    if inspection is None:
        raise Http404
    initial = {
        "inspected_on": inspection.inspected_on,
        "hazards_found": inspection.hazards_found,
        "documents_issued": inspection.documents_issued,
        "findings": inspection.findings,
    }
    form = InspectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_inspection(
                by=request.user,
                inspection=inspection,
                photos=request.FILES.getlist("photos"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("appraisal_inspections:mine")
    return render(
        request,
        "appraisal/inspections/record.html",
        {
            "inspection": inspection,
            "form": form,
            "photo_errors": form.errors.get("photos") if form.errors else None,
        },
    )


@login_required
def photo(request, pk):
    """A photo of an inspection: the officer themself, the session's organisers and staff over the officer's subtree."""
    item = get_object_or_404(InspectionPhoto.objects.select_related("inspection"), pk=pk)
    if not services.inspections_visible_to(request.user).filter(pk=item.inspection_id).exists():
        raise Http404
    if request.GET.get("size") == "thumb":
        return uploads.serve_private(
            thumbnails.thumbnail_of(item.file),
            content_type=thumbnails.THUMBNAIL_TYPE,
            original_name=item.original_name,
        )
    return uploads.serve_private(item.file, content_type=item.content_type, original_name=item.original_name)


app_name = "appraisal_inspections"
urlpatterns = [
    path("", my_inspections, name="mine"),
    path("<int:pk>/", record_inspection, name="record"),
    path("photo/<int:pk>/", photo, name="photo"),
]
