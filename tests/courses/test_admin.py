"""Staff screens: scoped sessions, bulk registration, the attendance grid, sheets and reports with xlsx, and the
denials (trainees cannot reach them; staff of another district get 404)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from courses import services
from courses.models import Attendance, Enrolment, Registration, StudyHoursEntry, TrainingSession
from tests.factories import make_staff


@pytest.fixture
def west_admin(district_west):
    return make_staff("tadmin_west", "training_admin", district_west)


def test_training_admin_lists_only_sessions_of_their_subtree(
    client, training_admin_east, west_admin, session, district_west
):
    TrainingSession.objects.create(
        title="西城集训", organizer=district_west, location="x", capacity=5, total_hours=Decimal("6")
    )
    client.force_login(training_admin_east)
    html = client.get("/admin/courses_session/").content.decode()
    assert "东城区岗前集训" in html and "西城集训" not in html
    client.force_login(west_admin)
    assert client.get(f"/admin/courses_session/edit/{session.pk}/").status_code == 404
    assert client.get(f"/admin/courses/sessions/{session.pk}/roster/").status_code == 404
    day = session.days.first()
    assert client.get(f"/admin/courses/sessions/{session.pk}/days/{day.pk}/").status_code == 404
    assert client.get(f"/learn/days/{day.pk}/qr.png").status_code == 404


def test_bulk_registration_and_attendance_grid(
    client, training_admin_east, session, street_east, make_officer, time_machine
):
    time_machine.move_to(datetime.datetime.now(datetime.UTC), tick=False)  # one check-in code for the test
    officers = [make_officer(street_east, username=f"g{i}") for i in range(3)]
    client.force_login(training_admin_east)
    response = client.post(
        f"/admin/courses/sessions/{session.pk}/roster/", {"unit": street_east.pk, "staff_category": ""}
    )
    assert response.status_code == 302
    assert Registration.objects.filter(session=session, status="registered").count() == 2
    assert Registration.objects.filter(session=session, status="waitlisted").count() == 1
    day = session.days.first()
    page = client.get(f"/admin/courses/sessions/{session.pk}/days/{day.pk}/")
    assert page.status_code == 200 and day.checkin_code() in page.content.decode()
    registered = [r.officer for r in Registration.objects.filter(session=session, status="registered")]
    data = {
        f"status-{registered[0].pk}": "present",
        f"status-{registered[1].pk}": "absent",
        f"score-{registered[0].pk}": "92",
    }
    assert client.post(f"/admin/courses/sessions/{session.pk}/days/{day.pk}/", data).status_code == 302
    assert Attendance.objects.get(day=day, officer=registered[0]).status == "present"
    assert StudyHoursEntry.objects.get(officer=registered[0]).hours == Decimal("6.00")
    assert Registration.objects.get(officer=registered[0]).assessment_score == Decimal("92")
    # A bad score is refused with the officer's name, and nothing is written.
    bad = {f"status-{registered[1].pk}": "present", f"score-{registered[1].pk}": "120"}
    response = client.post(f"/admin/courses/sessions/{session.pk}/days/{day.pk}/", bad)
    assert response.status_code == 200 and registered[1].name in response.content.decode()
    assert Attendance.objects.get(day=day, officer=registered[1]).status == "absent"
    qr = client.get(f"/learn/days/{day.pk}/qr.png")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/png" and qr.content[:4] == b"\x89PNG"
    sheet = client.get(f"/admin/courses/sessions/{session.pk}/sheet/")
    assert sheet.status_code == 200 and registered[0].name in sheet.content.decode()
    xlsx = client.get(f"/admin/courses/sessions/{session.pk}/sheet/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert len(rows) == 3 and rows[1][0] in {o.name for o in officers}


def test_bulk_enrolment_is_idempotent_and_scoped(
    client, training_admin_east, course, lessons, street_east, street_west, make_officer, other_trainee
):
    for i in range(3):
        make_officer(street_east, username=f"e{i}")
    client.force_login(training_admin_east)
    data = {"course": course.pk, "unit": street_east.pk, "staff_category": "", "due_date": "2026-06-30"}
    client.post("/admin/courses/enrol/", data)
    client.post("/admin/courses/enrol/", data)
    assert Enrolment.objects.filter(course=course).count() == 3
    assert Enrolment.objects.get(officer__user__username="e0").due_date == datetime.date(2026, 6, 30)
    # A unit outside the admin's scope is not a valid choice.
    response = client.post("/admin/courses/enrol/", {**data, "unit": street_west.pk})
    assert response.status_code == 200
    assert not Enrolment.objects.filter(officer=other_trainee).exists()


def test_enrol_category_within_a_unit(
    course, lessons, street_east, make_officer, training_admin_east, district_east
):
    make_officer(street_east, username="aux", staff_category="auxiliary")
    make_officer(street_east, username="ft", staff_category="full_time")
    n = services.enrol_category(
        staff_category="auxiliary", course=course, by=training_admin_east, unit=district_east
    )
    assert n == 1 and Enrolment.objects.get().officer.staff_category == "auxiliary"


def test_progress_report_counts_by_unit_and_exports(
    client, hr_east, course, lessons, street_east, make_officer, district_east
):
    people = [make_officer(street_east, username=f"p{i}") for i in range(4)]
    services.enrol_units(unit=district_east, course=course, by=None, due_date=datetime.date(2020, 1, 1))
    Enrolment.objects.filter(officer=people[0]).update(
        completed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), status="completed"
    )
    client.force_login(hr_east)
    response = client.get("/admin/courses/progress/")
    assert response.status_code == 200
    row = next(r for r in response.context["report"]["rows"] if r["unit"] == street_east)
    assert (row["enrolled"], row["completed"], row["overdue"], row["percent"]) == (4, 1, 3, 25.0)
    xlsx = client.get("/admin/courses/progress/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert ("东华街道", "S0101", 4, 4, 1, 25, 3) in rows


def test_hours_report_and_record_page_for_scoped_staff(client, hr_east, trainee, other_trainee, course):
    services.sync_hours(
        officer_id=trainee.pk,
        source_kind="course",
        source_id=course.pk,
        target=Decimal("2"),
        description=course.title,
        earned_on=datetime.date.today(),
    )
    client.force_login(hr_east)
    response = client.get("/admin/courses/hours/")
    html = response.content.decode()
    assert trainee.name in html and other_trainee.name not in html
    xlsx = client.get("/admin/courses/hours/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert rows[1][0] == trainee.name and rows[1][4] == 2
    assert client.get(f"/learn/record/{trainee.pk}/").status_code == 200
    assert client.get(f"/learn/record/{other_trainee.pk}/").status_code == 404


def test_trainees_cannot_reach_staff_screens(client, trainee, session):
    client.force_login(trainee.user)
    for url in (
        "/admin/courses/progress/",
        "/admin/courses/hours/",
        "/admin/courses/enrol/",
        f"/admin/courses/sessions/{session.pk}/roster/",
        "/admin/courses_session/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    assert client.get(f"/learn/days/{session.days.first().pk}/qr.png").status_code == 404


def test_unit_leader_sees_reports_but_not_session_management(client, leader_east, session):
    client.force_login(leader_east)
    assert client.get("/admin/courses/progress/").status_code == 200
    # a leader may view registrations but manages no session: the session is not found for them
    assert client.get(f"/admin/courses/sessions/{session.pk}/roster/").status_code == 404


def test_admin_listings_and_session_form(
    client, training_admin_east, hr_east, session, trainee, course, lessons, district_west
):
    services.enrol(officer=trainee, course=course, by=None)
    client.force_login(training_admin_east)
    assert trainee.name in client.get("/admin/courses_enrolment/").content.decode()
    form = client.get(reverse("courses_session:add"))
    assert form.status_code == 200
    html = form.content.decode()
    assert "东城区" in html and "西城区" not in html  # organizer choices limited to the admin's subtree
    client.force_login(hr_east)
    assert client.get("/admin/courses_requirement/").status_code == 200
    assert client.get("/admin/courses_session/").status_code == 200


def _session_form(organizer):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    return nested_form_data(
        {
            "title": "新集训班",
            "organizer": organizer.pk,
            "kind": "training",
            "status": "open",
            "location": "会议室",
            "capacity": 20,
            "hours_per_day": "",
            "total_hours": "12",
            "registration_opens": "",
            "registration_closes": "",
            "description": "",
            "days": inline_formset(
                [
                    {"date": "2026-12-01", "start": "09:00", "end": "17:00"},
                    {"date": "2026-12-02", "start": "09:00", "end": "17:00"},
                ]
            ),
        }
    )


def test_training_admin_creates_a_session_only_for_their_units(
    client, training_admin_east, district_east, district_west
):
    client.force_login(training_admin_east)
    response = client.post(reverse("courses_session:add"), _session_form(district_west))
    assert response.status_code == 200 and not TrainingSession.objects.filter(title="新集训班").exists()
    response = client.post(reverse("courses_session:add"), _session_form(district_east))
    assert response.status_code == 302, response.content.decode()[:2000]
    session = TrainingSession.objects.get(title="新集训班")
    assert session.days.count() == 2 and session.hours_for_day() == Decimal("6.00")


def test_reports_refuse_units_outside_the_scope(client, hr_east, street_west):
    client.force_login(hr_east)
    assert client.get(f"/admin/courses/progress/?unit={street_west.pk}").status_code == 404
    assert client.get(f"/admin/courses/hours/?unit={street_west.pk}").status_code == 404


def test_annual_hours_are_read_only_below_city_scope(client, hr_east, city):
    from courses.models import AnnualHoursRequirement
    from tests.factories import make_staff

    requirement = AnnualHoursRequirement.objects.get(staff_category="full_time")
    edit_url = reverse("courses_requirement:edit", args=[requirement.pk])
    client.force_login(hr_east)
    listing = client.get(reverse("courses_requirement:index")).content.decode()
    assert edit_url not in listing and client.get(edit_url).status_code == 404
    client.force_login(make_staff("hr_city", "hr", city))
    assert edit_url in client.get(reverse("courses_requirement:index")).content.decode()
    assert client.get(edit_url).status_code == 200


@pytest.fixture
def leader_west(district_west):
    return make_staff("leader_west", "unit_leader", district_west)


def test_hr_and_leaders_read_the_attendance_sheets_of_their_subtree_only(
    client, hr_east, leader_east, leader_west, session
):
    sheet = f"/admin/courses/sessions/{session.pk}/sheet/"
    roster = f"/admin/courses/sessions/{session.pk}/roster/"
    for user in (hr_east, leader_east):
        client.force_login(user)
        listing = client.get("/admin/courses_session/").content.decode()
        # the listing offers the sheet they can read, not the registrations they cannot manage
        assert sheet in listing and roster not in listing
        assert client.get(sheet).status_code == 200
        assert client.get(sheet + "?format=xlsx").status_code == 200
        assert client.get(roster).status_code == 404
    client.force_login(leader_west)  # another district
    assert client.get(sheet).status_code == 404
    assert client.get(sheet + "?format=xlsx").status_code == 404
    assert sheet not in client.get("/admin/courses_session/").content.decode()


def test_the_training_admin_is_offered_registrations_and_sheet(client, training_admin_east, session):
    client.force_login(training_admin_east)
    listing = client.get("/admin/courses_session/").content.decode()
    assert f"/admin/courses/sessions/{session.pk}/roster/" in listing
    assert f"/admin/courses/sessions/{session.pk}/sheet/" in listing
