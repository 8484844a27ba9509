"""The scoping selectors for every role: who sees which officers, units, spells, posts and audit events."""

import pytest
from django.contrib.auth.models import AnonymousUser

from cms import audit
from cms.admin_views import ScopedPermissionPolicy, audit_events_visible_to, posts_visible_to
from cms.models import Officer, Unit
from cms.selectors import (
    is_city_scope,
    officers_visible_to,
    owned_rows_editable_by,
    owned_rows_readable_by,
    spells_visible_to,
    units_editable_by,
    units_visible_to,
)
from exams.models import QuestionBank
from tests.factories import PostFactory, UserFactory, make_staff, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city, district_east, district_west, street_east, street_west, trainee, other_trainee, make_officer):
    east_mentor = make_officer(street_east, username="mentor_east", roles=("mentor",), name="导师")
    district_officer = make_officer(district_east, name="区级人员")
    return {
        "trainee": trainee,
        "other": other_trainee,
        "mentor": east_mentor,
        "district_officer": district_officer,
    }


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_superuser_sees_everything(superuser, world):
    assert officers_visible_to(superuser).count() == Officer.objects.count() == 4
    assert units_visible_to(superuser).count() == Unit.objects.count() == 5
    assert spells_visible_to(superuser).count() == 4


@pytest.mark.parametrize("staff", ["hr_east", "leader_east", "training_admin_east"])
def test_subtree_roles_see_their_district(request, staff, world):
    user = request.getfixturevalue(staff)
    assert names(officers_visible_to(user)) == {"张三", "导师", "区级人员"}
    assert set(units_visible_to(user).values_list("code", flat=True)) == {"D01", "S0101"}
    assert set(spells_visible_to(user).values_list("officer__name", flat=True)) == {
        "张三",
        "导师",
        "区级人员",
    }


def test_street_level_scope_sees_only_the_street(world, street_east):
    user = make_staff("hr_street", "hr", street_east)
    assert names(officers_visible_to(user)) == {"张三", "导师"}
    assert set(units_visible_to(user).values_list("code", flat=True)) == {"S0101"}


def test_staff_officer_without_explicit_scope_uses_own_unit(world, district_west, make_officer):
    leader = make_officer(district_west, username="leader_west", roles=("unit_leader",), name="西区领导").user
    assert names(officers_visible_to(leader)) == {"李四", "西区领导"}


def test_staff_role_without_any_scope_sees_nothing(world):
    user = UserFactory(username="hr_nowhere", roles=["hr"])
    assert not officers_visible_to(user).exists()
    assert not units_visible_to(user).exists()
    assert not audit_events_visible_to(user).exists()


@pytest.mark.parametrize("who", ["trainee", "mentor"])
def test_trainees_and_mentors_see_only_themselves(who, world):
    officer = world[who]
    user = officer.user
    assert list(officers_visible_to(user)) == [officer]
    assert list(units_visible_to(user)) == [officer.unit]
    assert set(spells_visible_to(user).values_list("officer_id", flat=True)) == {officer.pk}
    assert not audit_events_visible_to(user).exists()


def test_user_without_officer_or_role_sees_nothing(world):
    user = UserFactory(username="nobody")
    assert not officers_visible_to(user).exists()
    assert not units_visible_to(user).exists()


def test_anonymous_sees_nothing(world):
    anonymous = AnonymousUser()
    assert not officers_visible_to(anonymous).exists()
    assert not units_visible_to(anonymous).exists()
    assert not spells_visible_to(anonymous).exists()
    assert not posts_visible_to(anonymous).exists()
    assert not audit_events_visible_to(anonymous).exists()
    assert not officers_visible_to(None).exists()


def test_posts_follow_the_unit_subtree(hr_east, superuser, street_east, street_west):
    east = PostFactory(unit=street_east)
    west = PostFactory(unit=street_west)
    assert list(posts_visible_to(hr_east)) == [east]
    assert set(posts_visible_to(superuser)) == {east, west}


