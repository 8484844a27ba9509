"""The audit trail in the admin: read-only, scoped to the viewer's subtree, filterable and exportable."""

import json

import django_filters
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import ContentTypeFilter, DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.coreutils import get_content_type_label

from cms import audit
from cms.admin_views.scoping import (
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    UnitPathsMixin,
    UnitSubtreeFilter,
    audit_events_visible_to,
    unit_path_column,
)
from cms.models import AuditEvent

User = get_user_model()


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


def local_naive(moment):
    """Wall-clock time in the site's time zone, without tzinfo (spreadsheets show it as is)."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def _content_type_label(event):
    if event.content_type_id is None:
        return ""

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
                accessor=lambda e: local_naive(e.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
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
            "timestamp": local_naive(item.timestamp),
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
