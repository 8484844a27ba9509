"""Reminders go to the person first, then escalate to the unit leader, and are never sent twice."""

import datetime

import pytest

from cms.models import Notification
from mentorship import reminders, services
from mentorship.models import Milestone

pytestmark = pytest.mark.django_db


def test_waiting_evidence_reminds_mentor_then_escalates_once(
    apprenticeship, mentor, leader_east, time_machine, rules
):
    services.submit_evidence(
        apprenticeship=apprenticeship,
        milestone=Milestone.objects.get(stage__order=1),
        by=apprenticeship.officer.user,
        text="完成检查",
        happened_on=datetime.date(2026, 11, 1),
    )
    assert reminders.send_due_reminders() == 0
    time_machine.shift(datetime.timedelta(days=rules.review_reminder_days, hours=1))
    reminders.send_due_reminders()
    assert (
        Notification.objects.filter(recipient=mentor.user, key__startswith="mentorship:review:").count() == 1
    )
    assert not Notification.objects.filter(recipient=leader_east).exists()
    time_machine.shift(datetime.timedelta(days=rules.escalation_days))
    reminders.send_due_reminders()
    reminders.send_due_reminders()
    assert (
        Notification.objects.filter(recipient=mentor.user, key__startswith="mentorship:review:").count() == 1
    )
    assert (
        Notification.objects.filter(
            recipient=leader_east, key__startswith="mentorship:review-escalated:"
        ).count()
        == 1
    )


def test_stage_past_due_and_inactivity(apprenticeship, time_machine):
    time_machine.shift(datetime.timedelta(days=31))
    reminders.send_due_reminders()
    reminders.send_due_reminders()
    user = apprenticeship.officer.user
    assert Notification.objects.filter(recipient=user, key__startswith="mentorship:stage-due:").count() == 1
    assert Notification.objects.filter(recipient=user, key__startswith="mentorship:inactive:").count() == 1
