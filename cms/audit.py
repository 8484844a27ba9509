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
from wagtail.log_actions import registry
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
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if unit is None and obj is not None:
        unit = getattr(obj, "unit", None) if hasattr(obj, "unit_id") else None
    event = AuditEvent(
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
        ip_address=client_ip(_current_request.get()),
    )
    event.save(force_insert=True)
    if obj is not None and obj.pk is not None and not transaction.get_connection().needs_rollback:
        _mirror_to_wagtail_log(obj, action, actor, event)
    return event


def _mirror_to_wagtail_log(obj, action, actor, event) -> None:
    """Mirror the event into Wagtail's log so it appears in the admin's history views and site history report."""
    if isinstance(obj, Page):
        return  # pages keep Wagtail's own page log
    if registry.action_exists(action):
        registry.log(instance=obj, action=action, user=event.actor, data={"audit_event": event.pk})
