"""analytics.selectors: spells as DataFrames in two queries, scoped to what the user may see."""

import datetime as dt

import pytest

from analytics import frames, selectors
from cms.models import EmploymentSpell
from tests.factories import EmploymentSpellFactory, OfficerFactory


@pytest.fixture
def spells(street_east, street_west):
    east = OfficerFactory(unit=street_east, user=None)
    EmploymentSpellFactory(officer=east, unit=street_east, hire_date=dt.date(2024, 1, 1))
    west = OfficerFactory(unit=street_west, user=None)
    EmploymentSpellFactory(
        officer=west,
        unit=street_west,
        hire_date=dt.date(2023, 1, 1),
        leave_date=dt.date(2024, 6, 30),
        leave_reason="resigned",
    )
    return east, west


@pytest.mark.django_db
def test_city_dataset_in_two_queries(spells, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        data = selectors.city_dataset()
    assert list(data.spells.columns) == selectors.SPELL_COLUMNS
    assert len(data.spells) == 2
    assert set(data.units["code"]) == {"C01", "D01", "D02", "S0101", "S0201"}
    assert str(data.spells["hire_date"].dtype).startswith("datetime64")
    assert frames.headcount_on(data.spells, dt.date(2024, 3, 1))["all"] == 2


@pytest.mark.django_db
def test_hr_sees_only_their_subtree(spells, hr_east):
    data = selectors.dataset_visible_to(hr_east)
    assert set(data.spells["unit"]) == {"S0101"}
    assert set(data.units["code"]) == {"D01", "S0101"}
    with pytest.raises(selectors.UnknownUnit) as exc:
        selectors.dataset_visible_to(hr_east, unit_code="S0201")
    assert exc.value.code == "unknown_unit"


@pytest.mark.django_db
def test_superuser_sees_everything_and_can_narrow(spells, superuser):
    assert len(selectors.dataset_visible_to(superuser).spells) == 2
    data = selectors.dataset_visible_to(superuser, unit_code="D02")
    assert set(data.spells["unit"]) == {"S0201"} and data.root.code == "D02"


@pytest.mark.django_db
def test_empty_frames_work_with_the_metrics(db):
    data = selectors.city_dataset()
    assert len(data.spells) == 0
    t = frames.turnover(data.spells, period="month", start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31))
    assert t.iloc[0]["start_headcount"] == 0


@pytest.mark.django_db
def test_training_frame_without_training_records(spells, django_assert_max_num_queries):
    east, west = spells
    with django_assert_max_num_queries(3):  # qualifications, pairings, enrolments
        frame = selectors.training_frame([east.pk, west.pk])
    assert sorted(frame["officer_id"]) == sorted([east.pk, west.pk])
    assert frame["qualified_on"].isna().all() and frame["mentored_from"].isna().all()


@pytest.mark.django_db
def test_training_frame_from_a_queryset(spells):
    frame = selectors.training_frame(EmploymentSpell.objects.values("officer_id"))
    assert len(frame) == 0 and str(frame["officer_id"].dtype) == "int64"
