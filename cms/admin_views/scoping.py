"""Scoping for the people admin: permission policies narrowed by the selectors, scoped generic views and
the viewset base every screen uses, plus unit-tree helpers (full paths, indented choices, subtree filters).

A scoped permission policy narrows each viewset's rows to what `cms.selectors` lets the user see, so lists,
exports and object URLs (edit, inspect, history, usage, delete) share one rule: out of scope answers 404.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from cms.exports import SafeSpreadsheetExportMixin
from cms.models import AuditEvent, Post, Role, Unit
from cms.selectors import (
    has_role,
    is_city_scope,
    owned_rows_editable_by,
    owned_rows_readable_by,
    scope_unit,
    units_editable_by,
    units_visible_to,
)

User = get_user_model()

ANY_ACTION = ["add", "change", "delete", "view"]
WRITE_ACTIONS = frozenset({"change", "delete"})  # actions on an existing row
CHANGING_ACTIONS = frozenset({"add", "change", "delete"})


def posts_visible_to(user):
    return Post.objects.filter(unit__in=units_visible_to(user).values("pk"))


def audit_events_visible_to(user):
    """Superusers see every event; HR and unit leaders those concerning a unit in their subtree; others none."""
    if not user or not user.is_authenticated:
        return AuditEvent.objects.none()
    if user.is_superuser:
        return AuditEvent.objects.all()
    if has_role(user, Role.HR, Role.UNIT_LEADER):
        root = scope_unit(user)
        if root is not None:
            return AuditEvent.objects.filter(unit__path__startswith=root.path)
    return AuditEvent.objects.none()


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, narrowed row by row; `disabled` actions are never allowed.

    `scope(user)` is what the user may read. `editable(user)` (default: the same rows) is what they may change or
    delete: rows a user may read but not edit (e.g. the city's, seen from a district) are read-only. With
    `city_wide_only`, every row belongs to the whole city, so only city scope may add, change or delete."""

    def __init__(self, model, *, scope, editable=None, disabled=(), city_wide_only=False):
        super().__init__(model)
        self.scope = scope
        self.editable = editable
        self.disabled = frozenset(disabled)
        self.city_wide_only = city_wide_only

    @property
    def has_read_only_rows(self) -> bool:
        return self.editable is not None

    def editable_instances(self, user):
        """The rows the user could change or delete if their model permissions allow it."""
        return (self.editable or self.scope)(user)

    def user_has_permission(self, user, action):
        if action in self.disabled:
            return False
        if self.city_wide_only and action in CHANGING_ACTIONS and not is_city_scope(user):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        granted = [action for action in actions if self.user_has_permission(user, action)]
        if not granted:
            return self.model._default_manager.none()
        if all(action in WRITE_ACTIONS for action in granted):
            return self.editable_instances(user)
        return self.scope(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        rows = self.editable_instances(user) if action in WRITE_ACTIONS else self.scope(user)
        return rows.filter(pk=instance.pk).exists()


class SuperuserOnlyPolicy(ModelPermissionPolicy):
    """Only superusers may do anything (staff scopes decide what everyone else may see)."""

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.is_superuser)

    def users_with_any_permission(self, actions):
        return User.objects.filter(is_active=True, is_superuser=True)


class ScopedViewMixin:
    """Views read their objects from the permission policy's scoped queryset (out of scope → 404)."""

    def scoped_queryset(self):
        return self.permission_policy.instances_user_has_any_permission_for(self.request.user, ANY_ACTION)

    def editable_queryset(self):
        policy, user = self.permission_policy, self.request.user
        if not policy.user_has_any_permission(user, ANY_ACTION):
            return policy.model._default_manager.none()
        return policy.editable_instances(user)

    def _is_editable(self, instance) -> bool:
        if not getattr(self.permission_policy, "has_read_only_rows", False):
            return True
        known = getattr(self, "_editable_pks", None)
        if known is not None and instance.pk in known:
            return known[instance.pk]
        editable = self.editable_queryset().filter(pk=instance.pk).exists()
        if known is not None:
            known[instance.pk] = editable
        return editable