def test_audit_events_follow_the_unit_subtree(
    superuser, hr_east, leader_east, training_admin_east, world, city
):
    east = audit.record(actor=superuser, action="cms.officer_update", obj=world["trainee"])
    west = audit.record(actor=superuser, action="cms.officer_update", obj=world["other"])
    top = audit.record(actor=superuser, action="cms.roster_import", unit=city)
    assert set(audit_events_visible_to(hr_east)) == {east}
    assert set(audit_events_visible_to(leader_east)) == {east}
    assert not audit_events_visible_to(training_admin_east).exists()  # not an audit reader
    assert {east, west, top} <= set(audit_events_visible_to(superuser))


def test_new_units_below_the_scope_are_visible_at_once(hr_east, district_east, world):
    new_street = make_unit("S0105", "新建街道", parent=district_east)
    assert units_visible_to(hr_east).filter(pk=new_street.pk).exists()


# --- rows owned by a unit: editable inside the subtree, readable up the tree, city-wide at city scope only -------


@pytest.fixture
def owned_banks(city, district_east, district_west, street_east, street_west):
    """Question banks stand in for any unit-owned row (exams, programmes): one per unit, plus one with no owner."""
    rows = {
        unit.code: QuestionBank.objects.create(unit=unit, code=unit.code, name=unit.code)
        for unit in Unit.objects.all()
    }
    rows["none"] = QuestionBank.objects.create(unit=None, code="none", name="none")
    return rows


def owned(fn, user):
    return set(fn(user, QuestionBank.objects.all()).values_list("code", flat=True))


def test_district_staff_edit_their_subtree_and_read_the_city(training_admin_east, owned_banks):
    assert owned(owned_rows_editable_by, training_admin_east) == {"D01", "S0101"}
    assert owned(owned_rows_readable_by, training_admin_east) == {"C01", "D01", "S0101", "none"}
    assert set(units_editable_by(training_admin_east).values_list("code", flat=True)) == {"D01", "S0101"}
    assert not is_city_scope(training_admin_east)


def test_street_staff_read_their_district_and_city_but_change_neither(street_east, owned_banks):
    user = make_staff("tadmin_street", "training_admin", street_east)
    assert owned(owned_rows_editable_by, user) == {"S0101"}
    assert owned(owned_rows_readable_by, user) == {"C01", "D01", "S0101", "none"}


def test_city_scope_and_superusers_edit_city_wide_rows(city, superuser, owned_banks):
    city_admin = make_staff("tadmin_city", "training_admin", city)
    everything = {"C01", "D01", "D02", "S0101", "S0201", "none"}
    for user in (city_admin, superuser):
        assert is_city_scope(user)
        assert owned(owned_rows_editable_by, user) == everything
        assert owned(owned_rows_readable_by, user) == everything


@pytest.mark.parametrize("who", ["trainee", "mentor"])
def test_officers_without_a_staff_role_own_nothing(who, world, owned_banks):
    user = world[who].user
    assert owned(owned_rows_editable_by, user) == set() == owned(owned_rows_readable_by, user)
    assert not units_editable_by(user).exists() and not is_city_scope(user)
    assert owned(owned_rows_readable_by, AnonymousUser()) == set()


def test_scoped_policy_separates_reading_from_changing(training_admin_east, owned_banks):
    policy = ScopedPermissionPolicy(
        QuestionBank,
        scope=lambda user: owned_rows_readable_by(user, QuestionBank.objects.all()),
        editable=lambda user: owned_rows_editable_by(user, QuestionBank.objects.all()),
    )
    user = training_admin_east  # the role holds view and change on banks
    city_bank, own_bank = owned_banks["C01"], owned_banks["D01"]
    assert policy.user_has_permission_for_instance(user, "view", city_bank)
    assert not policy.user_has_permission_for_instance(user, "change", city_bank)
    assert not policy.user_has_permission_for_instance(user, "delete", city_bank)
    assert policy.user_has_permission_for_instance(user, "change", own_bank)
    changeable = policy.instances_user_has_any_permission_for(user, ["change", "delete"])
    assert set(changeable.values_list("code", flat=True)) == {"D01", "S0101"}
    readable = policy.instances_user_has_any_permission_for(user, ["view", "change"])
    assert set(readable.values_list("code", flat=True)) == {"C01", "D01", "S0101", "none"}
