"""The role groups in the admin under their Chinese role names. Code looks groups up by their `name` (the role
code: `trainee`, `mentor` …), so the name stays the key; only what is shown changes, and a role group cannot be
renamed. Installed through `cms.users_app.UsersConfig` (Wagtail's documented `group_viewset` hook)."""

from django.contrib.auth.models import Group
from django.db.models import Case, CharField, F, Q, Value, When
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import TitleColumn
from wagtail.users.forms import GroupForm
from wagtail.users.views import groups as wagtail_groups

from cms.models import Role


def role_label(name: str) -> str:
    """A group's name as people read it: the role's Chinese name for a role group, the name itself otherwise."""
    return str(Role(name).label) if name in Role.values else name


def group_str(group: Group) -> str:
    return role_label(group.name)


class RoleGroupForm(GroupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.name in Role.values:
            field = self.fields["name"]
            field.disabled = True  # a disabled field keeps the stored value whatever is posted
            # Nothing to fill in, so no required mark: the form keeps the stored name (disabled fields are
            # cleaned from their initial value).
            field.required = False
            field.help_text = _(
                "This is a role group: the system finds it by its code %(code)s (shown as %(label)s), "
                "so it cannot be renamed."
            ) % {"code": self.instance.name, "label": role_label(self.instance.name)}


class RoleGroupIndexView(wagtail_groups.IndexView):
    columns = [
        TitleColumn(
            "name",
            label=_("Name"),
            accessor=group_str,
            sort_key="display_name",
            url_name="wagtailusers_groups:edit",
        ),
    ]

    def get_base_queryset(self):
        # The labels in the request's language; the database compares them by code point, which for Chinese
        # characters is the dictionaries' radical-and-stroke order.
        return (
            super()
            .get_base_queryset()
            .annotate(
                display_name=Case(
                    *(When(name=code, then=Value(role_label(code))) for code in Role.values),
                    default=F("name"),
                    output_field=CharField(),
                )
            )
        )

    def order_queryset(self, queryset):
        # Same display names, then the stored name, so the order is total and pagination stable.
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "name")

    def search_queryset(self, queryset):
        # Searching "导师" finds the mentor group, whose stored name is its code.
        query = self.search_query
        if not query:
            return queryset
        codes = [code for code in Role.values if query in role_label(code)]
        return queryset.filter(Q(name__icontains=query) | Q(name__in=codes))


class RoleGroupViewSet(wagtail_groups.GroupViewSet):
    index_view_class = RoleGroupIndexView
    # Sorted by the name the page shows (the role's Chinese name, else the group's name), not by the role code
    # stored in `name`: code order put 导师 (mentor) before 单位负责人 (unit_leader) for no reason a reader sees.
    ordering = "display_name"
    edit_template_name = "cms/admin/group_edit.html"

    def get_form_class(self, for_update=False):
        return RoleGroupForm