def narrow_formset_choices(formset, field_name: str, queryset) -> None:
    """Limit `field_name` of every form of an inline formset, the blank one the page adds rows from included.

    The formset builds its forms lazily from `formset.form`, so the form class is narrowed before any is built."""
    base = formset.form

    def __init__(self, *args, **kwargs):
        base.__init__(self, *args, **kwargs)
        if field_name in self.fields:
            self.fields[field_name].queryset = queryset

    formset.form = type(base.__name__, (base,), {"__init__": __init__})


class ScopedChoicesMixin:
    """Choice fields of the form list only what the user may write to: `choice_scopes(user)` maps a field name
    (or "<inline relation>__<field>" for an inline panel's field) to the queryset it may choose from (the viewset's
    `form_choice_scopes`)."""

    choice_scopes = None
    owner_field = None

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        if self.choice_scopes is not None:
            formsets = getattr(form, "formsets", {})
            for name, queryset in self.choice_scopes(self.request.user).items():
                if name in form.fields:
                    form.fields[name].queryset = queryset
                elif "__" in name and name.split("__", 1)[0] in formsets:
                    relation, field_name = name.split("__", 1)
                    narrow_formset_choices(formsets[relation], field_name, queryset)
        if self.owner_field and self.owner_field in form.fields:
            # No owner would make the row the whole city's: name one (the user's own scope by default).
            owner = form.fields[self.owner_field]
            owner.required = True
            owner.label_from_instance = UnitChoiceField.label_from_instance.__get__(owner)
            if not form.is_bound and form.instance.pk is None and not form.initial.get(self.owner_field):
                form.initial[self.owner_field] = getattr(scope_unit(self.request.user), "pk", None)
        return form


