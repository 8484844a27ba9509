"""Every filter combination of the demo city opens (issue #12 item 1: 单位 = 东华街道 gave 500 through a singular
log-rank matrix): /hr/ and its exports for the district's HR officer (every unit × staff category × period), and
/hr/ for the superuser (every unit × staff category of the whole city).

The demo city is seeded once for the module (about 8 s); the loops run inside one test each."""

import importlib
import io
import itertools
import random

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from analytics.dashboard import CHART_IDS
from cms import demo, extensions
from cms.models import StaffCategory
from cms.reference import ensure_reference_data
from cms.selectors import units_visible_to

PERIODS = ("month", "quarter", "year")
CATEGORIES = ("", *StaffCategory.values)


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """seed_demo's data, once per module, rolled back at the end (the tests' own transactions nest inside)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            ensure_reference_data()
            demo.seed(stdout=io.StringIO(), rng=random.Random(demo.SEED))
            for entry in extensions.DEMO_SEEDS:
                importlib.import_module(entry.module).seed(
                    stdout=io.StringIO(), rng=random.Random(entry.seed)
                )
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _open_everything(client, user, periods, *, exports=True):
    """/hr/ for every unit × category × period; with ``exports``, every export of every chart at the default
    (quarterly) period and, at the other periods, the exports of the one chart the period changes (headcount):
    the other charts' tables do not depend on the period."""
    client.force_login(user)
    units = ["", *units_visible_to(user).order_by("path").values_list("code", flat=True)]
    failures = []
    for unit, category, period in itertools.product(units, CATEGORIES, periods):
        cache.clear()
        query = {"unit": unit, "category": category, "period": period}
        response = client.get("/hr/", query)
        if response.status_code != 200 or len(response.context["charts"]) != len(CHART_IDS):
            failures.append(("/hr/", query, response.status_code))
            continue
        charts = (CHART_IDS if period == "quarter" else ("headcount",)) if exports else ()
        for chart, fmt in itertools.product(charts, ("csv", "xlsx")):
            status = client.get(reverse("analytics:export", args=[chart, fmt]), query).status_code
            if status != 200:
                failures.append((f"{chart}.{fmt}", query, status))
    return len(units), failures


@pytest.mark.django_db
def test_hr_every_unit_category_and_period(demo_city, client):
    hr = get_user_model().objects.get(username="demo_hr")
    n_units, failures = _open_everything(client, hr, PERIODS)
    assert n_units == 6  # the district, its five streets … and "everything I can see"
    assert failures == []


@pytest.mark.django_db
def test_superuser_every_unit_and_category(demo_city, client):
    admin = get_user_model().objects.get(username="admin")
    # The whole city's 88 unit × category combinations (16 of which used to fail); the exports and the other
    # periods share the computation tested above, so the page alone keeps this loop short.
    n_units, failures = _open_everything(client, admin, ("quarter",), exports=False)
    assert n_units > 20
    assert failures == []
