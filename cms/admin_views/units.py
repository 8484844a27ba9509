"""The unit tree in the admin: creation goes through treebeard (add_root / add_child) under a chosen parent."""

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm

from cms.admin_views.scoping import (
    ScopedCreateView,
    ScopedIndexView,
    ScopedModelViewSet,
    UnitChoiceField,
    UnitPathsMixin,
    unit_path_column,
)
from cms.models import Unit
from cms.selectors import units_visible_to

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
