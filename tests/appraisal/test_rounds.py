"""Review rounds: open in the subtree, draw reproducibly from the stored seed, cross-assign, third reviewer, close."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from appraisal.models import ReviewAssignment, ReviewRound, RoundCase
from appraisal.reference import default_rubric
from appraisal.services import rounds
from cms.models import AuditEvent
from tests.appraisal.factories import CaseFileFactory
from tests.factories import make_staff, make_unit


@pytest.fixture
def city_streets(city, district_east):
    return [make_unit(f"S01{n:02d}", f"东城第{n}街道", parent=district_east) for n in range(1, 4)]


@pytest.fixture
def staffed(city_streets, make_officer):
    """Three streets, each with two mentors (reviewers) and two handlers with three closed files each."""
    people = {}
    for n, street in enumerate(city_streets):
        mentors = [make_officer(street, roles=("trainee", "mentor")) for _ in range(2)]
        handlers = [make_officer(street) for _ in range(2)]
        for h in handlers:
            for k in range(3):
                CaseFileFactory(
                    handler=h, closed_on=datetime.date(2026, 2, 1) + datetime.timedelta(days=10 * k + n)
                )
        people[street.pk] = {"mentors": mentors, "handlers": handlers}
    return people


@pytest.fixture
def leader(district_east):
    return make_staff("leader_east", "unit_leader", district_east)


def _open(leader, unit, **kw):
    kw.setdefault("per_street", 2)
    return rounds.open_round(
        by=leader,
        unit=unit,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
        rubric=default_rubric(),
        **kw,
    )


def test_a_leader_runs_a_round_end_to_end(staffed, leader, district_east):
    rnd = _open(leader, district_east, seed=42)
    assert rnd.status == ReviewRound.Status.DRAFT and rnd.seed == 42
    rounds.draw_and_assign(by=leader, round_=rnd)
    rnd.refresh_from_db()
    assert rnd.status == ReviewRound.Status.OPEN and rnd.drawn_at
    cases = list(rnd.cases.select_related("case__unit"))
    per_street = {}
    for rc in cases:
        per_street.setdefault(rc.case.unit_id, 0)
        per_street[rc.case.unit_id] += 1
    assert all(n >= 2 for n in per_street.values()) and len(per_street) == 3
    handlers = {rc.case.handler_id for rc in cases}
    assert handlers == {h.pk for p in staffed.values() for h in p["handlers"]}
    for a in ReviewAssignment.objects.filter(round_case__round=rnd).select_related(
        "reviewer", "round_case__case"
    ):
        assert a.reviewer.unit_id != a.round_case.case.unit_id
        assert a.reviewer_id not in a.round_case.case.handler_ids()
    assert all(rc.assignments.count() == 2 for rc in cases)
    assert AuditEvent.objects.filter(action="appraisal.round_draw").exists()

    third = rounds.assign_third(cases[0], by=leader)
    assert third.ordinal == 3 and third.reviewer.unit_id != cases[0].case.unit_id
    assert rounds.assign_third(cases[0], by=leader) == third

    with pytest.raises(ValidationError) as pending:
        rounds.close_round(by=leader, round_=rnd)
    assert pending.value.code == "pending_reviews"
    rounds.close_round(by=leader, round_=rnd, confirm_pending=True)
    rnd.refresh_from_db()
    assert rnd.status == ReviewRound.Status.CLOSED


def test_the_same_seed_redraws_the_same_files(staffed, leader, district_east):
    first = _open(leader, district_east, seed=7)
    rounds.draw(first)
    drawn = list(first.cases.values_list("case__number", flat=True))
    RoundCase.objects.filter(round=first).delete()
    again = _open(leader, district_east, seed=7)
    rounds.draw(again)
    assert list(again.cases.values_list("case__number", flat=True)) == drawn


def test_infeasible_assignment_is_a_clear_error(leader, district_east, city_streets, make_officer):
    handler = make_officer(city_streets[0])
    CaseFileFactory(handler=handler, closed_on=datetime.date(2026, 3, 1))
    make_officer(city_streets[0], roles=("trainee", "mentor"))  # same street: not eligible
    rnd = _open(leader, district_east)
    with pytest.raises(ValidationError) as caught:
        rounds.draw_and_assign(by=leader, round_=rnd)
    assert caught.value.code == "assignment_infeasible"
    rnd.refresh_from_db()
    assert rnd.status == "draft" and not rnd.cases.exists()


def test_only_leaders_and_training_admins_in_their_subtree_run_rounds(staffed, district_east, district_west):
    hr = make_staff("hr_rounds", "hr", district_east)
    with pytest.raises(rounds.RoundRefused):
        _open(hr, district_east)
    west_leader = make_staff("leader_west", "unit_leader", district_west)
    with pytest.raises(rounds.RoundRefused):
        _open(west_leader, district_east)
    admin = make_staff("admin_east", "training_admin", district_east)
    rnd = _open(admin, district_east, share=Decimal("0.5"), per_street=None)
    with pytest.raises(rounds.RoundRefused):
        rounds.draw_and_assign(by=west_leader, round_=rnd)


def test_per_street_and_share_are_exclusive(leader, district_east):
    with pytest.raises(ValidationError):
        _open(leader, district_east, per_street=2, share=Decimal("0.3"))
