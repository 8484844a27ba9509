"""Staff screens for review rounds: the subtree's list, the form (units of the subtree only), the round page with
the draw, assignments and progress, draw+assign and close (pending reviews need confirming); HR reads; denials;
the 执法考评 menu group; bounded queries."""

import datetime

import pytest
from django.urls import reverse

from appraisal.models import ReviewAssignment, ReviewRound
from appraisal.reference import default_rubric
from tests.appraisal.factories import CaseFileFactory, ReviewRoundFactory
from tests.factories import make_staff, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def streets(district_east):
    return [make_unit(f"S01{n:02d}", f"东城第{n}街道", parent=district_east) for n in range(1, 4)]


@pytest.fixture
def staffed(streets, make_officer):
    for n, street in enumerate(streets):
        for _ in range(2):
            make_officer(street, roles=("trainee", "mentor"))
        for _ in range(2):
            handler = make_officer(street)
            for k in range(3):
                CaseFileFactory(handler=handler, closed_on=datetime.date(2026, 2, 1 + k + n))
    return streets


@pytest.fixture
def leader(district_east):
    return make_staff("leader_east", "unit_leader", district_east)


def _form(unit, **extra):
    data = {
        "name": "2026上半年评查",
        "unit": unit.pk,
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "rubric": default_rubric().pk,
        "per_street": "2",
        "share": "",
        "min_per_handler": "1",
        "reviews_per_file": "2",
        "gap": "10",
        "follow_up_days": "30",
        "seed": "",
    }
    data.update(extra)
    return data


def test_leader_opens_draws_and_closes_a_round(
    client, leader, staffed, district_east, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    form_page = client.get(reverse("appraisal_rounds:add")).content.decode()
    assert "东城第1街道" in form_page and "西苑街道" not in form_page
    response = client.post(reverse("appraisal_rounds:add"), _form(district_east))
    assert response.status_code == 302
    round_ = ReviewRound.objects.get(name="2026上半年评查")
    assert round_.seed is not None and round_.status == "draft"

    # the button queues the draw as a task; with sync=True it runs once the request's transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("appraisal_rounds:draw", args=[round_.pk])).status_code == 302
    round_.refresh_from_db()
    assert round_.status == "open" and round_.cases.count() >= 6
    with django_assert_max_num_queries(25):
        page = client.get(reverse("appraisal_rounds:detail", args=[round_.pk])).content.decode()
    assert "东城第2街道" in page and 'id="round-progress"' in page and str(round_.seed) in page

    # pending reviews: closing needs confirming
    client.post(reverse("appraisal_rounds:close", args=[round_.pk]))
    round_.refresh_from_db()
    assert round_.status == "open"
    client.post(reverse("appraisal_rounds:close", args=[round_.pk]), {"confirm_pending": "1"})
    round_.refresh_from_db()
    assert round_.status == "closed"


def test_round_page_queries_do_not_grow_with_the_draw(
    client, leader, staffed, district_east, make_officer, django_assert_max_num_queries
):
    from appraisal.services import rounds

    small = rounds.open_round(
        by=leader,
        unit=district_east,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
        rubric=default_rubric(),
        per_street=1,
    )
    rounds.draw_and_assign(by=leader, round_=small)
    big = rounds.open_round(
        by=leader,
        unit=district_east,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
        rubric=default_rubric(),
        per_street=5,
    )
    rounds.draw_and_assign(by=leader, round_=big)
    assert (
        ReviewAssignment.objects.filter(round_case__round=big).count()
        > ReviewAssignment.objects.filter(round_case__round=small).count()
    )
    client.force_login(leader)
    with django_assert_max_num_queries(25):
        client.get(reverse("appraisal_rounds:detail", args=[big.pk]))
    with django_assert_max_num_queries(15):
        page = client.get(reverse("appraisal_rounds:index")).content.decode()
    assert small.name in page and big.name in page


def test_hr_reads_but_cannot_run_rounds(client, hr_east, leader, staffed, district_east):
    round_ = ReviewRoundFactory(unit=district_east, rubric=default_rubric(), opened_by=leader)
    client.force_login(hr_east)
    assert client.get(reverse("appraisal_rounds:index")).status_code == 200
    page = client.get(reverse("appraisal_rounds:detail", args=[round_.pk])).content.decode()
    assert "data-draw" not in page
    assert client.get(reverse("appraisal_rounds:add")).status_code in (302, 403)
    assert client.post(reverse("appraisal_rounds:draw", args=[round_.pk])).status_code in (302, 403)
    assert client.post(reverse("appraisal_rounds:close", args=[round_.pk])).status_code in (302, 403)
    round_.refresh_from_db()
    assert round_.status == "draft"


def test_other_subtrees_and_officers_are_refused(
    client, leader, staffed, district_east, district_west, trainee
):
    round_ = ReviewRoundFactory(unit=district_east, rubric=default_rubric(), opened_by=leader)
    west = make_staff("leader_west", "unit_leader", district_west)
    client.force_login(west)
    assert client.get(reverse("appraisal_rounds:detail", args=[round_.pk])).status_code == 404
    assert client.post(reverse("appraisal_rounds:draw", args=[round_.pk])).status_code == 404
    # a forged unit outside the subtree
    response = client.post(reverse("appraisal_rounds:add"), _form(district_east))
    assert response.status_code == 200 and not ReviewRound.objects.filter(name="2026上半年评查").exists()
    client.force_login(trainee.user)
    assert client.get(reverse("appraisal_rounds:index")).status_code in (302, 403)


def test_the_appraisal_menu_group_lists_the_screens(client, leader):
    client.force_login(leader)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    for url in (
        reverse("appraisal_cases:index"),
        reverse("appraisal_rounds:index"),
        reverse("appraisal_rubrics:index"),
    ):
        assert url in page
