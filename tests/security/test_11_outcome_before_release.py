"""Weakness 11: with the score held back by the review policy, the exam list still showed 已通过/未通过 and the
new certificate already appeared. The review policy now applies to the outcome and the qualification too."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from exams import services
from exams.models import Qualification
from tests.exams.conftest import make_bank, make_exam

pytestmark = pytest.mark.django_db


def _passed_attempt_with_score_held_back(officer):
    bank = make_bank(n_single=6)
    closes = timezone.now() + datetime.timedelta(days=3)
    exam = make_exam(
        bank,
        rules=[{"question_type": "single_choice", "count": 3, "points": Decimal("2")}],
        is_qualifying=True,
        closes_at=closes,
        after_submit_score=False,
        after_close_score=True,
    )
    attempt = services.start_attempt(exam=exam, officer=officer, by=officer.user)
    for r in attempt.responses.select_related("version"):
        right = next(i for i, c in enumerate(r.version.data["choices"]) if c["fraction"] >= 1)
        services.save_answer(
            attempt_id=attempt.pk,
            officer=officer,
            position=r.position,
            raw=r.option_order.index(right),
            seq=1,
        )
    attempt = services.submit_attempt(attempt=attempt, by=officer.user)
    assert attempt.passed is True
    return attempt, Qualification.objects.get(attempt=attempt), closes


def test_outcome_and_certificate_hidden_until_released(client, trainee, hr_east):
    attempt, qualification, closes = _passed_attempt_with_score_held_back(trainee)
    client.force_login(trainee.user)
    listing = client.get(reverse("exams:exam_list")).content.decode()
    assert "badge ok" not in listing and "badge danger" not in listing
    assert qualification.certificate_no not in listing
    assert "已通过" not in listing and "未通过" not in listing
    result = client.get(reverse("exams:attempt_result", args=[attempt.pk])).content.decode()
    assert qualification.certificate_no not in result and 'id="score-hidden"' in result
    quals = client.get(reverse("exams:qualifications")).content.decode()
    assert qualification.certificate_no not in quals
    assert client.get(reverse("exams:certificate", args=[qualification.pk])).status_code == 404
    assert qualification.certificate_no not in client.get(reverse("courses:my_record")).content.decode()
    # staff in scope still see the record
    client.force_login(hr_east)
    assert client.get(reverse("exams:certificate", args=[qualification.pk])).status_code == 200
    # once the exam has closed (the policy releases the score after close) the officer sees all of it
    with time_machine.travel(closes + datetime.timedelta(minutes=1), tick=False):
        client.force_login(trainee.user)
        listing = client.get(reverse("exams:exam_list")).content.decode()
        assert "badge ok" in listing
        assert qualification.certificate_no in client.get(reverse("exams:qualifications")).content.decode()
        assert client.get(reverse("exams:certificate", args=[qualification.pk])).status_code == 200
        assert qualification.certificate_no in client.get(reverse("courses:my_record")).content.decode()
