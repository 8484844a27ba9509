"""Posts, specialties and staff scopes in the admin."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from cms import audit
from cms.admin_views.scoping import (
    ScopedIndexView,
    ScopedModelViewSet,
    SuperuserOnlyPolicy,
    UnitChoiceField,
    UnitPathsMixin,
    UnitSubtreeFilter,
    posts_visible_to,
    unit_path_column,
)
from cms.models import Post, Specialty, Unit, UserScope
from cms.selectors import SUBTREE_ROLES, units_visible_to

User = get_user_model()


class PostForm(WagtailAdminModelForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    class Meta:
        model = Post
        fields = ["title", "unit", "wanted_specialties", "openings", "is_open", "description"]
        widgets = {"wanted_specialties": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(self.for_user).order_by("path")


class PostFilterSet(WagtailFilterSet):
    unit = UnitSubtreeFilter()
    is_open = django_filters.BooleanFilter(label=_("Open"))

    class Meta:
        model = Post
        fields = []


class PostIndexView(UnitPathsMixin, ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("unit")

    @cached_property
    def columns(self):
        return [
            self._get_title_column("title"),
            unit_path_column(self, path_of=lambda p: p.unit.path),
            self._get_custom_column("openings"),
            BooleanColumn("is_open", label=Post._meta.get_field("is_open").verbose_name, sort_key="is_open"),
        ]


class PostViewSet(ScopedModelViewSet):
    model = Post
    name = "posts"
    icon = "tasks"
    menu_label = _("Posts")
    index_view_class = PostIndexView
    filterset_class = PostFilterSet
    search_fields = ["title"]
    ordering = ["unit__path", "title"]

    def visible_to(self, user):
        return posts_visible_to(user)

    def get_form_class(self, for_update=False):
        return PostForm


class SpecialtyViewSet(ModelViewSet):
    model = Specialty
    name = "specialties"
    icon = "tag"
    menu_label = _("Specialties")
    copy_view_enabled = False
    form_fields = ["name"]
    list_display = ["name"]
    search_fields = ["name"]
    search_backend_name = None


# --- Staff scopes ---------------------------------------------------------


def scope_data(scope: UserScope | None) -> dict | None:
    if scope is None:
        return None
    return {"user": scope.user.get_username(), "unit_id": scope.unit_id, "unit": scope.unit.code}


class UserScopeForm(WagtailAdminModelForm):
    unit = UnitChoiceField(label=_("Unit in charge"), queryset=Unit.objects.order_by("path"))

    class Meta:
        model = UserScope
        fields = ["user", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Scopes matter only for the subtree roles; offer those accounts (and the one already chosen).
        staff = Q(groups__name__in=SUBTREE_ROLES)
        if self.instance.user_id:
            staff |= Q(pk=self.instance.user_id)
        self.fields["user"].queryset = User.objects.filter(staff).distinct().order_by("username")
        self.fields["user"].help_text = _(
            "Accounts holding the HR, unit leader or training administrator role."
        )


class UserScopeCreateView(generic.CreateView):
    def save_instance(self):
        scope = self.form.save()
        audit.record(actor=self.request.user, action="cms.scope_change", obj=scope, after=scope_data(scope))
        return scope


class UserScopeEditView(generic.EditView):
    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.before = scope_data(self.object)
        return super().post(request, *args, **kwargs)

    def save_instance(self):
        scope = self.form.save()
        if scope_data(scope) != self.before:
            audit.record(
                actor=self.request.user,
                action="cms.scope_change",
                obj=scope,
                before=self.before,
                after=scope_data(scope),
            )
        return scope


class UserScopeDeleteView(generic.DeleteView):
    def delete_action(self):
        with transaction.atomic():
            audit.record(
                actor=self.request.user,
                action="cms.scope_change",
                obj=self.object,
                before=scope_data(self.object),
                after=None,
                object_repr=str(self.object),
            )
            self.object.delete()


class UserScopeIndexView(UnitPathsMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "unit")

    @cached_property
    def columns(self):
        return [
            self._get_title_column("user"),
            unit_path_column(self, path_of=lambda s: s.unit.path, label=_("Unit in charge")),
        ]


class UserScopeViewSet(ModelViewSet):
    model = UserScope
    name = "staff_scopes"
    icon = "key"
    menu_label = _("Staff scopes")
    copy_view_enabled = False
    add_to_reference_index = False
    index_view_class = UserScopeIndexView
    add_view_class = UserScopeCreateView
    edit_view_class = UserScopeEditView
    delete_view_class = UserScopeDeleteView
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    search_backend_name = None

    @cached_property
    def permission_policy(self):
        return SuperuserOnlyPolicy(UserScope)

    def get_form_class(self, for_update=False):
        return UserScopeForm

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().none()
