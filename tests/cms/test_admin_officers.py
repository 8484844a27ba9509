"""Officer admin screens: scoped listing, search, filters, export, create/edit with spells, and their audit trail."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from cms.models import AuditEvent, EmploymentSpell, Officer, StaffCategory
from tests.factories import EmploymentSpellFactory, OfficerFactory, SpecialtyFactory, make_unit

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def people(trainee, other_trainee):
    return trainee, other_trainee


@pytest.fixture
def street_east2(district_east):
    return make_unit("S0102", "东兴街道", parent=district_east)


def listed_numbers(response):
    """Employee numbers of the officers in an index response (E + 5 digits from the factory), as whole words: a
    random token on the page (the CSP nonce, base64) can hold "E74548" inside it (CI, 2026-12-05)."""
    return set(re.findall(r"(?<![\w+/=-])E\d{5}(?![\w+/=-])", response.content.decode()))


# --- listing -----------------------------------------------------------------


def test_index_lists_only_in_scope_officers(client, hr_east, people):
    trainee, other = people
    client.force_login(hr_east)
    response = client.get(reverse("officers:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert trainee.employee_no in content
    assert "示范市/东城区/东华街道" in content
    assert "2024-03-01" in content or "2024年3月1日" in content  # current hire date column
    assert other.employee_no not in content


@pytest.mark.parametrize("staff", ["leader_east", "training_admin_east"])
def test_other_subtree_roles_see_only_their_subtree(client, request, staff, people):
    trainee, other = people
    client.force_login(request.getfixturevalue(staff))
    numbers = listed_numbers(client.get(reverse("officers:index")))
    assert trainee.employee_no in numbers
    assert other.employee_no not in numbers


def test_superuser_sees_everyone(client, superuser, people):
    client.force_login(superuser)
    numbers = listed_numbers(client.get(reverse("officers:index")))
    assert {o.employee_no for o in people} <= numbers


def test_search_by_name_and_employee_number(client, hr_east, street_east, make_officer, people):
    trainee, _ = people
    other_east = make_officer(street_east, name="王五")
    client.force_login(hr_east)
    by_name = listed_numbers(client.get(reverse("officers:index"), {"q": "张三"}))
    assert by_name == {trainee.employee_no}
    by_number = listed_numbers(client.get(reverse("officers:index"), {"q": other_east.employee_no}))
    assert by_number == {other_east.employee_no}
    # search never widens the scope
    assert listed_numbers(client.get(reverse("officers:index"), {"q": "李四"})) == set()


def test_unit_filter_includes_units_below(
    client, superuser, district_east, street_east, street_east2, make_officer, people
):
    trainee, other = people
    below = make_officer(street_east2)
    client.force_login(superuser)
    numbers = listed_numbers(client.get(reverse("officers:index"), {"unit": district_east.pk}))
    assert numbers == {trainee.employee_no, below.employee_no}
    numbers = listed_numbers(client.get(reverse("officers:index"), {"unit": street_east2.pk}))
    assert numbers == {below.employee_no}


def test_unit_filter_offers_only_units_in_scope(client, hr_east, district_west, people):
    client.force_login(hr_east)
    response = client.get(reverse("officers:index"), {"unit": district_west.pk})
    # an out-of-scope unit is not a valid choice: the filter is ignored, the scope still applies
    assert listed_numbers(response) == {people[0].employee_no}
    assert "西城区" not in response.content.decode()


def test_category_status_and_specialty_filters(client, superuser, street_east, make_officer):
    fire = SpecialtyFactory(name="消防")
    civil = make_officer(street_east, staff_category=StaffCategory.CIVIL_SERVANT)
    left = make_officer(street_east, status=Officer.Status.LEFT)
    firefighter = make_officer(street_east)
    firefighter.specialties.add(fire)
    client.force_login(superuser)
    url = reverse("officers:index")
    assert listed_numbers(client.get(url, {"staff_category": "civil_servant"})) == {civil.employee_no}
    assert listed_numbers(client.get(url, {"status": "left"})) == {left.employee_no}
    assert listed_numbers(client.get(url, {"specialty": fire.pk})) == {firefighter.employee_no}


def test_index_query_count_is_bounded(client, hr_east, street_east, django_assert_max_num_queries):
    specialty = SpecialtyFactory(name="法律")
    for _ in range(50):
        officer = OfficerFactory(unit=street_east)
        officer.specialties.add(specialty)
        EmploymentSpellFactory(officer=officer, unit=street_east, hire_date=datetime.date(2023, 1, 1))
    client.force_login(hr_east)
    client.get(reverse("officers:index"))  # warm per-process caches (content types, permissions)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("officers:index"))
    assert response.status_code == 200
    assert len(listed_numbers(response)) == 50


# --- direct URLs out of scope --------------------------------------------------


@pytest.mark.parametrize("staff", ["hr_east", "leader_east"])
@pytest.mark.parametrize("view", ["edit", "inspect", "history"])
def test_other_districts_officer_is_404(client, request, staff, view, other_trainee):
    client.force_login(request.getfixturevalue(staff))
    response = client.get(reverse(f"officers:{view}", args=[other_trainee.pk]))
    assert response.status_code == 404


def test_post_to_out_of_scope_officer_is_404_and_changes_nothing(client, hr_east, other_trainee):
    client.force_login(hr_east)
    response = client.post(reverse("officers:edit", args=[other_trainee.pk]), {"name": "篡改"})
    assert response.status_code == 404
    other_trainee.refresh_from_db()
    assert other_trainee.name == "李四"


def test_in_scope_inspect_shows_spells(client, leader_east, trainee):
    client.force_login(leader_east)
    response = client.get(reverse("officers:inspect", args=[trainee.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "张三" in content
    assert "示范市/东城区/东华街道" in content
    assert "2024-03-01" in content


def test_unit_leader_cannot_edit_in_scope_officer(client, leader_east, trainee):
    client.force_login(leader_east)
    response = client.get(reverse("officers:edit", args=[trainee.pk]))
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_officers_cannot_be_deleted(client, superuser, trainee):
    with pytest.raises(NoReverseMatch):
        reverse("officers:delete", args=[trainee.pk])
    client.force_login(superuser)
    assert client.get(f"/admin/officers/delete/{trainee.pk}/").status_code == 404
    assert client.post(f"/admin/officers/delete/{trainee.pk}/").status_code == 404
    assert Officer.objects.filter(pk=trainee.pk).exists()


# --- export ---------------------------------------------------------------------


def test_csv_export_contains_only_in_scope_rows(client, hr_east, people, street_east, make_officer):
    second = make_officer(street_east, name="王五")
    client.force_login(hr_east)
    response = client.get(reverse("officers:index"), {"export": "csv"})
    assert response.status_code == 200
    assert "officers.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert "工号" in header
    numbers = {row[0] for row in body}
    assert numbers == {people[0].employee_no, second.employee_no}
    row = next(r for r in body if r[0] == people[0].employee_no)
    assert row[1] == "张三"
    assert row[2] == "示范市/东城区/东华街道"


def test_xlsx_export_contains_only_in_scope_rows_and_obeys_filters(
    client, leader_east, people, street_east, make_officer
):
    left = make_officer(street_east, status=Officer.Status.LEFT)
    client.force_login(leader_east)
    response = client.get(reverse("officers:index"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {people[0].employee_no, left.employee_no}
    response = client.get(reverse("officers:index"), {"export": "xlsx", "status": "left"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [left.employee_no]


# --- create and edit with spells ---------------------------------------------------


def spell_data(forms, *, total=None, initial=0):
    data = {
        "spells-TOTAL_FORMS": str(total if total is not None else len(forms)),
        "spells-INITIAL_FORMS": str(initial),
        "spells-MIN_NUM_FORMS": "1",
        "spells-MAX_NUM_FORMS": "1000",
    }
    for i, form in enumerate(forms):
        for key, value in form.items():
            data[f"spells-{i}-{key}"] = value
    return data


def test_hr_creates_officer_with_first_spell(client, hr_east, street_east):
    client.force_login(hr_east)
    data = {"employee_no": "N0001", "name": "赵六", "phone": "13900000000", "education": "bachelor"}
    data |= spell_data([{"unit": street_east.pk, "staff_category": "auxiliary", "hire_date": "2025-05-06"}])
    response = client.post(reverse("officers:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    officer = Officer.objects.get(employee_no="N0001")
    assert officer.unit == street_east
    assert officer.staff_category == "auxiliary"
    assert officer.status == Officer.Status.ACTIVE
    assert officer.user.username == "N0001"
    assert not officer.user.has_usable_password()
    assert officer.user.groups.filter(name="trainee").exists()
    spell = officer.spells.get()
    assert spell.hire_date == datetime.date(2025, 5, 6)
    created = AuditEvent.objects.get(action="cms.officer_create")
    assert created.actor == hr_east
    assert created.object_id == str(officer.pk)
    assert created.after["employee_no"] == "N0001"
    assert created.unit == street_east
    spell_event = AuditEvent.objects.get(action="cms.spell_create")
    assert spell_event.after["hire_date"] == "2025-05-06"
    assert spell_event.actor == hr_east


def test_create_rejects_unit_outside_scope(client, hr_east, street_west):
    client.force_login(hr_east)
    data = {"employee_no": "N0002", "name": "钱七"}
    data |= spell_data([{"unit": street_west.pk, "staff_category": "auxiliary", "hire_date": "2025-05-06"}])
    response = client.post(reverse("officers:add"), data)
    assert response.status_code == 200
    assert not Officer.objects.filter(employee_no="N0002").exists()
    assert not User.objects.filter(username="N0002").exists()
    assert not AuditEvent.objects.filter(action__startswith="cms.officer").exists()


def test_create_requires_a_spell(client, hr_east):
    client.force_login(hr_east)
    data = {"employee_no": "N0003", "name": "孙八"} | spell_data([{}], total=1)
    response = client.post(reverse("officers:add"), data)
    assert response.status_code == 200
    assert not Officer.objects.filter(employee_no="N0003").exists()


def edit_payload(officer, spells, extra_rows=1, **changes):
    data = {
        "employee_no": officer.employee_no,
        "name": officer.name,
        "phone": officer.phone,
        "education": officer.education,
        **changes,
    }
    forms = []
    for spell in spells:
        forms.append(
            {
                "id": spell.pk,
                "unit": spell.unit_id,
                "staff_category": spell.staff_category,
                "hire_date": spell.hire_date.isoformat(),
                "leave_date": spell.leave_date.isoformat() if spell.leave_date else "",
                "leave_reason": spell.leave_reason,
            }
        )
    return data, forms


def test_edit_records_officer_and_spell_updates(client, hr_east, trainee):
    client.force_login(hr_east)
    spell = trainee.spells.get()
    data, forms = edit_payload(trainee, [spell], phone="13811112222")
    forms[0] |= {"leave_date": "2025-12-31", "leave_reason": "resigned"}
    data |= spell_data(forms + [{}], initial=1)
    response = client.post(reverse("officers:edit", args=[trainee.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    trainee.refresh_from_db()
    assert trainee.phone == "13811112222"
    assert trainee.status == Officer.Status.LEFT
    officer_event = AuditEvent.objects.get(action="cms.officer_update")
    assert officer_event.actor == hr_event_actor(hr_east)
    assert officer_event.before["phone"] == ""
    assert officer_event.after["phone"] == "13811112222"
    assert officer_event.before["status"] == "active" and officer_event.after["status"] == "left"
    spell_event = AuditEvent.objects.get(action="cms.spell_update")
    assert spell_event.object_repr == f"张三（{trainee.employee_no}） 2024-03-01"
    assert spell_event.before["leave_date"] is None
    assert spell_event.after["leave_date"] == "2025-12-31"
    assert spell_event.after["leave_reason"] == "resigned"
    assert not AuditEvent.objects.filter(action="cms.spell_create").exists()


def hr_event_actor(user):
    return user


def test_edit_adds_internal_transfer_spell(client, hr_east, trainee, street_east2):
    client.force_login(hr_east)
    spell = trainee.spells.get()
    data, forms = edit_payload(trainee, [spell])
    forms[0] |= {"leave_date": "2025-06-30", "leave_reason": "internal_transfer"}
    new = {"unit": street_east2.pk, "staff_category": "full_time", "hire_date": "2025-06-30"}
    data |= spell_data(forms + [new], initial=1)
    response = client.post(reverse("officers:edit", args=[trainee.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    trainee.refresh_from_db()
    assert trainee.unit == street_east2
    assert trainee.status == Officer.Status.ACTIVE
    assert list(trainee.spells.order_by("hire_date").values_list("unit__code", flat=True)) == [
        "S0101",
        "S0102",
    ]
    assert AuditEvent.objects.filter(action="cms.spell_create", unit=street_east2).count() == 1


def test_overlapping_spells_are_rejected_and_nothing_is_written(client, hr_east, trainee, street_east2):
    client.force_login(hr_east)
    spell = trainee.spells.get()
    data, forms = edit_payload(trainee, [spell], phone="13000000000")
    new = {
        "unit": street_east2.pk,
        "staff_category": "full_time",
        "hire_date": "2025-01-01",
    }  # first is still open
    data |= spell_data(forms + [new], initial=1)
    response = client.post(reverse("officers:edit", args=[trainee.pk]), data)
    assert response.status_code == 200
    assert "overlap" in response.content.decode() or "重叠" in response.content.decode()
    trainee.refresh_from_db()
    assert trainee.phone == ""
    assert EmploymentSpell.objects.filter(officer=trainee).count() == 1
    assert not AuditEvent.objects.filter(action__in=["cms.officer_update", "cms.spell_create"]).exists()


def test_leave_date_before_hire_date_is_rejected(client, hr_east, trainee):
    client.force_login(hr_east)
    spell = trainee.spells.get()
    data, forms = edit_payload(trainee, [spell])
    forms[0] |= {"leave_date": "2020-01-01", "leave_reason": "resigned"}
    data |= spell_data(forms, initial=1)
    response = client.post(reverse("officers:edit", args=[trainee.pk]), data)
    assert response.status_code == 200
    spell.refresh_from_db()
    assert spell.leave_date is None


def test_edit_form_renders_with_spells(client, hr_east, trainee):
    client.force_login(hr_east)
    response = client.get(reverse("officers:edit", args=[trainee.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="spells-TOTAL_FORMS"' in content
    assert 'value="2024-03-01"' in content
    assert "西城区" not in content  # unit choices are limited to the scope


def test_create_form_renders(client, hr_east):
    client.force_login(hr_east)
    response = client.get(reverse("officers:add"))
    assert response.status_code == 200
    assert 'name="spells-0-hire_date"' in response.content.decode()


def test_inspect_links_to_the_officers_audit_trail(client, leader_east, training_admin_east, trainee):
    client.force_login(leader_east)
    content = client.get(reverse("officers:inspect", args=[trainee.pk])).content.decode()
    assert f"/admin/audit_events/?q={trainee.employee_no}" in content
    assert reverse("officers:edit", args=[trainee.pk]) not in content  # view-only role: no edit link
    client.force_login(training_admin_east)
    content = client.get(reverse("officers:inspect", args=[trainee.pk])).content.decode()
    assert "/admin/audit_events/" not in content


def test_view_only_roles_get_inspect_links_in_the_list(client, leader_east, hr_east, trainee):
    client.force_login(leader_east)
    content = client.get(reverse("officers:index")).content.decode()
    assert reverse("officers:inspect", args=[trainee.pk]) in content
    assert reverse("officers:edit", args=[trainee.pk]) not in content
    client.force_login(hr_east)
    assert (
        reverse("officers:edit", args=[trainee.pk]) in client.get(reverse("officers:index")).content.decode()
    )
