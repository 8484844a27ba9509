"""Pairing rules, suggestions and history."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from mentorship import services
from tests.factories import SpecialtyFactory

pytestmark = pytest.mark.django_db


def test_mentor_needs_tenure(apprentice, street_east, make_officer):
    junior = make_officer(street_east, username="junior", hire_date=datetime.date(2025, 1, 1))
    a = apprentice.apprenticeships.get()
    with pytest.raises(ValidationError, match="年") as exc:
        services.pair(apprenticeship=a, mentor=junior, by=None)
    assert exc.value.code == "mentor_ineligible"


def test_mentor_load_is_capped(
    apprentice, mentor, street_east, make_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        others = [
            make_officer(street_east, username=f"nh{i}", hire_date=datetime.date(2026, 10, 1))
            for i in range(2)
        ]
    for o in others:
        services.pair(apprenticeship=o.apprenticeships.get(), mentor=mentor, by=None)
    with pytest.raises(ValidationError) as exc:
        services.pair(apprenticeship=apprentice.apprenticeships.get(), mentor=mentor, by=None)
    assert exc.value.code == "mentor_ineligible"


def test_qualification_rule(apprentice, mentor, rules):
    rules.mentor_requires_qualification = True
    rules.save()
    with pytest.raises(ValidationError) as exc:
        services.pair(apprenticeship=apprentice.apprenticeships.get(), mentor=mentor, by=None)
    assert exc.value.code == "mentor_ineligible"


def test_suggestions_rank_same_unit_and_shared_specialties_first(
    apprentice, mentor, other_mentor, street_east, make_officer
):
    chem = SpecialtyFactory(name="危险化学品")
    apprentice.specialties.add(chem)
    colleague = make_officer(
        street_east, username="colleague", name="钱师傅", hire_date=datetime.date(2014, 1, 1)
    )
    colleague.specialties.add(chem)
    ranked = [r["mentor"] for r in services.suggest_mentors(apprentice.apprenticeships.get())]
    assert ranked[0] == colleague
    assert mentor in ranked
    assert other_mentor not in ranked  # another district


def test_repairing_keeps_history(apprenticeship, mentor, street_east, make_officer):
    second = make_officer(street_east, username="second", name="孙师傅", hire_date=datetime.date(2012, 1, 1))
    services.pair(apprenticeship=apprenticeship, mentor=second, by=None, reason="原导师调岗")
    rows = list(apprenticeship.pairings.order_by("id").values_list("mentor__name", "ended_on", "end_reason"))
    assert rows == [("王师傅", datetime.date(2026, 11, 2), "原导师调岗"), ("孙师傅", None, "")]
