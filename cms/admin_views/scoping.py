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

from cms.models import AuditEvent, Post, Role, Unit
from cms.selectors import has_role, scope_unit, units_visible_to

User = get_user_model()

ANY_ACTION = ["add", "change", "delete", "view"]


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
    """Django model permissions, narrowed to the rows `scope(user)` returns; `disabled` actions are never allowed."""

    def __init__(self, model, *, scope, disabled=()):
        super().__init__(model)
        self.scope = scope
        self.disabled = frozenset(disabled)

    def user_has_permission(self, user, action):
        return action not in self.disabled and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.scope(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self.scope(user).filter(pk=instance.pk).exists()


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


class ScopedIndexView(ScopedViewMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped_queryset()


class ScopedCreateView(generic.CreateView):
    pass


class ScopedEditView(ScopedViewMixin, generic.EditView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Resolve the object before the permission check, so an out-of-scope object is a 404 for everyone.
        self.object = self.get_object()

    def get_queryset(self):
        return self.scoped_queryset()

    def get(self, request, *args, **kwargs):
        context = self.get_context_data()
        return self.render_to_response(context)


class ScopedDeleteView(ScopedViewMixin, generic.DeleteView):
    def get_queryset(self):
        return self.scoped_queryset()


class ScopedInspectView(ScopedViewMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_queryset(), pk=self.pk)


class ScopedHistoryView(ScopedViewMixin, history.HistoryView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ScopedUsageView(ScopedViewMixin, usage.UsageView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet whose every view goes through `visible_to(user)`; `disabled_actions` have no URL at all."""

    disabled_actions: tuple[str, ...] = ()
    copy_view_enabled = False
    search_backend_name = None  # plain ORM search over search_fields, within the scoped queryset

    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView

    def visible_to(self, user):
        raise NotImplementedError

    @cached_property
    def permission_policy(self):
        return ScopedPermissionPolicy(self.model, scope=self.visible_to, disabled=self.disabled_actions)

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
