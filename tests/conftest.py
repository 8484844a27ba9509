"""Fixtures shared by the whole suite: a small unit tree and people in each role."""

import datetime

import pytest

from exams import autosave
from exams.services import pools
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory, make_staff, make_unit


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """The autosave session cache and the question-pool cache live in the process; one test's sessions and
    pools must not carry into the next (a rolled-back bank may reuse the ids and revision of the last one)."""
    yield
    autosave.VERIFIED.clear()
    pools._POOL_CACHE.clear()


@pytest.fixture
def session_queries(settings) -> int:
    """Queries a signed-in page spends reading the session: one from the database, none when sessions are cached
    (REDIS_URL selects cached_db, and the session written at sign-in is a cache hit). Exact page counts add it."""
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


@pytest.fixture
def city(db):
    return make_unit("C01", "示范市", kind="city")


@pytest.fixture
def district_east(city):
    return make_unit("D01", "东城区", kind="district", parent=city)


@pytest.fixture
def district_west(city):
    return make_unit("D02", "西城区", kind="district", parent=city)


@pytest.fixture
def street_east(district_east):
    return make_unit("S0101", "东华街道", parent=district_east)


@pytest.fixture
def street_west(district_west):
    return make_unit("S0201", "西苑街道", parent=district_west)


@pytest.fixture
def make_officer():
    def _make(unit, *, username=None, roles=("trainee",), hire_date=datetime.date(2024, 3, 1), **kwargs):
        user = (
            UserFactory(username=username, roles=list(roles)) if username else UserFactory(roles=list(roles))
        )
        officer = OfficerFactory(user=user, unit=unit, **kwargs)
        EmploymentSpellFactory(officer=officer, unit=unit, hire_date=hire_date)
        return officer

    return _make


@pytest.fixture
def trainee(street_east, make_officer):
    return make_officer(street_east, username="trainee_east", name="张三")


@pytest.fixture
def other_trainee(street_west, make_officer):
    return make_officer(street_west, username="trainee_west", name="李四")


@pytest.fixture
def hr_east(district_east):
    return make_staff("hr_east", "hr", district_east)


@pytest.fixture
def leader_east(district_east):
    return make_staff("leader_east", "unit_leader", district_east)


@pytest.fixture
def training_admin_east(district_east):
    return make_staff("tadmin_east", "training_admin", district_east)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)
