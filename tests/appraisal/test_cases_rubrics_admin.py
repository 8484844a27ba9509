"""Rubrics in the admin: the city's default rubric is read-only below city scope, a district keeps its own, and
the items' weights must add up to 100."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from appraisal.models import Rubric
from appraisal.reference import default_rubric
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def _data(unit, weights):
    return nested_form_data(
        {
            "name": "东城区评查标准",
            "purpose": "case_review",
            "unit": unit.pk,
            "description": "",
            "items": inline_formset(
                [
                    {
                        "code": f"i{n}",
                        "name": f"项目{n}",
                        "weight": str(w),
                        "max_score": "10",
                        "guide": "说明",
                        "sort_order": n,
                    }
                    for n, w in enumerate(weights)
                ]
            ),
        }
    )


def test_a_district_admin_reads_the_city_rubric_and_keeps_its_own(client, district_east):
    admin = make_staff("admin_east", "training_admin", district_east)
    client.force_login(admin)
    city = default_rubric()
    page = client.get(reverse("appraisal_rubrics:index")).content.decode()
    assert city.name in page
    assert client.get(reverse("appraisal_rubrics:edit", args=[city.pk])).status_code == 404
    bad = client.post(reverse("appraisal_rubrics:add"), _data(district_east, [50, 40]))
    assert bad.status_code == 200 and "100" in bad.content.decode()
    assert not Rubric.objects.filter(name="东城区评查标准").exists()
    good = client.post(reverse("appraisal_rubrics:add"), _data(district_east, [60, 40]))
    assert good.status_code == 302
    assert Rubric.objects.get(name="东城区评查标准").items.count() == 2


def test_hr_only_reads_rubrics(client, hr_east):
    client.force_login(hr_east)
    assert client.get(reverse("appraisal_rubrics:index")).status_code == 200
    assert client.get(reverse("appraisal_rubrics:add")).status_code in (302, 403)
