"""A database that cannot be reached is a quick 503 with Retry-After (cms.middleware_db), JSON for the exam page's
autosave and state requests and a page otherwise; every other database error stays a 500."""

import json
import logging
import sqlite3

import psycopg
import psycopg.errors
import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import gettext

from cms import middleware_db
from exams import services
from tests.exams.conftest import make_bank, make_exam

UNAVAILABLE_TEXT = "The database is briefly unavailable. Nothing was saved from this request; please try again in a few seconds."


def wrapped(django_class, cause):
    """A database error as Django raises it: its class wrapping the driver's exception (__cause__)."""
    try:
        raise django_class(str(cause)) from cause
    except django_class as exc:
        return exc


OUTAGES = {
    "connection refused": wrapped(
        OperationalError,
        psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        ),
    ),
    "closed unexpectedly": wrapped(
        OperationalError,
        psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"),
    ),
    "terminated by a fast shutdown": wrapped(
        OperationalError, psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    ),
    "starting up": wrapped(
        OperationalError, psycopg.errors.CannotConnectNow("the database system is starting up")
    ),
    "connection exception class 08": wrapped(
        OperationalError, psycopg.errors.ConnectionFailure("connection failure")
    ),
}

NOT_OUTAGES = {
    "missing table (programming error)": wrapped(
        ProgrammingError, psycopg.errors.UndefinedTable('relation "nope" does not exist')
    ),
    "deadlock": wrapped(OperationalError, psycopg.errors.DeadlockDetected("deadlock detected")),
    "statement timeout": wrapped(
        OperationalError, psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
    ),
    "SQLite's no such table": wrapped(OperationalError, sqlite3.OperationalError("no such table: nope")),
    "cursor closed while the connection is fine": wrapped(
        InterfaceError, psycopg.InterfaceError("the cursor is closed")
    ),
    "not a database error": ValueError("bug"),
}


@pytest.mark.parametrize("name", list(OUTAGES))
def test_connection_class_errors_are_an_outage(name):
    assert middleware_db.database_unavailable(OUTAGES[name])


@pytest.mark.parametrize("name", list(NOT_OUTAGES))
def test_other_errors_are_not_masked(name):
    assert not middleware_db.database_unavailable(NOT_OUTAGES[name])


@pytest.mark.parametrize("name", list(NOT_OUTAGES))
def test_the_middleware_lets_other_errors_through_to_the_500(name):
    middleware = middleware_db.DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/me/"), NOT_OUTAGES[name]) is None


def test_an_outage_in_a_page_is_a_503_page_with_retry_after(caplog):
    middleware = middleware_db.DatabaseUnavailableMiddleware(lambda request: None)
    with caplog.at_level(logging.WARNING, logger="cms.middleware_db"):
        response = middleware.process_exception(
            RequestFactory().get("/me/"), OUTAGES["terminated by a fast shutdown"]
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(middleware_db.RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "错误 503" in html and gettext(UNAVAILABLE_TEXT) in html and 'href="/me/"' in html
    assert response._has_been_logged  # a warning, not Django's error log of every 5xx
    [record] = [r for r in caplog.records if r.name == "cms.middleware_db"]
    assert record.levelno == logging.WARNING and "AdminShutdown" in record.getMessage()


def test_an_outage_under_admin_offers_the_admin_home():
    middleware = middleware_db.DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(
        RequestFactory().get("/admin/pages/"), OUTAGES["connection refused"]
    )
    assert response.status_code == 503 and 'href="/admin/"' in response.content.decode()


@pytest.fixture
def attempt(trainee):
    exam = make_exam(make_bank(questions=[], n_single=3), rules=[{"count": 3}])
    return services.start_attempt(exam=exam, officer=trainee, by=trainee.user)


def _raise(monkeypatch, target, exc):
    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(target, fail)


@pytest.mark.django_db
def test_autosave_while_the_database_is_down_is_a_json_503_the_page_retries(
    client, trainee, attempt, monkeypatch
):
    client.force_login(trainee.user)
    _raise(monkeypatch, "exams.autosave.save", OUTAGES["closed unexpectedly"])
    response = client.post(
        reverse("exams:attempt_save", args=[attempt.pk]),
        json.dumps({"position": 1, "seq": 1, "answer": 0}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    # exams/static/exams/attempt.js keeps the answer and sends it again after Retry-After on 503.
    assert response.status_code == 503
    assert response["Retry-After"] == str(middleware_db.RETRY_AFTER_SECONDS)
    assert response.json() == {
        "ok": False,
        "reason": "database_unavailable",
        "message": gettext(UNAVAILABLE_TEXT),
        "retry_after": middleware_db.RETRY_AFTER_SECONDS,
    }
    assert attempt.responses.get(position=1).seq == 0  # nothing was stored, so no false 已保存


@pytest.mark.django_db
def test_the_state_poll_while_the_database_is_down_is_a_json_503(client, trainee, attempt, monkeypatch):
    client.force_login(trainee.user)
    _raise(monkeypatch, "exams.autosave.attempt_state", OUTAGES["starting up"])
    response = client.get(reverse("exams:attempt_state", args=[attempt.pk]), HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response.json()["reason"] == "database_unavailable"


@pytest.mark.django_db
def test_a_programming_error_in_the_autosave_stays_a_500(client, trainee, attempt, monkeypatch):
    client.force_login(trainee.user)
    client.raise_request_exception = False
    _raise(monkeypatch, "exams.autosave.save", NOT_OUTAGES["missing table (programming error)"])
    response = client.post(
        reverse("exams:attempt_save", args=[attempt.pk]),
        json.dumps({"position": 1, "seq": 1, "answer": 0}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 500 and "Retry-After" not in response


@pytest.mark.django_db
def test_an_outage_inside_another_middleware_is_a_503_through_handler500(client, monkeypatch):
    # The sign-in delay middleware reads the failed sign-ins before any view runs.
    client.raise_request_exception = False
    _raise(monkeypatch, "cms.login_throttle.seconds_to_wait", OUTAGES["connection refused"])
    response = client.post(reverse("login"), {"username": "someone", "password": "x"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(middleware_db.RETRY_AFTER_SECONDS)
    assert "错误 503" in response.content.decode()
