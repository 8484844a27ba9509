"""Due-soon and overdue notices (in-app and email) and the unit leader's overdue summary, each sent once."""

import datetime

import pytest
from django.core import mail
from django_q.models import Schedule

from cms.models import Notification
from cms.schedules import apply_schedules
from courses import services, tasks

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def setup(trainee, other_trainee, course, lessons, leader_east):
    trainee.user.email = "zhangsan@example.com"
    trainee.user.save()
    soon = services.enrol(
        officer=trainee, course=course, by=None, due_date=TODAY + datetime.timedelta(days=3)
    )
    late = services.enrol(
        officer=other_trainee, course=course, by=None, due_date=TODAY - datetime.timedelta(days=1)
    )
    return soon, late


def test_notices_are_sent_once(setup, trainee, other_trainee, leader_east):
    soon, late = setup
    first = services.send_reminders(today=TODAY, days_ahead=7)
    assert first == {"due_soon": 1, "overdue": 1, "leader_summaries": 0}
    assert Notification.objects.get(recipient=trainee.user).key == f"courses.due_soon.{soon.pk}.20260313"
    assert Notification.objects.get(recipient=other_trainee.user).key == f"courses.overdue.{late.pk}.20260309"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhangsan@example.com"]
    assert Notification.objects.get(recipient=trainee.user).emailed
    again = services.send_reminders(today=TODAY, days_ahead=7)
    assert again == {"due_soon": 0, "overdue": 0, "leader_summaries": 0}
    tomorrow = services.send_reminders(today=TODAY + datetime.timedelta(days=1), days_ahead=7)
    assert tomorrow == {"due_soon": 0, "overdue": 0, "leader_summaries": 0}
    assert Notification.objects.count() == 2 and len(mail.outbox) == 1


def test_leader_gets_one_summary_of_the_overdue_in_their_subtree(
    setup, trainee, leader_east, street_east, make_officer, course
):
    soon, _late = setup  # the west officer's overdue enrolment is outside the east leader's scope
    services.send_reminders(today=TODAY, days_ahead=7)
    assert not Notification.objects.filter(recipient=leader_east).exists()
    # The east trainee becomes overdue: one summary naming them.
    services.send_reminders(today=TODAY + datetime.timedelta(days=5), days_ahead=7)
    summary = Notification.objects.get(recipient=leader_east)
    assert trainee.name in summary.body and "李四" not in summary.body
    services.send_reminders(today=TODAY + datetime.timedelta(days=6), days_ahead=7)
    assert Notification.objects.filter(recipient=leader_east).count() == 1
    # A new overdue officer makes a new summary.
    newcomer = make_officer(street_east, username="late2")
    services.enrol(officer=newcomer, course=course, by=None, due_date=TODAY)
    services.send_reminders(today=TODAY + datetime.timedelta(days=6), days_ahead=7)
    assert Notification.objects.filter(recipient=leader_east).count() == 2


def test_completed_enrolments_get_no_notice(setup, trainee):
    soon, _late = setup
    soon.completed_at = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    soon.status = "completed"
    soon.save()
    services.send_reminders(today=TODAY, days_ahead=7)
    assert not Notification.objects.filter(recipient=trainee.user).exists()


def test_schedule_exists_once_and_task_runs(setup, settings):
    apply_schedules()
    assert apply_schedules() == {"created": 0, "updated": 0}
    assert Schedule.objects.filter(name="courses-reminders", func="courses.tasks.send_reminders").count() == 1
    assert isinstance(tasks.send_reminders(), dict)
