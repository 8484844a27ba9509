"""Centralized training: capacity and the waiting list (also under racing registrations on PostgreSQL),
eligibility, check-in codes, bulk attendance and the hours it earns."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from courses import services
from courses.models import Attendance, Registration, StudyHoursEntry, TrainingDay, TrainingSession


def test_capacity_then_waiting_list_then_promotion(
    session, street_east, make_officer, training_admin_east, django_capture_on_commit_callbacks
):
    officers = [make_officer(street_east, username=f"o{i}") for i in range(4)]
    regs = [services.register(session=session, officer=o, by=training_admin_east) for o in officers]
    assert [r.status for r in regs] == ["registered", "registered", "waitlisted", "waitlisted"]
    # Registering again changes nothing.
    assert services.register(session=session, officer=officers[0], by=training_admin_east).pk == regs[0].pk
    promoted = services.cancel_registration(registration=regs[1], by=training_admin_east)
    assert promoted.pk == regs[2].pk and promoted.status == "registered"
    assert Registration.objects.filter(session=session, status="registered").count() == 2
    assert officers[2].user.notifications.filter(key=f"courses.promoted.{regs[2].pk}").exists()
    # Cancelling a waiting-list place promotes nobody.
    assert services.cancel_registration(registration=regs[3], by=training_admin_east) is None


def test_self_registration_needs_an_open_window_and_an_eligible_unit(session, trainee, other_trainee):
    assert services.register(session=session, officer=trainee, by=trainee.user, self_service=True).status == (
        "registered"
    )
    with pytest.raises(services.CoursesError) as exc:
        services.register(session=session, officer=other_trainee, by=other_trainee.user, self_service=True)
    assert exc.value.code == "not_eligible"
    session.registration_closes = timezone.now() - datetime.timedelta(minutes=1)
    session.save()
    Registration.objects.filter(officer=trainee).update(status="cancelled")
    with pytest.raises(services.CoursesError) as exc:
        services.register(session=session, officer=trainee, by=trainee.user, self_service=True)
    assert exc.value.code == "registration_closed"


def test_bulk_registration_is_idempotent(session, street_east, make_officer, training_admin_east):
    for i in range(3):
        make_officer(street_east, username=f"b{i}")
    from cms.models import Officer

    qs = Officer.objects.filter(unit=street_east)
    first = services.register_bulk(session=session, officers=qs, by=training_admin_east)
    assert first == {"registered": 2, "waitlisted": 1, "unchanged": 0}
    second = services.register_bulk(session=session, officers=qs, by=training_admin_east)
    assert second == {"registered": 0, "waitlisted": 0, "unchanged": 3}


def test_attendance_credits_hours_only_for_days_attended(
    session, trainee, street_east, make_officer, training_admin_east
):
    other = make_officer(street_east, username="att2")
    for o in (trainee, other):
        services.register(session=session, officer=o, by=training_admin_east)
    day1, day2 = session.days.all()
    services.record_attendance(
        day=day1,
        statuses={trainee.pk: "present", other.pk: "absent"},
        by=training_admin_east,
        scores={trainee.pk: Decimal("88.5")},
    )
    services.record_attendance(
        day=day2, statuses={trainee.pk: "left_early", other.pk: "excused"}, by=training_admin_east
    )
    hours = {o: sum(e.hours for e in StudyHoursEntry.objects.filter(officer=o)) for o in (trainee, other)}
    assert hours == {trainee: Decimal("12.00"), other: Decimal("0")}
    assert Registration.objects.get(officer=trainee).assessment_score == Decimal("88.5")
    # Re-entering the same grid writes nothing new; a correction appends a reversing line.
    services.record_attendance(day=day1, statuses={trainee.pk: "present"}, by=training_admin_east)
    assert StudyHoursEntry.objects.filter(officer=trainee).count() == 2
    services.record_attendance(day=day1, statuses={trainee.pk: "absent"}, by=training_admin_east)
    lines = list(
        StudyHoursEntry.objects.filter(officer=trainee, source_id=day1.pk).values_list("hours", flat=True)
    )
    assert lines == [Decimal("6.00"), Decimal("-6.00")]


def test_attendance_refuses_unregistered_officers_and_bad_statuses(
    session, trainee, other_trainee, training_admin_east
):
    services.register(session=session, officer=trainee, by=training_admin_east)
    day = session.days.first()
    with pytest.raises(services.CoursesError) as exc:
        services.record_attendance(day=day, statuses={other_trainee.pk: "present"}, by=training_admin_east)
    assert exc.value.code == "not_registered"
    with pytest.raises(services.CoursesError) as exc:
        services.record_attendance(day=day, statuses={trainee.pk: "asleep"}, by=training_admin_east)
    assert exc.value.code == "unknown_status"
    assert not Attendance.objects.exists()


def test_check_in_with_the_days_code(session, trainee, training_admin_east):
    services.register(session=session, officer=trainee, by=training_admin_east)
    day = session.days.get(date=timezone.localdate())
    morning = timezone.make_aware(datetime.datetime.combine(day.date, datetime.time(8, 50)))
    wrong = f"{(int(day.checkin_code(morning)) + 1) % 10**6:06d}"
    with pytest.raises(services.CoursesError) as exc:
        services.check_in(officer=trainee, day=day, code=wrong, now=morning)
    assert exc.value.code == "checkin_refused"
    row = services.check_in(officer=trainee, day=day, code=day.checkin_code(morning), now=morning)
    assert row.status == "present"
    assert StudyHoursEntry.objects.get(officer=trainee).hours == Decimal("6.00")
    tomorrow = session.days.exclude(pk=day.pk).get()
    with pytest.raises(
        services.CoursesError
    ) as exc:  # not on the day itself, even with that day's code of now
        services.check_in(officer=trainee, day=tomorrow, code=tomorrow.checkin_code(morning), now=morning)
    assert exc.value.code == "checkin_refused"
    late = timezone.make_aware(datetime.datetime.combine(tomorrow.date, datetime.time(9, 20)))
    assert (
        services.check_in(officer=trainee, day=tomorrow, code=tomorrow.checkin_code(late), now=late).status
        == "late"
    )


def test_the_check_in_code_rotates_and_differs_per_day(session, settings):
    settings.COURSES_CHECKIN_STEP_SECONDS = 60
    today, tomorrow = session.days.all()
    t = timezone.make_aware(datetime.datetime.combine(today.date, datetime.time(9, 0, 5)))
    code = today.checkin_code(t)
    assert len(code) == 6 and code.isdigit()
    assert today.checkin_code_matches(code, t)
    # The previous step still counts (a scan just before the switch), the one before it no longer.
    assert today.checkin_code_matches(code, t + datetime.timedelta(seconds=60))
    assert not today.checkin_code_matches(code, t + datetime.timedelta(seconds=120))
    assert tomorrow.checkin_code(t) != code
    # Not a fixed code: over an hour the six digits change at (nearly) every step.
    codes = {today.checkin_code(t + datetime.timedelta(minutes=m)) for m in range(60)}
    assert len(codes) >= 58


def test_check_in_window_opens_an_hour_before_the_start_and_closes_at_the_end(
    session, trainee, training_admin_east
):
    services.register(session=session, officer=trainee, by=training_admin_east)
    day = session.days.get(date=timezone.localdate())
    for when in (datetime.time(7, 59), datetime.time(17, 0, 30)):
        at = timezone.make_aware(datetime.datetime.combine(day.date, when))
        with pytest.raises(services.CoursesError) as exc:
            services.check_in(officer=trainee, day=day, code=day.checkin_code(at), now=at)
        assert exc.value.code == "checkin_refused"
    at = timezone.make_aware(datetime.datetime.combine(day.date, datetime.time(8, 0)))
    assert services.check_in(officer=trainee, day=day, code=day.checkin_code(at), now=at).status == "present"


def test_hours_split_evenly_when_only_a_total_is_given(session):
    session.hours_per_day = None
    session.total_hours = Decimal("10")
    assert session.hours_for_day() == Decimal("5.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_registrations_never_exceed_capacity(district_east, street_east, make_officer):
    from django.db import connections

    session = TrainingSession.objects.create(
        title="抢报测试",
        organizer=district_east,
        location="x",
        capacity=3,
        hours_per_day=Decimal("1"),
        status=TrainingSession.Status.OPEN,
    )
    TrainingDay.objects.create(
        session=session, date=timezone.localdate(), start=datetime.time(9), end=datetime.time(12)
    )
    officers = [make_officer(street_east, username=f"race{i}") for i in range(12)]
    barrier = threading.Barrier(len(officers))
    errors = []

    def worker(officer):
        try:
            barrier.wait()
            services.register(session=session, officer=officer, by=officer.user, self_service=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Registration.objects.filter(session=session, status="registered").count() == 3
    assert Registration.objects.filter(session=session, status="waitlisted").count() == 9


def test_check_in_tries_count_failures_only_and_lock_for_the_rest_of_the_day(
    session, trainee, training_admin_east
):
    from cms.models import AuditEvent
    from courses.models import CheckInTries

    services.register(session=session, officer=trainee, by=training_admin_east)
    day = session.days.get(date=timezone.localdate())
    at = timezone.make_aware(datetime.datetime.combine(day.date, datetime.time(8, 55)))
    wrong = f"{(int(day.checkin_code(at)) + 1) % 10**6:06d}"
    for _ in range(4):
        with pytest.raises(services.CoursesError) as exc:
            services.check_in(officer=trainee, day=day, code=wrong, now=at)
        assert exc.value.code == "checkin_refused"
    services.check_in(officer=trainee, day=day, code=day.checkin_code(at), now=at)
    assert CheckInTries.objects.get(officer=trainee).failed == 4  # the good try is given back
    for _ in range(3):
        with pytest.raises(services.CoursesError, match="organizer|组织者|主办") as exc:
            services.check_in(officer=trainee, day=day, code=wrong, now=at)
        assert exc.value.code == "checkin_locked"
    tries = CheckInTries.objects.get(officer=trainee)
    assert tries.failed == 5 and tries.locked_at == at
    assert AuditEvent.objects.filter(action="courses.check_in_locked").count() == 1
