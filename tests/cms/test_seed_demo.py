"""The demo city: shape and realism of the generated history, demo logins, idempotency and the two commands."""

import datetime
import hashlib
import io
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from cms import demo, extensions
from cms.models import AuditEvent, EmploymentSpell, Officer, Post, Unit, UserScope
from cms.selectors import officers_visible_to, units_visible_to

APP_SEED_CALLS = []


def seed(*, stdout, rng):
    """Stands in for a higher app's demo module (see test_seeds_higher_apps_that_have_a_demo_module)."""
    APP_SEED_CALLS.append((rng.random(), connection.in_atomic_block))
    stdout.write("stub app seeded")


def _seed(*extra):
    """Run the command in English, so assertions on its messages hold whatever the catalogue says."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", "--skip-apps", *extra, stdout=out)
    return out.getvalue()


def _spells_by_officer():
    spells = defaultdict(list)
    for spell in EmploymentSpell.objects.select_related("unit").order_by("officer_id", "hire_date"):
        spells[spell.officer_id].append(spell)
    return spells


def _checksum() -> str:
    rows = EmploymentSpell.objects.order_by("officer__employee_no", "hire_date").values_list(
        "officer__employee_no", "unit__code", "staff_category", "hire_date", "leave_date", "leave_reason"
    )
    officers = Officer.objects.order_by("employee_no").values_list(
        "employee_no",
        "name",
        "phone",
        "unit__code",
        "staff_category",
        "status",
        "birth_date",
        "user__username",
    )
    return hashlib.sha256(repr((list(rows), list(officers))).encode()).hexdigest()


def _service_start(spells) -> datetime.date:
    start = spells[-1].hire_date
    for prev in reversed(spells[:-1]):
        if prev.leave_reason != "internal_transfer" or prev.leave_date != start:
            break
        start = prev.hire_date
    return start


def _separation_rate(spells, category) -> float:
    """Separations (internal transfers excluded) per person-year inside the simulated window."""
    separations, years = 0, 0.0
    for spell in spells:
        if spell.staff_category != category:
            continue
        if spell.leave_date and spell.leave_reason != "internal_transfer":
            separations += 1
        start = max(spell.hire_date, demo.HISTORY_START)
        end = spell.leave_date or demo.HISTORY_END
        years += max(0, (end - start).days) / 365.25
    return separations / years


# --- the plan (pure, no database) ----------------------------------------------------------------------------


def test_plan_is_deterministic():
    first = demo.build_plan(random.Random(demo.SEED))
    second = demo.build_plan(random.Random(demo.SEED))
    assert [(p.employee_no, p.name, p.phone, p.spells) for p in first.people] == [
        (p.employee_no, p.name, p.phone, p.spells) for p in second.people
    ]
    assert first.trainees == second.trainees and first.mentors == second.mentors


def test_plan_employee_numbers_names_and_attributes():
    plan = demo.build_plan(random.Random(demo.SEED))
    numbers = [p.employee_no for p in plan.people]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("AJ") and len(n) == 10 and n[2:].isdigit() for n in numbers)
    assert len({p.phone for p in plan.people}) == len(plan.people)
    assert all(len(p.phone) == 11 and p.phone.startswith("1") for p in plan.people)
    assert all(p.name[0] in demo.SURNAMES and 2 <= len(p.name) <= 3 for p in plan.people)
    assert all(
        1 <= len(p.specialties) <= 3 and set(p.specialties) <= set(demo.SPECIALTIES) for p in plan.people
    )
    for person in plan.people:
        age_at_hire = (person.first_hire - person.birth_date).days / 365.25
        assert 18 <= age_at_hire <= 56, person
        if person.active:
            assert (demo.HISTORY_END - person.birth_date).days / 365.25 < 60, person


# --- the loaded city -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_city_units_officers_and_history_span():
    _seed()
    city = Unit.objects.get(kind="city")
    assert city.name == "示范市"
    districts = Unit.objects.filter(kind="district", path__startswith=city.path)
    streets = Unit.objects.filter(kind="street", path__startswith=city.path)
    assert districts.count() >= 3
    assert streets.count() >= 12 and all(s.name.endswith("街道") for s in streets)
    assert all(s.get_parent().kind == "district" for s in streets)
    assert Officer.objects.count() >= 300
    assert Officer.objects.filter(status="active").count() >= 250
    window = EmploymentSpell.objects.filter(hire_date__gte=demo.HISTORY_START)
    first = window.order_by("hire_date").first().hire_date
    last = max(
        EmploymentSpell.objects.order_by("-hire_date").first().hire_date,
        EmploymentSpell.objects.exclude(leave_date=None).order_by("-leave_date").first().leave_date,
    )
    assert (last - first).days >= 5 * 365
    assert EmploymentSpell.objects.filter(hire_date__lt=demo.HISTORY_START).exists()  # veterans from before
    # Hiring waves: most contract staff join in the spring (March) and autumn (September) cohorts.
    contract = window.exclude(staff_category="civil_servant")
    assert contract.filter(hire_date__month__in=[3, 9]).count() >= 0.8 * contract.count()
    # Every officer has a user named after the employee number, with no usable password unless a demo login.
    for officer in Officer.objects.select_related("user").exclude(user__username__startswith="demo_"):
        assert officer.user.username == officer.employee_no
        assert not officer.user.has_usable_password()
        assert officer.user.first_name == officer.name
    assert Officer.objects.filter(specialties__isnull=True).count() == 0
    assert Post.objects.filter(is_open=True).count() >= 8
    for district in districts:
        posts = Post.objects.filter(unit__path__startswith=district.path, is_open=True)
        assert posts.count() >= 2 and all(p.wanted_specialties.exists() for p in posts)


@pytest.mark.django_db
def test_history_is_realistic_and_consistent():
    _seed()
    by_officer = _spells_by_officer()
    all_spells = [s for spells in by_officer.values() for s in spells]

    aux, full, civil = (_separation_rate(all_spells, c) for c in ("auxiliary", "full_time", "civil_servant"))
    assert aux > 1.5 * full and full > 1.5 * civil, (aux, full, civil)

    reasons = {s.leave_reason for s in all_spells if s.leave_date}
    assert {"resigned", "contract_ended", "dismissed", "retired", "transferred_out", "other"} <= reasons
    aux_reasons = [s.leave_reason for s in all_spells if s.staff_category == "auxiliary" and s.leave_date]
    assert max(set(aux_reasons), key=aux_reasons.count) == "resigned"

    transfers = rehires = 0
    for spells in by_officer.values():
        for prev, nxt in zip(spells, spells[1:], strict=False):
            assert prev.leave_date is not None and nxt.hire_date >= prev.leave_date, "overlapping spells"
            if prev.leave_reason == "internal_transfer":
                transfers += 1
                assert nxt.hire_date == prev.leave_date and nxt.unit_id != prev.unit_id
                assert nxt.staff_category == prev.staff_category
            else:
                assert nxt.hire_date > prev.leave_date
                rehires += 1
        ended_transfers = [s for s in spells if s.leave_reason == "internal_transfer"]
        assert spells[-1] not in ended_transfers, "an internal transfer must be followed by the next spell"
    assert transfers >= 10 and rehires >= 5

    for officer in Officer.objects.all():
        latest = by_officer[officer.pk][-1]
        assert officer.unit_id == latest.unit_id
        assert officer.staff_category == latest.staff_category
        assert officer.status == ("active" if latest.leave_date is None else "left")
        for spell in by_officer[officer.pk]:
            assert spell.unit.kind == "street"
            assert (spell.leave_date is None) == (spell.leave_reason == "")


@pytest.mark.django_db
def test_mentors_and_trainees():
    _seed()
    mentors = Officer.objects.filter(user__groups__name="mentor", status="active").distinct()
    assert mentors.count() >= 20
    cutoff = datetime.date(demo.HISTORY_END.year - 3, demo.HISTORY_END.month, demo.HISTORY_END.day)
    for mentor in mentors.prefetch_related("spells"):
        assert mentor.current_spell is not None and mentor.first_hire_date <= cutoff
    assert mentors.exclude(staff_category="auxiliary").count() >= 0.8 * mentors.count()
    assert mentors.values("unit").distinct().count() >= 12  # every street office has a mentor or two

    # Trainees are exactly the officers whose current continuous service (transfers included) began recently.
    trainees = set(Officer.objects.filter(user__groups__name="trainee").values_list("pk", flat=True))
    assert len(trainees) >= 20
    by_officer = _spells_by_officer()
    recent = {
        officer_id
        for officer_id, spells in by_officer.items()
        if spells[-1].leave_date is None and _service_start(spells) >= demo.TRAINEE_WINDOW_START
    }
    assert trainees == recent


@pytest.mark.django_db
def test_demo_logins_roles_scopes_and_passwords(client):
    _seed()
    trainee = Officer.objects.select_related("unit", "user").get(user__username="demo_trainee")
    mentor = Officer.objects.get(user__username="demo_mentor")
    district = trainee.unit.get_parent()
    assert trainee.staff_category == "full_time" and trainee.status == "active"
    assert trainee.current_spell.hire_date.strftime("%Y-%m") == "2026-09"
    assert trainee.unit.name == "东华街道" and district.name == "东城区"
    assert mentor.unit_id == trainee.unit_id and mentor.status == "active"
    assert mentor.first_hire_date <= datetime.date(2023, 10, 31)
    assert set(trainee.user.groups.values_list("name", flat=True)) == {"trainee"}
    assert "mentor" in set(mentor.user.groups.values_list("name", flat=True))

    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=demo.DEMO_LOGINS)}
    assert set(users) == set(demo.DEMO_LOGINS)
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not any(users[u].is_superuser for u in demo.DEMO_LOGINS if u != "admin")
    assert all(u.first_name for u in users.values())
    expected = {"demo_hr": ("hr", district), "demo_leader": ("unit_leader", district)}
    expected["demo_training"] = ("training_admin", Unit.objects.get(kind="city"))
    for username, (role, unit) in expected.items():
        user = users[username]
        assert set(user.groups.values_list("name", flat=True)) == {role}
        assert UserScope.objects.get(user=user).unit == unit
    assert set(units_visible_to(users["demo_hr"])) == set(Unit.objects.filter(path__startswith=district.path))
    assert officers_visible_to(users["demo_training"]).count() == Officer.objects.count()
    assert list(officers_visible_to(users["demo_trainee"])) == [trainee]

    for username in demo.DEMO_LOGINS:
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": "Demo@2026!"})
        assert response.status_code == 302, username
    client.logout()
    other = Officer.objects.exclude(user__username__startswith="demo_").first()
    response = client.post(reverse("login"), {"username": other.employee_no, "password": "Demo@2026!"})
    assert response.status_code == 200  # imported-style accounts cannot log in


@pytest.mark.django_db
def test_officers_changed_is_sent_once_for_new_officers():
    from cms.signals import officers_changed

    sent = []

    def receiver(sender, officer_ids, **kwargs):
        sent.append(list(officer_ids))

    officers_changed.connect(receiver)
    try:
        _seed()
        assert len(sent) == 1 and sorted(sent[0]) == sorted(Officer.objects.values_list("pk", flat=True))
        sent.clear()
        _seed()
        assert sent == []  # nothing new, so higher apps are not told anything changed
    finally:
        officers_changed.disconnect(receiver)


@pytest.mark.django_db
def test_second_run_changes_nothing():
    assert "nothing to change" not in _seed()
    counts = {
        model.__name__: model.objects.count()
        for model in (Unit, Officer, EmploymentSpell, Post, UserScope, AuditEvent)
    }
    from django.contrib.auth import get_user_model

    User = get_user_model()
    memberships = User.groups.through.objects.count()
    checksum = _checksum()
    password_hashes = dict(
        User.objects.filter(username__in=demo.DEMO_LOGINS).values_list("username", "password")
    )
    assert AuditEvent.objects.filter(action="cms.demo_seed").count() == 1
    event = AuditEvent.objects.get(action="cms.demo_seed")
    assert event.after["officers"] == counts["Officer"] and event.after["spells"] == counts["EmploymentSpell"]

    assert "nothing to change" in _seed()

    assert counts == {
        model.__name__: model.objects.count()
        for model in (Unit, Officer, EmploymentSpell, Post, UserScope, AuditEvent)
    }
    assert User.groups.through.objects.count() == memberships
    assert _checksum() == checksum
    assert password_hashes == dict(
        User.objects.filter(username__in=demo.DEMO_LOGINS).values_list("username", "password")
    )


@pytest.mark.django_db
def test_rerun_repairs_demo_logins():
    _seed()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    hr = User.objects.get(username="demo_hr")
    hr.set_password("changed-by-someone")
    hr.save()
    hr.groups.clear()
    UserScope.objects.filter(user=hr).update(unit=Unit.objects.get(kind="city"))
    User.objects.get(username="demo_trainee").groups.remove(Group.objects.get(name="trainee"))
    officers = Officer.objects.count()

    _seed()

    hr.refresh_from_db()
    assert hr.check_password("Demo@2026!")
    assert set(hr.groups.values_list("name", flat=True)) == {"hr"}
    assert UserScope.objects.get(user=hr).unit.name == "东城区"
    assert User.objects.get(username="demo_trainee").groups.filter(name="trainee").exists()
    assert Officer.objects.count() == officers


@pytest.mark.django_db
def test_seeds_the_demo_modules_apps_registered(monkeypatch):
    monkeypatch.setattr(extensions, "DEMO_SEEDS", [extensions.DemoSeed(__name__, 7)])
    APP_SEED_CALLS.clear()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert APP_SEED_CALLS == [(random.Random(7).random(), True)]
    assert "stub app seeded" in out.getvalue()

    APP_SEED_CALLS.clear()
    call_command("seed_demo", "--skip-apps", stdout=io.StringIO())
    assert APP_SEED_CALLS == []


@pytest.mark.django_db
def test_print_demo_logins_lists_all_six():
    _seed()
    out = io.StringIO()
    call_command("print_demo_logins", "--base-url", "http://demo.example:8080/", stdout=out)
    text = out.getvalue()
    for username in demo.DEMO_LOGINS:
        line = next(line for line in text.splitlines() if f" {username} " in line)
        assert "Demo@2026!" in line
        page = "/me/" if username in ("demo_trainee", "demo_mentor") else "/admin/"
        assert f"http://demo.example:8080{page}" in line
    assert "学员 trainee" in text and "示范市/东城区/东华街道" in text


@pytest.mark.django_db
def test_seed_demo_prints_the_logins_after_the_data_when_asked():
    """`make run` asks the seed for the logins table (one process less than print_demo_logins after it)."""
    text = _seed("--print-logins", "http://127.0.0.1:8123")
    ready = text.index("Demo data ready")
    table = text[ready:]
    for username in demo.DEMO_LOGINS:
        assert f" {username} " in table
    assert "http://127.0.0.1:8123/me/" in table and "http://127.0.0.1:8123/admin/" in table
    assert " demo_hr " not in _seed()  # without the option, no table


@pytest.mark.django_db
def test_print_demo_logins_fails_without_demo_data():
    with translation.override("en"), pytest.raises(CommandError, match="demo data is not loaded.*seed_demo"):
        call_command("print_demo_logins", stdout=io.StringIO())
