"""Officers in the admin: scoped list with filters and export, inspect with spells, create/edit with spells inline."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import AdminDateInput

from cms import spells as spell_rules
from cms.admin_views.scoping import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    UnitChoiceField,
    UnitPathsMixin,
    UnitSubtreeFilter,
    unit_path_column,
)
from cms.models import EmploymentSpell, Officer, Specialty, Unit
from cms.selectors import officers_visible_to, units_visible_to
from cms.services import officer_save

User = get_user_model()


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
                code="username_taken",
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
            raise ValidationError(
                _("You can only choose units within your own scope."), code="unit_out_of_scope"
            )
        return unit


class BaseSpellFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        # The rules between spells (cms.spells); each spell's own rules were checked by its form.
        spells = [
            spell_rules.Spell(
                data["hire_date"], data.get("leave_date"), data.get("leave_reason") or "", data.get("unit")
            )
            for form in self.forms
            if (data := form.cleaned_data) and data.get("hire_date")
        ]
        found = [p for p in spell_rules.problems(spells) if p.field is None]
        if found:
            raise ValidationError([p.as_validation_error() for p in found])
        position = spell_rules.position_of(spells)
        user = self.form_kwargs.get("for_user")
        if position and not units_visible_to(user).filter(pk=position.spell.unit.pk).exists():
            raise ValidationError(
                _("The officer's current (latest) spell must be in a unit within your scope."),
                code="current_unit_out_of_scope",
            )

    def spells_to_save(self) -> list[EmploymentSpell]:
        """The new and changed spells (unchanged ones and untouched blank rows are left out)."""
        return [form.save(commit=False) for form in self.forms if form.has_changed()]


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

    def save_officer(self) -> Officer:
        """Writes the officer, the spells and the audit records through the one write path (cms.services)."""
        officer = self.form.save(commit=False)
        return officer_save(
            by=self.request.user,
            officer=officer,
            spells=self.get_spell_formset().spells_to_save(),
            specialties=self.form.cleaned_data["specialties"],
        )


class OfficerCreateView(OfficerFormViewMixin, ScopedCreateView):
    creating = True
    template_name = "cms/admin/officer_form.html"

    def save_instance(self):
        return self.save_officer()


class OfficerEditView(OfficerFormViewMixin, ScopedEditView):
    template_name = "cms/admin/officer_form.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "user")

    def save_instance(self):
        return self.save_officer()


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
        if self.request.user.has_perm("cms.view_auditevent"):
            context["audit_url"] = (
                reverse("audit_events:index") + "?" + urlencode({"q": self.object.employee_no})
            )
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
