"""The audit trail helper every app uses: `record()` writes an append-only AuditEvent in the caller's transaction."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import uuid
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import get_active_log_context, registry
from wagtail.models import Page

from cms import actions
from cms.models import AuditEvent

_current_request: ContextVar = ContextVar("current_request", default=None)

# The labels live in the leaf module cms.actions; these names stay importable from here.
ACTION_LABELS = actions.ACTION_LABELS
action_label = actions.action_label


class CurrentRequestMiddleware:
    """Keeps the current request in a context variable so audit records can carry the client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_request():
    """The request being served (None in tasks, commands and shells). For what only a request has (its CSP nonce,
    its client address); services take the acting user as `by=`, never from here."""
    return _current_request.get()


def current_user():
    """The signed-in user of the request being served, or None. Only for Django's own signals that cannot carry
    `by=` (group membership changes made by the admin's user form)."""
    request = _current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


def _valid_ip(value: str | None) -> str | None:
    """`value` as a normalised IP address, or None when it is not one (never raises)."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address, trusting exactly `TRUSTED_PROXY_HOPS` reverse proxies in front of the web process.

    With 0 hops REMOTE_ADDR is the client and X-Forwarded-For is ignored (anyone can send it). With N hops each
    proxy appended the address it saw, so the client is the N-th entry from the right; entries further left were
    written by the client and are never trusted. Anything that is not an IP address gives None.
    """
    if request is None:
        return None
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops <= 0:
        return _valid_ip(request.META.get("REMOTE_ADDR"))
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < hops:
        # Fewer entries than trusted proxies: the chain is not the one configured, so nothing here is trustworthy.
        return None
    return _valid_ip(forwarded[-hops])


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of `instance` as JSON-safe data (foreign keys as ids)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = jsonable(getattr(instance, field.attname))
    return data


def _event(*, actor, action: str, obj=None, before=None, after=None, unit=None, object_repr=None, ip=None):
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if unit is None and obj is not None:
        unit = getattr(obj, "unit", None) if hasattr(obj, "unit_id") else None
    return AuditEvent(
        actor=actor,
        actor_repr=(actor.get_full_name() or actor.get_username()) if actor else str(_("System")),
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False)
        if obj is not None
        else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:255],
        unit=unit,
        before=jsonable(before),
        after=jsonable(after),
        ip_address=ip,
    )


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    unit=None,
    object_repr: str | None = None,
):
    """Record a domain event. Call it inside the service's transaction, next to the change it describes."""
    event = _event(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=after,
        unit=unit,
        object_repr=object_repr,
        ip=client_ip(_current_request.get()),
    )
    event.save(force_insert=True)
    if obj is not None and obj.pk is not None and not transaction.get_connection().needs_rollback:
        _mirror_to_wagtail_log([(obj, event)])
    return event


def record_many(entries: list[dict]) -> list[AuditEvent]:
    """Record many domain events at once (each entry: record()'s keyword arguments): one INSERT for the events and
    one for their Wagtail log mirror, for bulk writes such as the roster import. Same rows as record() one by one."""
    ip = client_ip(_current_request.get())
    events = [_event(**entry, ip=ip) for entry in entries]
    if not events:
        return []
    created = AuditEvent.objects.bulk_create(events, batch_size=2000)
    if not transaction.get_connection().needs_rollback:
        _mirror_to_wagtail_log(
            [
                (entry["obj"], event)
                for entry, event in zip(entries, created, strict=True)
                if entry.get("obj") is not None and entry["obj"].pk is not None
            ]
        )
    return created


def _mirror_to_wagtail_log(pairs) -> None:
    """Mirror events into Wagtail's log so they appear in the admin's history views and site history report.

    The entries are built and inserted directly (bulk) rather than through registry.log(): Wagtail's log entry
    save() runs full_clean(), whose only rule (the action is registered) is checked here, and whose foreign-key
    checks cost a query per entry for rows this transaction has just read or written."""
    entries = []
    context = get_active_log_context()
    for obj, event in pairs:
        if isinstance(obj, Page) or event.pk is None or not registry.action_exists(event.action):
            continue  # pages keep Wagtail's own page log
        log_model = registry.get_log_model_for_instance(obj)
        if log_model is None:
            continue
        entries.append(
            log_model(
                content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
                object_id=str(obj.pk),
                label=str(obj) or f"{obj.__class__.__name__} object ({obj.pk})",
                action=event.action,
                timestamp=event.timestamp,
                user=event.actor or context.user,
                uuid=context.uuid,
                data={"audit_event": event.pk},
            )
        )
    if entries:
        # One model per call in practice (ModelLogEntry); grouped so a mixed list still inserts per model.
        by_model: dict = {}
        for entry in entries:
            by_model.setdefault(type(entry), []).append(entry)
        for model, rows in by_model.items():
            model.objects.bulk_create(rows, batch_size=2000)
