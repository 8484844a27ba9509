"""The audit trail in the admin: read-only, scoped to the viewer's subtree, filterable and exportable."""

import json

import django_filters
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
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
    action = django_filters.ChoiceFilter(label=pgettext_lazy("audit", "Action"), choices=_action_choices)
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


# Keys of before/after that are not model fields of the event's object (or name them differently there).
EXTRA_FIELD_LABELS = {
    "mock": _("Mock exam"),
    "number": _("Attempt number"),
    "questions": _("Number of questions"),
    "seed": _("Paper seed"),
    "deadline": _("Deadline"),
    "submitted_at": _("Submitted at"),
    "officer_status": _("Officer status"),
    "certificate_no": _("Certificate number"),
    "valid_until": _("Valid until"),
    "stage": _("Stage ID"),
    "stage_name": _("Stage"),
    "next": _("Next stage ID"),
}


def _field_label(model, key: str) -> str:
    if key in EXTRA_FIELD_LABELS:
        return str(EXTRA_FIELD_LABELS[key])
    if model is not None:
        try:
            return str(model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            pass
    return key


def _plain(value) -> str:
    """A recorded value as a reader wants it: text as is, yes/no, lists joined, times in local time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        moment = parse_datetime(value)
        if moment is not None:
            return local_naive(moment).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def mock_object_ids(events) -> set[tuple[int, str]]:
    """(content type, object id) of the events whose object is a mock (an attempt at a mock exam): one query per
    content type whose model has an `is_mock` flag."""
    by_type: dict[int, set[str]] = {}
    for e in events:
        if e.content_type_id and e.object_id:
            by_type.setdefault(e.content_type_id, set()).add(e.object_id)
    found = set()
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None or not any(f.name == "is_mock" for f in model._meta.fields):
            continue
        pks = [i for i in ids if i.isdigit()]
        for pk in model._default_manager.filter(pk__in=pks, is_mock=True).values_list("pk", flat=True):
            found.add((ct_id, str(pk)))
    return found


def _object_label(event, mocks) -> str:
    if (event.content_type_id, event.object_id) in mocks:
        mock = _("mock")
        return f"{event.object_repr} · {mock}"
    return event.object_repr


class AuditEventIndexView(UnitPathsMixin, ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("unit")

    def get_table(self, object_list):
        self._mocks = mock_object_ids(object_list)
        return super().get_table(object_list)

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
            Column(
                "action", label=pgettext_lazy("audit", "Action"), accessor="action_label", sort_key="action"
            ),
            Column("content_type", label=_("Object type"), accessor=_content_type_label),
            Column(
                "object_repr",
                label=_("Object"),
                accessor=lambda e: _object_label(e, getattr(self, "_mocks", set())),
                sort_key="object_repr",
            ),
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

    def get_field_label(self, field_name, field):
        if field_name == "action":  # as the list's column says (the model's plain "Action" is Wagtail's 行为)
            return pgettext_lazy("audit", "Action")
        return super().get_field_label(field_name, field)

    def get_timestamp_display_value(self):
        return local_naive(self.object.timestamp).strftime("%Y-%m-%d %H:%M:%S")

    def get_action_display_value(self):
        return self.object.action_label

    def get_actor_repr_display_value(self):
        return self.object.actor_repr or _("System")

    def get_object_repr_display_value(self):
        return _object_label(self.object, mock_object_ids([self.object]))

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
        # What a reader sees: each recorded field by its name in Chinese, with plain values; the raw record stays
        # below for whoever needs it.
        model = self.object.content_type.model_class() if self.object.content_type_id else None
        changes = []
        if isinstance(before, dict) or isinstance(after, dict):
            b, a = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
            for key in sorted(set(b) | set(a)):
                if b.get(key) != a.get(key) or before is None:
                    changes.append(
                        {
                            "field": _field_label(model, key),
                            "before": _plain(b[key]) if key in b else "",
                            "after": _plain(a[key]) if key in a else "",
                        }
                    )
        context["changes"] = changes
        context["has_before"] = before is not None
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
        "action_label": pgettext_lazy("audit", "Action"),
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