class ScopedIndexView(SafeSpreadsheetExportMixin, ScopedViewMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped_queryset()

    def get_table(self, object_list):
        if getattr(self.permission_policy, "has_read_only_rows", False):
            pks = [obj.pk for obj in object_list]
            editable = set(self.editable_queryset().filter(pk__in=pks).values_list("pk", flat=True))
            self._editable_pks = {pk: pk in editable for pk in pks}
        return super().get_table(object_list)

    # Read-only rows (e.g. the city's, seen from a district) get neither an edit nor a delete link.
    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if self._is_editable(instance) else None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if self._is_editable(instance) else None


class ScopedCreateView(ScopedChoicesMixin, generic.CreateView):
    pass


class ScopedEditView(ScopedChoicesMixin, ScopedViewMixin, generic.EditView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Resolve the object before the permission check, so an object out of edit scope (including one the
        # user may only read) is a 404 for everyone.
        self.object = self.get_object()

    def get_queryset(self):
        return self.editable_queryset()

    def get(self, request, *args, **kwargs):
        context = self.get_context_data()
        return self.render_to_response(context)


class ScopedDeleteView(ScopedViewMixin, generic.DeleteView):
    def get_queryset(self):
        return self.editable_queryset()


class ScopedInspectView(ScopedViewMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_queryset(), pk=self.pk)

    def get_edit_url(self):
        return super().get_edit_url() if self._is_editable(self.object) else None

    def get_delete_url(self):
        return super().get_delete_url() if self._is_editable(self.object) else None


class ScopedHistoryView(ScopedViewMixin, history.HistoryView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ScopedUsageView(ScopedViewMixin, usage.UsageView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet whose every view goes through `visible_to(user)`; `disabled_actions` have no URL at all.

    Override `editable_by(user)` when some visible rows are read-only (edit/delete then answer 404 and the list
    shows no links for them); set `city_wide_only` when every row belongs to the whole city; `form_choice_scopes`
    narrows the form's choice fields (by default the owning unit, `owner_field`, to the user's subtree).
    `refused_actions` are refused to everyone, superusers included, while their URLs stay (they answer as for a
    missing permission): for rows that change only through services."""

    disabled_actions: tuple[str, ...] = ()
    refused_actions: tuple[str, ...] = ()
    city_wide_only = False
    owner_field: str | None = None
    copy_view_enabled = False
    search_backend_name = None  # plain ORM search over search_fields, within the scoped queryset

    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView

    def visible_to(self, user):
        raise NotImplementedError

    def editable_by(self, user):
        return self.visible_to(user)

    def form_choice_scopes(self, user) -> dict:
        return {self.owner_field: units_editable_by(user).order_by("path")} if self.owner_field else {}

    @cached_property
    def permission_policy(self):
        overridden = type(self).editable_by is not ScopedModelViewSet.editable_by
        return ScopedPermissionPolicy(
            self.model,
            scope=self.visible_to,
            editable=self.editable_by if overridden else None,
            disabled=(*self.disabled_actions, *self.refused_actions),
            city_wide_only=self.city_wide_only,
        )

    def get_add_view_kwargs(self, **kwargs):
        if hasattr(self.add_view_class, "choice_scopes"):
            kwargs.update(choice_scopes=self.form_choice_scopes, owner_field=self.owner_field)
        return super().get_add_view_kwargs(**kwargs)

    def get_edit_view_kwargs(self, **kwargs):
        if hasattr(self.edit_view_class, "choice_scopes"):
            kwargs.update(choice_scopes=self.form_choice_scopes, owner_field=self.owner_field)
        return super().get_edit_view_kwargs(**kwargs)

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        if "delete" in self.disabled_actions:
            view_kwargs["delete_url_name"] = None
        if "change" in self.disabled_actions:
            view_kwargs["edit_url_name"] = None
        if "add" in self.disabled_actions:
            view_kwargs["add_url_name"] = None
        return view_kwargs

    def get_urlpatterns(self):
        dropped = set()
        if "delete" in self.disabled_actions:
            dropped.add("delete")
        if "change" in self.disabled_actions:
            dropped |= {"edit", "usage"}
        if "add" in self.disabled_actions:
            dropped.add("add")
        return [p for p in super().get_urlpatterns() if p.name not in dropped]

    def get_permissions_to_register(self):
        codenames = [f"{action}_{self.model_name}" for action in self.disabled_actions]
        return super().get_permissions_to_register().exclude(codename__in=codenames)


class UnitOwnedViewSet(ScopedModelViewSet):
    """Rows owned by a unit (`unit_path`, a path to the owning Unit FK): staff change those owned inside their
    subtree and read, without changing, those of the units above them; rows of the whole city (the root unit's,
    or no owner) change only at city scope (`cms.selectors.owned_rows_editable_by`)."""

    unit_path = "unit"

    def visible_to(self, user):
        return owned_rows_readable_by(user, self.model._default_manager.all(), unit_field=self.unit_path)

    def editable_by(self, user):
        return owned_rows_editable_by(user, self.model._default_manager.all(), unit_field=self.unit_path)


# --- Units: names along the path, choice fields and filters ------------------


class UnitPaths:
    """Full names ("示范市/东城区/东华街道") for any unit path, from one query over the (small) unit table."""

    def __init__(self):
        self.names = dict(Unit.objects.values_list("path", "name"))

    def full_name(self, path: str) -> str:
        step = Unit.steplen
        return "/".join(self.names.get(path[:end], "?") for end in range(step, len(path) + 1, step))


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth."""

    def label_from_instance(self, obj):
        return "\u3000" * (obj.depth - 1) + obj.name


class UnitSubtreeFilter(django_filters.ModelChoiceFilter):
    """Choosing a unit matches it and every unit below it (materialised path prefix)."""

    field_class = UnitChoiceField

    def __init__(self, *args, path_lookup="unit__path", **kwargs):
        self.path_lookup = path_lookup
        kwargs.setdefault("queryset", lambda request: units_visible_to(request.user).order_by("path"))
        kwargs.setdefault("label", _("Unit (including units below)"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.path_lookup}__startswith": value.path})


def unit_path_column(view, name="unit_path", *, path_of, label=None, sort_key="unit__path"):
    return Column(
        name,
        label=label or _("Unit"),
        accessor=lambda obj: view.unit_paths.full_name(p) if (p := path_of(obj)) else "",
        sort_key=sort_key,
    )


class UnitPathsMixin:
    @cached_property
    def unit_paths(self):
        return UnitPaths()
