"""The one way to tell a user something: an in-app notice, optionally also an e-mail. Every notice has a key
unique per recipient, so a reminder job that runs twice (or a retried task) never sends the same notice twice.
Further channels (the work messenger) plug in here."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from cms.models import Notification


def absolute_url(url: str) -> str:
    """`url` (a path from reverse(), or already absolute) as the address an e-mail reader can open."""
    if not url or "://" in url:
        return url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def notify(user, *, key: str, title, body="", url: str = "", email: bool = False) -> bool:
    """Create the notice for `user` once (per key). With `email=True` and an address on file, also send it by
    e-mail (once, with the link made absolute; also when an earlier run created the notice but did not e-mail
    it). Returns whether the notice was new. `user` may be None (an officer without an account): then nothing is
    sent."""
    if user is None:
        return False
    title = str(title)
    body = str(body)
    notice, created = Notification.objects.get_or_create(
        recipient=user, key=key, defaults={"title": title[:200], "body": body, "url": url[:300]}
    )
    if email and user.email and (created or not notice.emailed):
        _email_once(notice, user.email, title, f"{body}\n\n{absolute_url(url)}".strip())
    return created


def message_id(notice: Notification) -> str:
    """The notice's e-mail Message-ID: the same on every send of that notice, from any worker (the domain is the
    sender address's, not the host's), so a resend is recognisably the same message."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    key = hashlib.sha256(f"{notice.recipient_id}:{notice.key}".encode()).hexdigest()[:16]
    return f"<notice.{notice.pk}.{key}@{domain}>"


def _email_once(notice: Notification, address: str, subject: str, text: str) -> None:
    """E-mail a notice that has not gone out by e-mail yet, marking it in the same transaction.

    The notice is committed before its e-mail is sent, so a job killed in between (a qcluster worker; the broker
    redelivers the task) used to leave a notice that no later run would e-mail: now the next run sends it. The
    mark is written (and the row locked) before the send, so two runs at once send it once, and after the mail
    server has taken the message only the COMMIT is left to do. A send that fails rolls the mark back and is left
    for the next run.

    SMTP has no exactly-once: a worker killed between the server's acceptance and that COMMIT makes the next run
    send the notice again. It goes out as the same message (same Message-ID, `message_id`), which mail stores
    treat as a duplicate of the first."""
    with transaction.atomic():
        if not Notification.objects.filter(pk=notice.pk, emailed=False).update(emailed=True):
            return
        message = EmailMessage(subject, text, None, [address], headers={"Message-ID": message_id(notice)})
        if not message.send(fail_silently=True):
            transaction.set_rollback(True)
