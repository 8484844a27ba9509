"""What appraisal adds to the personal record (一人一档, courses' record page) and to the learner: the
officer's appraisals, their case-file review results (only from closed rounds) and cross-enforcement inspections.
Registered through cms.extensions by appraisal.integration, since courses never imports appraisal."""

from __future__ import annotations

from django.db.models import Q

from appraisal import appraisal_selectors
from appraisal.models import CrossInspection, ReviewRound, RoundCase


def record_section(request, officer) -> dict:
    """The record view has already checked that the user may see this officer. On their own record the officer
    also gets the way to their inspection pages (to record findings on the phone)."""
    # Results show only once their round is closed (handlers see their own results after the close).
    case_results = list(
        RoundCase.objects.filter(round__status=ReviewRound.Status.CLOSED, score__isnull=False)
        .filter(Q(case__handler=officer) | Q(case__co_handlers=officer))
        .select_related("round", "case")
        .distinct()
        .order_by("-round__closed_at", "draw_order")
    )
    return {
        "template": "appraisal/record_section.html",
        "is_self": officer.user_id is not None and officer.user_id == request.user.pk,
        "appraisals": appraisal_selectors.officer_appraisals(officer),
        "case_results": case_results,
        "inspections": list(
            CrossInspection.objects.filter(officer=officer)
            .select_related("session", "enterprise__unit")
            .order_by("-session_id", "enterprise__name")
        ),
    }
