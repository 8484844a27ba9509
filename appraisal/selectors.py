"""Staff read queries for case files, rubrics and review rounds, scoped to who asks (`cms.selectors`).

Who does what: HR, unit leaders and training admins see the case files and rounds of their unit's subtree; only
unit leaders and training admins (and superusers) open, draw and close rounds, in their subtree. Reviewers are the
active officers (with an active account) of the round's subtree who hold the mentor role (带教师傅: experienced
appointed officers); the mentor role is how a unit names its reviewers. Reviewers' own pages are appraisal.views.
"""

from __future__ import annotations

from django.db.models import QuerySet

from appraisal.models import CaseDocument, CaseFile, ReviewRound, Rubric
from cms.models import Officer, Role, Unit
from cms.selectors import (
    has_role,
    officers_visible_to,
    owned_rows_editable_by,
    owned_rows_readable_by,
    scope_unit,
    sees_subtree,
    units_editable_by,
)

ROUND_RUNNERS = (Role.UNIT_LEADER, Role.TRAINING_ADMIN)
REVIEWER_ROLE = Role.MENTOR


def _root(user) -> Unit | None | bool:
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return True
    return scope_unit(user) if sees_subtree(user) else None


def _in_subtree(user, queryset: QuerySet, unit_field: str = "unit") -> QuerySet:
    root = _root(user)
    if root is True:
        return queryset
    if root is None:
        return queryset.none()
    return queryset.filter(**{f"{unit_field}__path__startswith": root.path})


def can_run_rounds(user) -> bool:
    """Unit leaders and training admins with a unit in charge, and superusers."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (has_role(user, *ROUND_RUNNERS) and scope_unit(user) is not None)


def can_read_rounds(user) -> bool:
    if can_run_rounds(user):
        return True
    return bool(user and user.is_active and has_role(user, Role.HR) and scope_unit(user) is not None)


def case_files_visible_to(user) -> QuerySet[CaseFile]:
    return _in_subtree(user, CaseFile.objects.all())


def case_files_editable_by(user) -> QuerySet[CaseFile]:
    """Case files in the subtree of a user who may change case files (HR reads only)."""
    if not (user and user.is_authenticated and user.has_perm("appraisal.change_casefile")):
        return CaseFile.objects.none()
    return case_files_visible_to(user)


def documents_visible_to(user) -> QuerySet[CaseDocument]:
    return CaseDocument.objects.filter(case__in=case_files_visible_to(user).values("pk"))


def rounds_visible_to(user) -> QuerySet[ReviewRound]:
    if not can_read_rounds(user):
        return ReviewRound.objects.none()
    return _in_subtree(user, ReviewRound.objects.all())


def rounds_runnable_by(user) -> QuerySet[ReviewRound]:
    if not can_run_rounds(user):
        return ReviewRound.objects.none()
    return _in_subtree(user, ReviewRound.objects.all())


def round_units_for(user) -> QuerySet[Unit]:
    """Units a user may open a round for: their subtree."""
    return units_editable_by(user).order_by("path") if can_run_rounds(user) else Unit.objects.none()


def rubrics_visible_to(user) -> QuerySet[Rubric]:
    return owned_rows_readable_by(user, Rubric.objects.all())


def rubrics_editable_by(user) -> QuerySet[Rubric]:
    return owned_rows_editable_by(user, Rubric.objects.all())


def round_rubrics_for(user) -> QuerySet[Rubric]:
    return rubrics_visible_to(user).filter(purpose=Rubric.Purpose.CASE_REVIEW)


def handler_choices(user) -> QuerySet[Officer]:
    """Officers a user may name as handler or co-handler: the active officers of their subtree."""
    return officers_visible_to(user).filter(status=Officer.Status.ACTIVE).order_by("unit__path", "name")


def eligible_reviewers(unit: Unit) -> QuerySet[Officer]:
    """Active officers with an active account and the mentor role, anywhere in `unit`'s subtree."""
    return Officer.objects.filter(
        unit__path__startswith=unit.path,
        status=Officer.Status.ACTIVE,
        user__is_active=True,
        user__groups__name=REVIEWER_ROLE,
    ).distinct()


def units_editable_by_user(user) -> QuerySet[Unit]:
    """Units a staff user may file case files under: their subtree."""
    return units_editable_by(user)
