"""Weakness 7: the training-day check-in code could be brute-forced and leaked in advance.

Before the fix the code was six fixed digits per day, compared before the date, with no limit on tries: a right
code on the wrong day got its own message, so an officer could find a day's code weeks ahead. Now registration
and the day's hours are checked first, every refusal reads the same, an officer gets five failed tries a day
(counted in the database), and the code the organizer shows rotates every minute."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.utils import timezone

from cms.models import AuditEvent
from courses import services
from courses.models import Attendance, TrainingDay, TrainingSession

TODAY = datetime.date(2026, 3, 2)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def shown_code(day: TrainingDay, at: datetime.datetime) -> str:
    """The six digits the organizer's screen shows at `at` (before the fix: the day's fixed code)."""
    code = day.checkin_code
    return code(at) if callable(code) else code


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def session(district_east):
    s = TrainingSession.objects.create(
        title="东城区岗前集训",
        organizer=district_east,
        location="区应急局三楼",
        capacity=10,
        hours_per_day=Decimal("6"),
        status=TrainingSession.Status.OPEN,
    )
    for offset in (0, 1, 14):
        TrainingDay.objects.create(
            session=s,
            date=TODAY + datetime.timedelta(days=offset),
            start=datetime.time(9),
            end=datetime.time(17),
        )
    return s


@pytest.fixture
def registered(session, trainee, training_admin_east):
    services.register(session=session, officer=trainee, by=training_admin_east)
    return trainee


def try_code(client, day, code):
    response = client.post("/learn/check-in/", {"day": day.pk, "code": code})
    return response, [str(m) for m in get_messages(response.wsgi_request)]


def test_every_refusal_reads_the_same_so_a_future_days_code_cannot_be_confirmed(
    client, session, registered, other_trainee, time_machine
):
    today, tomorrow, later = session.days.order_by("date")
    time_machine.move_to(local(TODAY, 9, 10), tick=False)
    client.force_login(registered.user)
    now = timezone.now()
    _r, wrong = try_code(client, today, other_code(shown_code(today, now)))
    # The code of a day two weeks ahead, or of tomorrow, tried today: refused exactly like a wrong code.
    _r, future = try_code(client, later, shown_code(later, now))
    _r, next_day = try_code(client, tomorrow, shown_code(tomorrow, now))
    assert wrong and future == wrong and next_day == wrong
    assert not Attendance.objects.exists()
    # Outside the day's hours, even the code on the screen gets the same answer.
    time_machine.move_to(local(TODAY, 18, 30), tick=False)
    client.force_login(registered.user)  # sessions expire after a few hours
    _r, after_hours = try_code(client, today, shown_code(today, timezone.now()))
    assert after_hours == wrong and not Attendance.objects.exists()
    # An officer who is not registered learns nothing either.
    time_machine.move_to(local(TODAY, 9, 10), tick=False)
    client.force_login(other_trainee.user)
    _r, unregistered = try_code(client, today, shown_code(today, timezone.now()))
    assert unregistered == wrong and not Attendance.objects.exists()


def test_the_sixth_try_of_a_day_is_refused_even_with_the_right_code(
    client, session, registered, time_machine
):
    today, tomorrow, _later = session.days.order_by("date")
    time_machine.move_to(local(TODAY, 8, 45), tick=False)
    client.force_login(registered.user)
    right = shown_code(today, timezone.now())
    for _ in range(5):
        try_code(client, today, other_code(right))
    cache.clear()  # the count is kept in the database, not in a cache that could be flushed
    response, messages = try_code(client, today, right)
    assert response.status_code == 200
    assert not Attendance.objects.filter(officer=registered).exists()
    assert any(w in m for m in messages for w in ("organizer", "组织者", "主办")), messages
    # The lock-out is audited once.
    assert AuditEvent.objects.filter(action="courses.check_in_locked").count() == 1
    # The page says so instead of offering a form that can only refuse.
    page = client.get("/learn/check-in/").content.decode()
    assert 'id="checkin-used-up"' in page and 'name="code"' not in page
    # The next day the officer starts again with five tries.
    time_machine.move_to(local(TODAY + datetime.timedelta(days=1), 8, 45), tick=False)
    client.force_login(registered.user)
    response, _m = try_code(client, tomorrow, shown_code(tomorrow, timezone.now()))
    assert response.status_code == 302
    assert Attendance.objects.get(officer=registered, day=tomorrow).status == "present"
    assert AuditEvent.objects.filter(action="courses.check_in").count() == 1


def test_a_photo_of_the_organizers_code_stops_working_minutes_later(
    client, session, registered, training_admin_east, time_machine
):
    today = session.days.get(date=TODAY)
    time_machine.move_to(local(TODAY, 8, 40), tick=False)
    client.force_login(training_admin_east)
    qr_then = client.get(f"/learn/days/{today.pk}/qr.png")
    assert qr_then.status_code == 200 and qr_then["Content-Type"] == "image/png"
    photo = shown_code(today, timezone.now())
    time_machine.move_to(local(TODAY, 8, 45), tick=False)
    # The QR code on the screen has changed by now.
    assert client.get(f"/learn/days/{today.pk}/qr.png").content != qr_then.content
    client.force_login(registered.user)
    response, _m = try_code(client, today, photo)
    assert response.status_code == 200 and not Attendance.objects.exists()


def test_the_organizers_screen_refreshes_the_code_without_inline_script(
    client, session, registered, training_admin_east, time_machine
):
    today = session.days.get(date=TODAY)
    time_machine.move_to(local(TODAY, 8, 50), tick=False)
    client.force_login(training_admin_east)
    page = client.get(f"/admin/courses/sessions/{session.pk}/days/{today.pk}/").content.decode()
    assert "courses/checkin_display.js" in page and 'id="checkin-display"' in page
    assert "onclick=" not in page.split('id="checkin-display"')[1].split("</form>")[0]
    data = client.get(f"/learn/days/{today.pk}/checkin-code/").json()
    assert (
        data["open"]
        and 0 < data["expires_in"] <= 60
        and data["qr"].startswith(f"/learn/days/{today.pk}/qr.png")
    )
    # The code it hands to the screen is the one an officer can check in with now.
    client.force_login(registered.user)
    response, _m = try_code(client, today, data["code"])
    assert response.status_code == 302
    assert Attendance.objects.get(officer=registered, day=today).status == "present"
    # An officer cannot read the current code from the organizer's endpoints.
    assert client.get(f"/learn/days/{today.pk}/checkin-code/").status_code == 404
    assert client.get(f"/learn/days/{today.pk}/qr.png").status_code == 404
