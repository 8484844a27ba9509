"""The one way to tell a user something: an in-app notice, optionally also an e-mail. Every notice has a key
unique per recipient, so a reminder job that runs twice (or a retried task) never sends the same notice twice.
Further channels (the work messenger) plug in here."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from cms.models import Notification


def absolute_url(url: str) -> str:
    """`url` (a path from reverse(), or already absolute) as the address an e-mail reader can open."""
    if not url or "://" in url:
        return url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def notify(user, *, key: str, title, body="", url: str = "", email: bool = False) -> bool:
    """Create the notice for `user` once (per key). With `email=True` and an address on file, also send it by
    e-mail (once, with the link made absolute). Returns whether the notice was new. `user` may be None (an
    officer without an account): then nothing is sent."""
    if user is None:
        return False
    title = str(title)
    body = str(body)
    notice, created = Notification.objects.get_or_create(
        recipient=user, key=key, defaults={"title": title[:200], "body": body, "url": url[:300]}
    )
    if created and email and user.email:
        send_mail(title, f"{body}\n\n{absolute_url(url)}".strip(), None, [user.email], fail_silently=True)
        Notification.objects.filter(pk=notice.pk).update(emailed=True)
    return created
