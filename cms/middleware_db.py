"""Database unavailable → a quick 503 with Retry-After, not a 500: the client (the exam page's autosave, a browser)
should try again shortly, and nothing it sent was stored. Only connection-class errors qualify; every other
database error (a bad query, a deadlock, a timeout, SQLite's "no such table") stays a 500, logged as one."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

try:
    import psycopg
except ImportError:  # a SQLite-only install: no PostgreSQL outage to recognise
    psycopg = None

logger = logging.getLogger(__name__)

# Seconds the client is asked to wait: a restart or fail-over of PostgreSQL takes one to a few seconds.
RETRY_AFTER_SECONDS = 5

# SQLSTATEs of a server that is going away or not ready yet: admin_shutdown (a fast or immediate stop, the
# connection was terminated), crash_shutdown, cannot_connect_now (starting up or shutting down). Class 08 is
# "connection exception".
SERVER_GOING_AWAY = {"57P01", "57P02", "57P03"}


def _a_connection_is_gone() -> bool:
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is not None and getattr(raw, "closed", False):
            return True
    return False


def database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` says PostgreSQL cannot be reached (refused, reset, shut down, starting up), not that the
    query or the code is wrong."""
    if psycopg is None or not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    cause = exc.__cause__
    if not isinstance(cause, psycopg.Error):
        return False
    state = cause.sqlstate
    if state:
        return state.startswith("08") or state in SERVER_GOING_AWAY
    if isinstance(exc, OperationalError):
        # No SQLSTATE: the server never answered (connection refused, closed unexpectedly, "the connection is
        # closed" after it died).
        return True
    # An InterfaceError without SQLSTATE is an outage only if a connection is actually gone ("the cursor is
    # closed" is a bug in the caller).
    return _a_connection_is_gone()


def wants_json(request) -> bool:
    """The exam page's autosave and state requests ask for JSON (Accept: application/json, or send JSON)."""
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or request.content_type == "application/json"


def database_unavailable_response(request) -> HttpResponse:
    """503 + Retry-After, in JSON for the page's scripts, else a page in the 500 page's shell. Needs no database:
    rendered without a request context (no context processors, no user)."""
    message = _(
        "The database is briefly unavailable. Nothing was saved from this request; please try again in a few "
        "seconds."
    )
    if wants_json(request):
        response = JsonResponse(
            {
                "ok": False,
                "reason": "database_unavailable",
                "message": message,
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
        )
    else:
        html = loader.get_template("503.html").render(
            {"admin": request.path.startswith("/admin/"), "message": message}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def log_unavailable(request, exc: BaseException) -> None:
    logger.warning(
        "database unavailable, answered 503: %s %s: %s: %s",
        request.method,
        request.path,
        type(exc.__cause__ or exc).__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
    )


class DatabaseUnavailableMiddleware:
    """Turns a view's connection-class database error into database_unavailable_response. Errors raised in other
    middleware reach handler500 (cms.views.server_error), which asks the same question."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        log_unavailable(request, exception)
        response = database_unavailable_response(request)
        # Logged above as a warning: Django's request logger would log every 503 again as an error.
        response._has_been_logged = True
        return response
