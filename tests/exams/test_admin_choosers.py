"""The exam form picks banks, audience units and officers through searchable choosers instead of plain
multi-selects of hundreds of rows; each chooser lists, searches and returns only rows of the user's unit subtree,
and the form refuses an out-of-scope id on save (the server decides, not the widget)."""

import json

import pytest
from django.urls import reverse

from exams.models import Exam, QuestionBank
from tests.exams.conftest import make_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(district_east):
    """东城区's bank, which its training admin may change."""
    owned = make_bank(n_single=3)
    QuestionBank.objects.filter(pk=owned.pk).update(unit=district_east)
    owned.refresh_from_db()
    return owned


def _html(response) -> str:
    """The modal (a modal-workflow JSON answer) or its results fragment (HTML)."""
    assert response.status_code == 200
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)["html"]
    return response.content.decode()


def test_officer_chooser_lists_and_searches_only_the_subtree(
    client, training_admin_east, trainee, other_trainee, street_east, make_officer
):
    colleague = make_officer(street_east, username="colleague_east", name="赵六")
    client.force_login(training_admin_east)
    listing = _html(client.get(reverse("officer_chooser:choose"), {"multiple": 1}))
    assert trainee.name in listing and colleague.name in listing and other_trainee.name not in listing
    assert 'name="q"' in listing  # a search box
    found = _html(client.get(reverse("officer_chooser:choose_results"), {"q": "赵"}))
    assert colleague.name in found and trainee.name not in found
    found = _html(client.get(reverse("officer_chooser:choose_results"), {"q": other_trainee.name}))
    assert reverse("officer_chooser:chosen", args=[other_trainee.pk]) not in found
    found = _html(client.get(reverse("officer_chooser:choose_results"), {"q": trainee.employee_no}))
    assert trainee.name in found


def test_choosing_an_out_of_scope_row_is_refused(
    client, training_admin_east, trainee, other_trainee, district_west, street_east
):
    client.force_login(training_admin_east)
    assert client.get(reverse("officer_chooser:chosen", args=[other_trainee.pk])).status_code == 404
    assert client.get(reverse("officer_chooser:chosen", args=[trainee.pk])).status_code == 200
    both = client.get(reverse("officer_chooser:chosen_multiple"), {"id": [trainee.pk, other_trainee.pk]})
    assert [item["id"] for item in json.loads(both.content)["result"]] == [str(trainee.pk)]
    assert client.get(reverse("unit_chooser:chosen", args=[district_west.pk])).status_code == 404
    assert client.get(reverse("unit_chooser:chosen", args=[street_east.pk])).status_code == 200


def test_bank_chooser_offers_only_banks_the_user_may_change(client, training_admin_east, bank, district_west):
    west = make_bank(code="WEST")
    QuestionBank.objects.filter(pk=west.pk).update(unit=district_west)
    client.force_login(training_admin_east)
    listing = _html(client.get(reverse("bank_chooser:choose"), {"multiple": 1}))
    assert bank.name in listing and "WEST" not in listing
    assert client.get(reverse("bank_chooser:chosen", args=[west.pk])).status_code == 404


def _exam_post(bank, unit, **overrides):
    data = {
        "title": "范围测试考试",
        "unit": unit.pk,
        "description": "",
        "banks": [bank.pk],
        "time_limit_minutes": "45",
        "attempts_allowed": "1",
        "start_stagger_seconds": "0",
        "pass_percent": "60",
        "grading_method": "highest",
        "multiple_choice_rule": "partial",
        "qualification_years": "3",
        "rules-TOTAL_FORMS": "0",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "fixed_questions-TOTAL_FORMS": "0",
        "fixed_questions-INITIAL_FORMS": "0",
        "fixed_questions-MIN_NUM_FORMS": "0",
        "fixed_questions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_exam_form_refuses_out_of_scope_choices_on_the_server(
    client,
    training_admin_east,
    bank,
    street_east,
    street_west,
    trainee,
    other_trainee,
    district_west,
):
    west = make_bank(code="WEST")
    QuestionBank.objects.filter(pk=west.pk).update(unit=district_west)
    client.force_login(training_admin_east)
    for field, value in (
        ("audience_officers", [other_trainee.pk]),
        ("audience_units", [street_west.pk]),
        ("banks", [west.pk]),
    ):
        resp = client.post(reverse("exams_exam:add"), _exam_post(bank, street_east, **{field: value}))
        assert resp.status_code == 200, field
        assert field in resp.context["form"].errors
    assert not Exam.objects.filter(title="范围测试考试").exists()

    resp = client.post(
        reverse("exams_exam:add"),
        _exam_post(bank, street_east, audience_officers=[trainee.pk], audience_units=[street_east.pk]),
    )
    assert resp.status_code == 302, resp.context["form"].errors
    exam = Exam.objects.get(title="范围测试考试")
    assert list(exam.audience_officers.all()) == [trainee]


def test_exam_form_shows_choosers_not_a_select_of_every_officer(
    client,
    training_admin_east,
    bank,
    trainee,
    street_east,
):
    client.force_login(training_admin_east)
    exam = Exam.objects.create(title="已有考试", unit=street_east)
    exam.audience_officers.add(trainee)
    exam.banks.add(bank)
    page = client.get(reverse("exams_exam:edit", args=[exam.pk])).content.decode()
    assert 'name="audience_officers"' in page and '<select name="audience_officers"' not in page
    assert f'<input type="hidden" name="audience_officers" value="{trainee.pk}">' in page
    assert trainee.name in page and reverse("officer_chooser:choose") in page
    assert reverse("bank_chooser:choose") in page and reverse("unit_chooser:choose") in page
