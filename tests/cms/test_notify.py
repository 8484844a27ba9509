"""cms.notify: a notice is created once per key, and its e-mail goes out once, even when the job that created it
died before sending it (the qcluster fault test kills such a worker; the broker runs the job again)."""

from unittest import mock

import pytest
from django.core import mail

from cms.models import Notification
from cms.notify import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(username="notified", email="notified@example.com", password=None)


def remind(user):
    return notify(user, key="stage-due:7", title="阶段已逾期", body="请尽快完成", url="/me/", email=True)


def test_a_notice_and_its_email_are_sent_once(user):
    assert remind(user) is True
    assert remind(user) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["notified@example.com"]
    assert mail.outbox[0].subject == "阶段已逾期"
    assert Notification.objects.get(recipient=user).emailed


def test_a_notice_whose_job_died_before_the_email_is_emailed_by_the_next_run(user):
    # The killed run committed the notice and died before send_mail.
    Notification.objects.create(recipient=user, key="stage-due:7", title="阶段已逾期", body="请尽快完成")
    assert remind(user) is False  # not a new notice: the in-app list shows it once
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["notified@example.com"]
    assert Notification.objects.get(recipient=user).emailed
    remind(user)
    assert len(mail.outbox) == 1


def test_a_failed_send_is_left_for_the_next_run(user):
    with mock.patch("cms.notify.send_mail", return_value=0) as failed:
        assert remind(user) is True
    assert failed.called and not Notification.objects.get(recipient=user).emailed
    remind(user)
    assert len(mail.outbox) == 1 and Notification.objects.get(recipient=user).emailed


def test_without_an_address_or_without_email_nothing_is_mailed(user):
    assert notify(user, key="in-app-only", title="站内通知", email=False) is True
    user.email = ""
    user.save()
    assert remind(user) is True
    assert mail.outbox == []
    assert not Notification.objects.filter(emailed=True).exists()
