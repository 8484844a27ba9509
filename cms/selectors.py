"""Read queries for people and units, already scoped to who asks. Every list, page and export goes through here."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from cms.models import EmploymentSpell, Officer, Role, Unit, UserScope

SUBTREE_ROLES = (Role.HR, Role.UNIT_LEADER, Role.TRAINING_ADMIN)


def user_roles(user) -> set[str]:
    """The role codes (group names) a user holds; cached on the user object for the request."""
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_codes", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_codes = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def officer_of(user) -> Officer | None:
    if not user or not user.is_authenticated:
        return None
    try:
        return user.officer
    except Officer.DoesNotExist:
        return None


def person_name(user) -> str:
    """A person as the app names them: their officer's name, else the account's name in Chinese order (family name
    first, no space), else the login name; "" for no user. Select "…__officer" with the user to spare a query."""
    if user is None:
        return ""
    officer = officer_of(user)
    if officer is not None and officer.name:
        return officer.name
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


def scope_unit(user) -> Unit | None:
    """The root of the subtree a staff user works on: their explicit scope, else their own unit."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_scope_unit", False)
    if cached is not False:
        return cached
    unit = None
    try:
        unit = user.scope.unit
    except UserScope.DoesNotExist:
        officer = officer_of(user)
        unit = officer.unit if officer else None
    user._scope_unit = unit
    return unit


def sees_subtree(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, *SUBTREE_ROLES)))


def units_visible_to(user) -> QuerySet[Unit]:
    if not user or not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    if has_role(user, *SUBTREE_ROLES):
        root = scope_unit(user)
        if root is None:
            return Unit.objects.none()
        return Unit.objects.filter(path__startswith=root.path)
    officer = officer_of(user)
    return Unit.objects.filter(pk=officer.unit_id) if officer else Unit.objects.none()


def officers_visible_to(user, *, queryset: QuerySet[Officer] | None = None) -> QuerySet[Officer]:
    """Superusers see everyone; HR, unit leaders and training admins their unit's subtree; others only themselves."""
    qs = queryset if queryset is not None else Officer.objects.all()
    if not user or not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    if has_role(user, *SUBTREE_ROLES):
        root = scope_unit(user)
        if root is None:
            return qs.none()
        return qs.filter(unit__path__startswith=root.path)
    return qs.filter(user=user)


def sees_every_officer(user) -> bool:
    """officers_visible_to(user) is every officer: a superuser, or staff whose subtree is the whole tree (their
    scope is its only root). Big reads then skip the officer filter (an IN over every officer) instead of asking
    the database for all of them."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if not has_role(user, *SUBTREE_ROLES):
        return False
    root = scope_unit(user)
    return (
        root is not None and root.depth == 1 and not Unit.objects.filter(depth=1).exclude(pk=root.pk).exists()
    )


def spells_visible_to(user) -> QuerySet[EmploymentSpell]:
    """Spells of officers the user may see (a spell belongs to the officer, wherever it was served)."""
    return EmploymentSpell.objects.filter(officer__in=officers_visible_to(user).values("pk"))


def officer_profile(*, user, officer_id: int) -> Officer:
    """One officer with spells and specialties, or Officer.DoesNotExist (→ 404) when out of scope."""
    return (
        officers_visible_to(user)
        .select_related("unit", "user")
        .prefetch_related(
            "specialties", Prefetch("spells", queryset=EmploymentSpell.objects.select_related("unit"))
        )
        .get(pk=officer_id)
    )


# --- rows owned by a unit (banks, exams, programmes, requirements): who may edit, who may read --------------------


def is_city_scope(user) -> bool:
    """Superusers, and staff whose scope is a root of the unit tree: the only ones who may change city-wide rows."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if not has_role(user, *SUBTREE_ROLES):
        return False
    root = scope_unit(user)
    return root is not None and root.depth == 1


def _staff_root(user) -> Unit | None | bool:
    """True for superusers; the scope unit of staff holding a subtree role; None for everyone else."""
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return True
    return scope_unit(user) if has_role(user, *SUBTREE_ROLES) else None


def units_editable_by(user) -> QuerySet[Unit]:
    """Units a staff user may own rows for: their subtree (superusers: every unit). Nobody else owns any."""
    root = _staff_root(user)
    if root is True:
        return Unit.objects.all()
    return Unit.objects.filter(path__startswith=root.path) if root else Unit.objects.none()


def owned_rows_editable_by(user, queryset: QuerySet, *, unit_field: str = "unit") -> QuerySet:
    """Rows of `queryset` whose owning unit (`unit_field`, a path to a Unit FK) lies in the user's subtree.

    A row with no owner, or owned by the city (a root unit), belongs to the whole city: only city scope
    (a scope at a root unit, or a superuser) may change it."""
    root = _staff_root(user)
    if root is True:
        return queryset
    if root is None:
        return queryset.none()
    mine = Q(**{f"{unit_field}__path__startswith": root.path})
    if root.depth == 1:
        mine |= Q(**{f"{unit_field}__isnull": True})
    return queryset.filter(mine)


def owned_rows_readable_by(user, queryset: QuerySet, *, unit_field: str = "unit") -> QuerySet:
    """The editable rows plus, read-only, those owned by an ancestor of the user's scope or by nobody (the city's)."""
    root = _staff_root(user)
    if root is True:
        return queryset
    if root is None:
        return queryset.none()
    step = Unit.steplen
    ancestors = [root.path[:end] for end in range(step, len(root.path), step)]
    return queryset.filter(
        Q(**{f"{unit_field}__path__startswith": root.path})
        | Q(**{f"{unit_field}__path__in": ancestors})
        | Q(**{f"{unit_field}__isnull": True})
    )
