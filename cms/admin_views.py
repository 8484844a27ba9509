"""Wagtail admin screens for units, officers, posts, specialties, staff scopes and the audit trail.

Every screen reads through the scoping selectors: a scoped permission policy narrows each viewset's rows to
what `cms.selectors` lets the user see, so lists, exports and object URLs (edit, inspect, history, usage,
delete) all share one rule, and an out-of-scope object answers 404.
"""

from __future__ import annotations

import json

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import ContentTypeFilter, DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateInput
from wagtail.permission_policies import ModelPermissionPolicy

from cms import audit
from cms.models import (
    AuditEvent,
    EmploymentSpell,
    Officer,
    Post,
    Role,
    Specialty,
    Unit,
    UserScope,
)
from cms.selectors import SUBTREE_ROLES, has_role, officers_visible_to, scope_unit, units_visible_to

User = get_user_model()

ANY_ACTION = ["add", "change", "delete", "view"]


# --- Scoping --------------------------------------------------------------


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


# --- Units ----------------------------------------------------------------

KIND_ORDER = [Unit.Kind.CITY, Unit.Kind.DISTRICT, Unit.Kind.STREET]


class UnitForm(WagtailAdminModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind"]


class UnitCreateForm(UnitForm):
    """Creating a unit places it in the tree: the parent decides where (treebeard add_root / add_child)."""

    parent = UnitChoiceField(
        label=_("Parent unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("The new unit is created below this one."),
    )

    field_order = ["parent", "code", "name", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        self.fields["parent"].queryset = units_visible_to(user).order_by("path")
        if not (user and user.is_superuser):
            self.fields["parent"].required = True
        else:
            self.fields["parent"].help_text = _("Leave empty to create a new top-level unit (a city).")

    def clean(self):
        cleaned = super().clean()
        parent, kind = cleaned.get("parent"), cleaned.get("kind")
        if kind:
            expected = KIND_ORDER[0] if parent is None else None
            if parent is not None:
                index = KIND_ORDER.index(parent.kind)
                if index + 1 >= len(KIND_ORDER):
                    self.add_error("parent", _("A street office cannot have units below it."))
                    return cleaned
                expected = KIND_ORDER[index + 1]
            if kind != expected:
                self.add_error(
                    "kind",
                    _("A unit at this place in the tree must be of level “%(kind)s”.")
                    % {"kind": Unit.Kind(expected).label},
                )
        return cleaned


class UnitCreateView(ScopedCreateView):
    def save_instance(self):
        parent = self.form.cleaned_data.get("parent")
        instance = self.form.save(commit=False)
        if parent is None:
            return Unit.add_root(instance=instance)
        parent.refresh_from_db()  # numchild/path may have moved since the form was shown
        return parent.add_child(instance=instance)


class UnitIndexView(UnitPathsMixin, ScopedIndexView):
    @cached_property
    def columns(self):
        return [
            self._get_title_column("name"),
            unit_path_column(
                self, "full_path", path_of=lambda u: u.path, label=_("Full path"), sort_key="path"
            ),
            self._get_custom_column("kind"),
            self._get_custom_column("code"),
        ]

    def to_row_dict(self, item):
        values = {
            "code": item.code,
            "name": item.name,
            "kind": item.get_kind_display(),
            "full_name": self.unit_paths.full_name(item.path),
        }
        return {field: values[field] for field in self.list_export}


class UnitViewSet(ScopedModelViewSet):
    model = Unit
    name = "units"
    icon = "site"
    menu_label = _("Units")
    add_to_reference_index = False
    disabled_actions = ("delete",)  # units carry officers' history; rename instead
    index_view_class = UnitIndexView
    add_view_class = UnitCreateView
    search_fields = ["name", "code"]
    ordering = "path"
    list_per_page = 50
    list_export = ["code", "name", "kind", "full_name"]
    export_headings = {"full_name": _("Full path")}
    export_filename = "units"

    def visible_to(self, user):
        return units_visible_to(user)

    def get_form_class(self, for_update=False):
        return UnitForm if for_update else UnitCreateForm


# --- Officers -------------------------------------------------------------


def officer_snapshot(officer: Officer) -> dict:
    data = audit.snapshot(officer, fields=None)
    data.pop("created_at", None)
    data.pop("updated_at", None)
    data["specialties"] = sorted(s.name for s in officer.specialties.all()) if officer.pk else []
    return data


def spell_snapshot(spell: EmploymentSpell) -> dict:
    return audit.snapshot(spell)


class OfficerForm(WagtailAdminModelForm):
    """Personal data only: unit, category and status follow from the employment spells below."""

    class Meta:
        model = Officer
        fields = ["employee_no", "name", "gender", "birth_date", "phone", "education", "specialties"]
        widgets = {"specialties": forms.CheckboxSelectMultiple}

    def clean_employee_no(self):
        employee_no = self.cleaned_data["employee_no"].strip()
        if self.instance.pk is None and User.objects.filter(username=employee_no).exists():
            raise ValidationError(
                _("A user account named “%(username)s” already exists; use another employee number."),
                params={"username": employee_no},
            )
        return employee_no


class SpellForm(forms.ModelForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    class Meta:
        model = EmploymentSpell
        fields = ["unit", "staff_category", "hire_date", "leave_date", "leave_reason"]
        widgets = {
            "hire_date": AdminDateInput(attrs={"style": "min-width: 9rem"}),
            "leave_date": AdminDateInput(attrs={"style": "min-width: 9rem"}),
        }

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_user = for_user
        self.allowed_units = units_visible_to(for_user)
        allowed = Q(pk__in=self.allowed_units.values("pk"))
        if self.instance.unit_id:
            # A past spell may lie outside today's scope (e.g. before an internal transfer); keep it selectable.
            allowed |= Q(pk=self.instance.unit_id)
        self.fields["unit"].queryset = Unit.objects.filter(allowed).order_by("path")

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        unchanged = self.instance.pk is not None and unit.pk == self.instance.unit_id
        if not unchanged and not self.allowed_units.filter(pk=unit.pk).exists():
            raise ValidationError(_("You can only choose units within your own scope."))
        return unit


class BaseSpellFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        spells = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and form.cleaned_data.get("hire_date")
        ]
        spells.sort(key=lambda s: s["hire_date"])
        for earlier, later in zip(spells, spells[1:], strict=False):
            if earlier["hire_date"] == later["hire_date"]:
                raise ValidationError(
                    _("Two employment spells start on the same day (%(date)s)."),
                    params={"date": later["hire_date"].isoformat()},
                )
            if earlier["leave_date"] is None or earlier["leave_date"] > later["hire_date"]:
                raise ValidationError(
                    _("The employment spell starting %(later)s overlaps the one starting %(earlier)s."),
                    params={
                        "later": later["hire_date"].isoformat(),
                        "earlier": earlier["hire_date"].isoformat(),
                    },
                )
        self.current = current_spell_data(spells)
        user = self.form_kwargs.get("for_user")
        if self.current and not units_visible_to(user).filter(pk=self.current["unit"].pk).exists():
            raise ValidationError(
                _("The officer's current (latest) spell must be in a unit within your scope.")
            )


def current_spell_data(spells: list[dict]) -> dict | None:
    """The spell that decides the officer's unit and category: the open one, else the latest."""
    if not spells:
        return None
    open_spells = [s for s in spells if s.get("leave_date") is None]
    return max(open_spells or spells, key=lambda s: s["hire_date"])


def spell_formset_class(*, creating: bool):
    return inlineformset_factory(
        Officer,
        EmploymentSpell,
        form=SpellForm,
        formset=BaseSpellFormSet,
        extra=0 if creating else 1,
        min_num=1,
        validate_min=True,
        can_delete=False,
    )


class OfficerFormViewMixin:
    """Create/edit an officer together with the employment spells (a plain inline formset: Officer is no
    ClusterableModel, so Wagtail's InlinePanel is not available). Writes cms.officer_* and cms.spell_* audit events."""

    creating = False

    def get_spell_formset(self):
        if hasattr(self, "_spell_formset"):
            return self._spell_formset
        kwargs = {
            "instance": self.object if getattr(self, "object", None) else Officer(),
            "prefix": "spells",
            "form_kwargs": {"for_user": self.request.user},
        }
        if self.request.method == "POST":
            kwargs["data"] = self.request.POST
        if kwargs["instance"].pk:
            kwargs["queryset"] = EmploymentSpell.objects.select_related("unit").order_by("hire_date")
        self._spell_formset = spell_formset_class(creating=self.creating)(**kwargs)
        return self._spell_formset

    def is_valid(self, form):
        formset = self.get_spell_formset()
        form_ok = form.is_valid()
        formset_ok = formset.is_valid()
        if not (form_ok and formset_ok):
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return False
        return True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        formset = self.get_spell_formset()
        context["spell_formset"] = formset
        context["media"] += formset.media
        return context

    def apply_current_position(self, officer: Officer) -> None:
        current = self.get_spell_formset().current
        officer.unit = current["unit"]
        officer.staff_category = current["staff_category"]
        officer.status = Officer.Status.ACTIVE if current["leave_date"] is None else Officer.Status.LEFT

    def save_spells(self, officer: Officer, before: dict[int, dict]) -> None:
        formset = self.get_spell_formset()
        formset.instance = officer
        actor = self.request.user
        for form in formset.forms:
            if not form.has_changed() and form.instance.pk:
                continue
            if not form.has_changed():
                continue  # an untouched blank row
            spell = form.save(commit=False)
            spell.officer = officer
            is_new = spell.pk is None
            spell.save()
            if is_new:
                audit.record(actor=actor, action="cms.spell_create", obj=spell, after=spell_snapshot(spell))
            else:
                audit.record(
                    actor=actor,
                    action="cms.spell_update",
                    obj=spell,
                    before=before.get(spell.pk),
                    after=spell_snapshot(spell),
                )


class OfficerCreateView(OfficerFormViewMixin, ScopedCreateView):
    creating = True
    template_name = "cms/admin/officer_form.html"

    def save_instance(self):
        officer = self.form.save(commit=False)
        self.apply_current_position(officer)
        user = User(username=officer.employee_no, first_name=officer.name[:150])
        user.set_unusable_password()  # can log in once an administrator sets a password
        user.save()
        officer.user = user
        officer.save()
        self.form.save_m2m()
        trainee_group = Group.objects.filter(name=Role.TRAINEE).first()
        if trainee_group is not None:
            user.groups.add(trainee_group)
        audit.record(
            actor=self.request.user, action="cms.officer_create", obj=officer, after=officer_snapshot(officer)
        )
        self.save_spells(officer, before={})
        return officer


class OfficerEditView(OfficerFormViewMixin, ScopedEditView):
    template_name = "cms/admin/officer_form.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "user")

    def post(self, request, *args, **kwargs):
        # Snapshots before the form binds: validation writes the posted values onto the instances.
        self.before = officer_snapshot(self.object)
        self.spells_before = {s.pk: spell_snapshot(s) for s in self.object.spells.all()}
        return super().post(request, *args, **kwargs)

    def save_instance(self):
        officer = self.form.save(commit=False)
        self.apply_current_position(officer)
        officer.save()
        self.form.save_m2m()
        after = officer_snapshot(officer)
        if after != self.before:
            audit.record(
                actor=self.request.user,
                action="cms.officer_update",
                obj=officer,
                before=self.before,
                after=after,
            )
        self.save_spells(officer, before=self.spells_before)
        return officer


def current_hire_date_subquery():
    return Subquery(
        EmploymentSpell.objects.filter(officer=OuterRef("pk"), leave_date__isnull=True)
        .order_by("-hire_date")
        .values("hire_date")[:1]
    )


class OfficerFilterSet(WagtailFilterSet):
    unit = UnitSubtreeFilter()
    staff_category = django_filters.ChoiceFilter(
        label=_("Staff category"), choices=Officer._meta.get_field("staff_category").choices
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Officer.Status.choices)
    specialty = django_filters.ModelChoiceFilter(
        label=_("Specialty"), field_name="specialties", queryset=Specialty.objects.all()
    )

    class Meta:
        model = Officer
        fields = []


class OfficerIndexView(UnitPathsMixin, ScopedIndexView):
    def get_base_queryset(self):
        qs = (
            super()
            .get_base_queryset()
            .select_related("unit")
            .annotate(current_hire_date=current_hire_date_subquery())
        )
        if self.is_export:
            qs = qs.prefetch_related("specialties")
        return qs

    @cached_property
    def columns(self):
        return [
            self._get_title_column("employee_no"),
            self._get_custom_column("name"),
            unit_path_column(self, path_of=lambda o: o.unit.path),
            self._get_custom_column("staff_category"),
            self._get_custom_column("status"),
            Column("current_hire_date", label=_("Current hire date"), sort_key="current_hire_date"),
        ]

    def to_row_dict(self, item):
        values = {
            "employee_no": item.employee_no,
            "name": item.name,
            "unit_path": self.unit_paths.full_name(item.unit.path),
            "unit_code": item.unit.code,
            "staff_category": item.get_staff_category_display(),
            "status": item.get_status_display(),
            "current_hire_date": item.current_hire_date,
            "phone": item.phone,
            "education": item.get_education_display(),
            "specialties": "、".join(s.name for s in item.specialties.all()),
        }
        return {field: values[field] for field in self.list_export}


class OfficerInspectView(UnitPathsMixin, ScopedInspectView):
    template_name = "cms/admin/officer_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            self.scoped_queryset().select_related("unit", "user").prefetch_related("specialties"), pk=self.pk
        )

    def get_unit_display_value(self):
        return self.unit_paths.full_name(self.object.unit.path)

    def get_user_display_value(self):
        return self.object.user.get_username() if self.object.user else "-"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spells = list(self.object.spells.select_related("unit").order_by("hire_date"))
        for spell in spells:
            spell.unit_full_name = self.unit_paths.full_name(spell.unit.path)
        context["spells"] = spells
        context["edit_url"] = self.get_edit_url()
        return context


class OfficerViewSet(ScopedModelViewSet):
    model = Officer
    name = "officers"
    icon = "user"
    menu_label = _("Officers")
    disabled_actions = ("delete",)  # leaving is a spell's leave date, never a deletion
    inspect_view_enabled = True
    inspect_view_fields = [
        "employee_no",
        "name",
        "gender",
        "birth_date",
        "phone",
        "unit",
        "staff_category",
        "specialties",
        "education",
        "status",
        "user",
    ]
    index_view_class = OfficerIndexView
    add_view_class = OfficerCreateView
    edit_view_class = OfficerEditView
    inspect_view_class = OfficerInspectView
    filterset_class = OfficerFilterSet
    search_fields = ["name", "employee_no"]
    ordering = "employee_no"
    list_per_page = 50
    list_export = [
        "employee_no",
        "name",
        "unit_path",
        "unit_code",
        "staff_category",
        "status",
        "current_hire_date",
        "phone",
        "education",
        "specialties",
    ]
    export_headings = {
        "unit_path": _("Unit"),
        "unit_code": _("Unit code"),
        "current_hire_date": _("Current hire date"),
        "specialties": _("Specialty"),
    }
    export_filename = "officers"

    def visible_to(self, user):
        return officers_visible_to(user)

    def get_form_class(self, for_update=False):
        return OfficerForm


# --- Posts and specialties ------------------------------------------------


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
            self._get_custom_column("is_open"),
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
        from django.db import transaction

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


# --- Audit trail ----------------------------------------------------------


def _action_choices():
    return sorted(((code, str(label)) for code, label in audit.ACTION_LABELS.items()), key=lambda c: c[0])


class AuditEventFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(label=_("Action"), choices=_action_choices)
    actor = django_filters.ModelChoiceFilter(
        label=_("Actor"),
        queryset=lambda request: User.objects.filter(
            pk__in=audit_events_visible_to(request.user).exclude(actor=None).values("actor")
        ).order_by("username"),
    )
    timestamp = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    content_type = ContentTypeFilter(
        label=_("Object type"),
        queryset=lambda request: ContentType.objects.filter(
            pk__in=audit_events_visible_to(request.user).exclude(content_type=None).values("content_type")
        ),
    )
    unit = UnitSubtreeFilter()

    class Meta:
        model = AuditEvent
        fields = []


def _content_type_label(event):
    if event.content_type_id is None:
        return ""
    from wagtail.coreutils import get_content_type_label

    return get_content_type_label(ContentType.objects.get_for_id(event.content_type_id))


class AuditEventIndexView(UnitPathsMixin, ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("unit")

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "timestamp",
                label=_("Time"),
                accessor=lambda e: (
                    e.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S") if e.timestamp else ""
                ),
                get_url=self.get_inspect_url,
                sort_key="timestamp",
            ),
            Column("actor_repr", label=_("Actor"), sort_key="actor_repr"),
            Column("action", label=_("Action"), accessor="action_label", sort_key="action"),
            Column("content_type", label=_("Object type"), accessor=_content_type_label),
            Column("object_repr", label=_("Object"), sort_key="object_repr"),
            unit_path_column(self, path_of=lambda e: e.unit.path if e.unit_id and e.unit else ""),
        ]

    def to_row_dict(self, item):
        values = {
            "timestamp": item.timestamp,
            "actor_repr": item.actor_repr,
            "action": item.action,
            "action_label": item.action_label,
            "content_type": _content_type_label(item),
            "object_id": item.object_id,
            "object_repr": item.object_repr,
            "unit": self.unit_paths.full_name(item.unit.path) if item.unit_id and item.unit else "",
            "ip_address": item.ip_address or "",
            "before": json.dumps(item.before, ensure_ascii=False, sort_keys=True)
            if item.before is not None
            else "",
            "after": json.dumps(item.after, ensure_ascii=False, sort_keys=True)
            if item.after is not None
            else "",
        }
        return {field: values[field] for field in self.list_export}


class AuditEventInspectView(UnitPathsMixin, ScopedInspectView):
    template_name = "cms/admin/auditevent_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_queryset().select_related("unit", "content_type"), pk=self.pk)

    def get_action_display_value(self):
        return f"{self.object.action_label} ({self.object.action})"

    def get_unit_display_value(self):
        return self.unit_paths.full_name(self.object.unit.path) if self.object.unit else "-"

    def get_content_type_display_value(self):
        return _content_type_label(self.object) or "-"

    def get_ip_address_display_value(self):
        return self.object.ip_address or "-"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        before, after = self.object.before, self.object.after
        context["before_json"] = json.dumps(before, ensure_ascii=False, indent=2, sort_keys=True)
        context["after_json"] = json.dumps(after, ensure_ascii=False, indent=2, sort_keys=True)
        changes = []
        if isinstance(before, dict) or isinstance(after, dict):
            b, a = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
            for key in sorted(set(b) | set(a)):
                if b.get(key) != a.get(key):
                    changes.append(
                        {
                            "field": key,
                            "before": json.dumps(b[key], ensure_ascii=False) if key in b else "",
                            "after": json.dumps(a[key], ensure_ascii=False) if key in a else "",
                        }
                    )
        context["changes"] = changes
        return context


class AuditURLFinder(ModelAdminURLFinder):
    """Admin links to an audit event open its read-only inspect view."""

    edit_url_name = "audit_events:inspect"

    def get_edit_url(self, instance):
        if self.user and not self.permission_policy.user_has_permission_for_instance(
            self.user, "view", instance
        ):
            return None
        return reverse(self.edit_url_name, args=(quote(instance.pk),))


class AuditEventViewSet(ScopedModelViewSet):
    """Read-only: the audit trail is append-only, so there is no add, edit or delete view (not even a URL)."""

    model = AuditEvent
    name = "audit_events"
    icon = "history"
    menu_label = _("Audit trail")
    add_to_reference_index = False
    disabled_actions = ("add", "change", "delete")
    inspect_view_enabled = True
    inspect_view_fields = [
        "timestamp",
        "actor_repr",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "unit",
        "ip_address",
    ]
    index_view_class = AuditEventIndexView
    inspect_view_class = AuditEventInspectView
    filterset_class = AuditEventFilterSet
    search_fields = ["object_repr"]
    ordering = "-timestamp"
    list_per_page = 50
    list_export = [
        "timestamp",
        "actor_repr",
        "action",
        "action_label",
        "content_type",
        "object_id",
        "object_repr",
        "unit",
        "ip_address",
        "before",
        "after",
    ]
    export_headings = {
        "action": _("Action code"),
        "action_label": _("Action"),
        "content_type": _("Object type"),
        "unit": _("Unit concerned"),
    }
    export_filename = "audit-trail"

    def visible_to(self, user):
        return audit_events_visible_to(user)

    def get_urlpatterns(self):
        # Only the listing, its results fragment and the inspect view exist.
        return [p for p in super().get_urlpatterns() if p.name in {"index", "index_results", "inspect"}]

    def get_form_class(self, for_update=False):
        return None

    @property
    def url_finder_class(self):
        return type("AuditURLFinder", (AuditURLFinder,), {"permission_policy": self.permission_policy})


# --- Menu -----------------------------------------------------------------


class PeopleViewSetGroup(ViewSetGroup):
    menu_label = _("Organisation and people")
    menu_icon = "group"
    menu_name = "people"
    menu_order = 250
    items = (OfficerViewSet, UnitViewSet, PostViewSet, SpecialtyViewSet, UserScopeViewSet, AuditEventViewSet)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()
