"""Staff screens: every apprenticeship in the subtree with stage and overdue flags, export, pairing; denials."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def test_hr_lists_and_exports_subtree_apprenticeships(
    client, hr_east, apprenticeship, street_west, make_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_officer(
            street_west, username="west_hire", name="西区学员", hire_date=datetime.date(2026, 10, 20)
        )
    client.force_login(hr_east)
    page = client.get(reverse("apprenticeships:index")).content.decode()
    assert "新学员" in page and "西区学员" not in page
    assert "王师傅" in page  # the mentor column
    export = client.get(reverse("apprenticeships:index") + "?export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2 and "新学员" in rows[1][0]


def test_hr_cannot_open_another_districts_apprenticeship(client, apprenticeship, district_west):
    client.force_login(make_staff("hr_west", "hr", district_west))
    assert client.get(reverse("apprenticeships:inspect", args=[apprenticeship.pk])).status_code == 404
    assert client.get(reverse("apprenticeships:pair", args=[apprenticeship.pk])).status_code == 404


def test_apprenticeships_cannot_be_edited_in_the_admin(client, superuser, apprenticeship):
    client.force_login(superuser)
    response = client.get(reverse("apprenticeships:edit", args=[apprenticeship.pk]))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert client.get(reverse("apprenticeships:inspect", args=[apprenticeship.pk])).status_code == 200


def test_hr_pairs_from_suggestions_and_history_is_kept(
    client, hr_east, apprenticeship, street_east, make_officer
):
    second = make_officer(street_east, username="second", name="孙师傅", hire_date=datetime.date(2012, 1, 1))
    client.force_login(hr_east)
    page = client.get(reverse("apprenticeships:pair", args=[apprenticeship.pk])).content.decode()
    assert "孙师傅" in page
    response = client.post(
        reverse("apprenticeships:pair", args=[apprenticeship.pk]),
        {"mentor": second.pk, "reason": "原导师借调"},
    )
    assert response.status_code == 302
    assert list(apprenticeship.pairings.order_by("id").values_list("mentor__name", flat=True)) == [
        "王师傅",
        "孙师傅",
    ]


def test_trainee_and_mentor_have_no_admin(client, apprenticeship, mentor):
    for user in (apprenticeship.officer.user, mentor.user):
        client.force_login(user)
        response = client.get(reverse("apprenticeships:index"))
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_city_programme_is_read_only_below_city_scope(client, programme, training_admin_east, city):
    edit_url = reverse("programmes:edit", args=[programme.pk])
    stage_url = reverse("stages:edit", args=[programme.stages.first().pk])
    client.force_login(training_admin_east)
    listing = client.get(reverse("programmes:index")).content.decode()
    assert programme.name in listing and edit_url not in listing
    assert client.get(edit_url).status_code == 404 and client.get(stage_url).status_code == 404
    client.force_login(make_staff("tadmin_city", "training_admin", city))
    assert client.get(edit_url).status_code == 200 and client.get(stage_url).status_code == 200


def test_programme_form_ticks_staff_categories_and_list_shows_icons(client, superuser, city):
    from mentorship.models import Programme

    client.force_login(superuser)
    page = client.get(reverse("programmes:add")).content.decode()
    assert 'type="checkbox" name="staff_categories" value="full_time"' in page
    resp = client.post(
        reverse("programmes:add"),
        {
            "unit": city.pk,
            "name": "新培养方案",
            "version": "1",
            "staff_categories": ["full_time", "auxiliary"],
            "description": "",
            "is_active": "on",
        },
    )
    assert resp.status_code == 302, resp.context["form"].errors
    assert sorted(Programme.objects.get(name="新培养方案").staff_categories) == ["auxiliary", "full_time"]
    listing = client.get(reverse("programmes:index")).content.decode()
    body = listing.split('<table class="listing', 1)[1].split("</table>", 1)[0]
    assert "True" not in body and "#icon-check" in body
