"""Choosing a mentor for an apprentice: ranked suggestions, the rules shown, history kept."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from cms.admin_tools import render
from cms.models import Officer
from cms.selectors import officers_visible_to, units_visible_to
from mentorship import selectors, services


def pair_view(request, pk):
    if not request.user.has_perm("mentorship.add_pairing"):
        raise Http404
    apprenticeship = get_object_or_404(
        selectors.apprenticeships_visible_to(request.user).select_related("officer__unit", "programme"), pk=pk
    )
    if request.method == "POST":
        chosen = request.POST.get("mentor_other") or request.POST.get("mentor")
        mentor = officers_visible_to(request.user).filter(pk=chosen).first() if chosen else None
        if mentor is None:
            messages.error(request, _("Choose a mentor from your units."))
        else:
            try:
                services.pair(
                    apprenticeship=apprenticeship,
                    mentor=mentor,
                    by=request.user,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(
                    request,
                    _("%(mentor)s now mentors %(apprentice)s.")
                    % {"mentor": mentor.name, "apprentice": apprenticeship.officer.name},
                )
                return redirect(reverse("apprenticeships:inspect", args=[apprenticeship.pk]))
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
    suggestions = services.suggest_mentors(apprenticeship)
    others = (
        Officer.objects.filter(unit__in=units_visible_to(request.user), status=Officer.Status.ACTIVE)
        .exclude(pk=apprenticeship.officer_id)
        .order_by("name")[:300]
    )
    return render(
        request,
        "mentorship/admin/pair.html",
        _("Pair a mentor"),
        {
            "apprenticeship": apprenticeship,
            "suggestions": suggestions,
            "others": others,
            "pairings": apprenticeship.pairings.select_related("mentor"),
            "rules": selectors.rules(),
        },
        icon="group",
    )
