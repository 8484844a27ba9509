"""Weakness 10: anyone could lock anyone out (lock by username alone; usernames are printed on certificates).

Axes now locks a username only together with the client address; failures for a username from anywhere add a
growing delay (429 + Retry-After, never a hard lock); HR unlocks an officer of their subtree in one step.
"""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from cms.models import AuditEvent

RIGHT = "Passw0rd!2026"
LIMIT = settings.AXES_FAILURE_LIMIT


def _login(username, password, ip, path=None):
    return Client().post(
        path or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _fail(times, username="trainee_east", ip="203.0.113.66"):
    for _ in range(times):
        _login(username, "wrong", ip)


@pytest.mark.django_db
def test_a_stranger_cannot_lock_an_officer_out(trainee, time_machine):
    time_machine.move_to("2026-11-01 08:00:00+08:00", tick=False)
    _fail(LIMIT, ip="203.0.113.66")
    time_machine.shift(5)  # a few seconds later, from the officer's own exam-room address
    response = _login("trainee_east", RIGHT, "10.1.1.1")
    assert response.status_code == 302
    assert response.url == reverse("my_training")


@pytest.mark.django_db
def test_the_guessing_address_stays_locked(trainee, time_machine):
    time_machine.move_to("2026-11-01 08:00:00+08:00", tick=False)
    _fail(LIMIT, ip="203.0.113.66")
    time_machine.shift(600)
    assert _login("trainee_east", RIGHT, "203.0.113.66").status_code == 429


@pytest.mark.django_db
@override_settings(LOGIN_DELAY_MAX_SECONDS=60)
def test_failures_from_many_addresses_slow_the_username_with_a_growing_capped_delay(trainee, time_machine):
    time_machine.move_to("2026-11-01 08:00:00+08:00", tick=False)
    for i in range(LIMIT):
        _login("trainee_east", "wrong", f"198.51.100.{i}")
    waits = []
    for i in range(6):
        delayed = _login("trainee_east", RIGHT, f"192.0.2.{i}")
        assert delayed.status_code == 429
        assert "data-login-delayed" in delayed.content.decode()
        waits.append(int(delayed["Retry-After"]))
        time_machine.shift(waits[-1])
        _login("trainee_east", "wrong", f"192.0.2.{100 + i}")  # the guesser tries again as soon as allowed
    assert waits == [2, 4, 8, 16, 32, 60]
    # The Wagtail admin's login is slowed the same way.
    assert _login("trainee_east", RIGHT, "192.0.2.200", path="/admin/login/").status_code == 429


@pytest.mark.django_db
def test_attempts_during_the_delay_are_not_counted(trainee, time_machine):
    from axes.models import AccessAttempt

    time_machine.move_to("2026-11-01 08:00:00+08:00", tick=False)
    for i in range(LIMIT):
        _login("trainee_east", "wrong", f"198.51.100.{i}")
    for i in range(20):
        assert _login("trainee_east", "wrong", f"192.0.2.{i}").status_code == 429
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == LIMIT
    time_machine.shift(2)
    assert _login("trainee_east", RIGHT, "10.1.1.1").status_code == 302


@pytest.mark.django_db
def test_hr_unlocks_in_one_step_within_scope_and_it_is_audited(trainee, other_trainee, hr_east, time_machine):
    time_machine.move_to("2026-11-01 08:00:00+08:00", tick=False)
    _fail(LIMIT, "trainee_east", ip="10.1.1.1")
    _fail(LIMIT, "trainee_west", ip="10.1.1.1")
    hr = Client()
    hr.force_login(hr_east)
    listing = hr.get(reverse("cms_sign_in:index"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "trainee_east" in body and "trainee_west" not in body

    # Out of scope: refused (Wagtail turns the PermissionDenied into a redirect to the dashboard).
    denied = hr.post(reverse("cms_sign_in:unlock"), {"username": "trainee_west"})
    assert denied.status_code == 302 and denied.url == reverse("wagtailadmin_home")
    done = hr.post(reverse("cms_sign_in:unlock"), {"username": "trainee_east"})
    assert done.status_code == 302 and done.url == reverse("cms_sign_in:index")
    assert _login("trainee_east", RIGHT, "10.1.1.1").status_code == 302
    assert _login("trainee_west", RIGHT, "10.1.1.1").status_code == 429
    event = AuditEvent.objects.get(action="cms.login_unlock")
    assert event.actor == hr_east and event.object_id == str(trainee.user.pk)
    assert event.before == {"failures": LIMIT}


@pytest.mark.django_db
def test_trainees_cannot_unlock(trainee, other_trainee):
    _fail(LIMIT, "trainee_west", ip="10.1.1.1")
    client = Client()
    client.force_login(trainee.user)
    response = client.post(reverse("cms_sign_in:unlock"), {"username": "trainee_west"})
    # a trainee has no admin access at all: Wagtail sends them to the admin's sign-in page
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert _login("trainee_west", RIGHT, "10.1.1.1").status_code == 429
