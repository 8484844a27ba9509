"""cms.notify: a notice is created once per key, and its e-mail goes out once, even when the job that created it
died before sending it (the qcluster fault test kills such a worker; the broker runs the job again)."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction

from cms.models import Notification
from cms.notify import message_id, notify
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
    with mock.patch.object(EmailMessage, "send", return_value=0) as failed:
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


class Killed(Exception):
    """Stands for a worker killed after the mail server took the message, before the COMMIT."""


def test_a_resend_after_a_kill_between_send_and_commit_is_the_same_message(user):
    # The mark and the send share one transaction: a kill before the COMMIT rolls the mark back, so the next run
    # sends again (SMTP has no exactly-once), as the same message by Message-ID, which mail stores drop.
    notice = Notification.objects.create(
        recipient=user, key="stage-due:7", title="阶段已逾期", body="请尽快完成"
    )
    with pytest.raises(Killed), transaction.atomic():
        remind(user)
        raise Killed
    assert not Notification.objects.get(pk=notice.pk).emailed
    remind(user)
    remind(user)
    assert Notification.objects.get(pk=notice.pk).emailed
    assert [m.message()["Message-ID"] for m in mail.outbox] == [message_id(notice)] * 2


def test_the_message_id_is_the_same_from_every_worker_and_differs_between_notices(user, settings):
    remind(user)
    notify(user, key="inactive:7", title="长期未学习", email=True)
    a, b = Notification.objects.filter(recipient=user).order_by("pk")
    assert [m.message()["Message-ID"] for m in mail.outbox] == [message_id(a), message_id(b)]
    assert re.fullmatch(rf"<notice\.{a.pk}\.[0-9a-f]{{16}}@anjian\.local>", message_id(a))
    assert message_id(a) != message_id(b)
    settings.DEFAULT_FROM_EMAIL = "培训平台 <noreply@train.example.gov.cn>"
    assert message_id(a).endswith("@train.example.gov.cn>")


def test_the_mark_is_held_while_sending_so_a_concurrent_run_cannot_send_too(user):
    seen = []

    def sending(message, fail_silently=False):
        seen.append(Notification.objects.get(recipient=user).emailed)
        return 1

    with mock.patch.object(EmailMessage, "send", sending):
        remind(user)
    assert seen == [True]
    assert Notification.objects.get(recipient=user).emailed
