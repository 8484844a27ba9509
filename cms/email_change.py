"""E-mail address changes of user accounts: the old address is always told, and a change made by someone else to an
account its holder already uses waits for the holder's confirmation (a signed link sent to the new address).

The address is where password-reset links go, so whoever sets it can take the account over: HR may set it through
a roster import only while the account is a fresh trainee account nobody can log in to yet.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Role

CONFIRM_SALT = "cms.email-change"
CONFIRM_MAX_AGE = 3 * 24 * 3600  # seconds a confirmation link stays valid


def holder_must_confirm(user) -> bool:
    """Whether the account is in use: a usable password, staff rights or any role beyond trainee."""
    if user.is_superuser or user.is_staff or user.has_usable_password():
        return True
    return user.groups.exclude(name=Role.TRAINEE).exists()


def _site_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _send_after_commit(subject: str, body: str, to: str) -> None:
    def send():
        send_mail(subject, body, None, [to], fail_silently=True)

    transaction.on_commit(send)


def notify_old_address(*, user, old_email: str, new_email: str) -> None:
    """Tell the previous address that the account's address changed (sent once the change commits)."""
    if not old_email or old_email == new_email:
        return
    _send_after_commit(
        _("Your e-mail address on the training platform was changed"),
        _(
            "The e-mail address of the account “%(username)s” was changed from %(old)s to %(new)s. "
            "Password-reset links now go to the new address. If you did not expect this, tell your HR office "
            "or the platform administrator at once."
        )
        % {"username": user.get_username(), "old": old_email, "new": new_email or "—"},
        old_email,
    )


def confirmation_token(*, user, new_email: str) -> str:
    return signing.dumps({"u": user.pk, "old": user.email or "", "new": new_email}, salt=CONFIRM_SALT)


def hold_email_change(*, user, new_email: str, by) -> None:
    """Keep the address as it is; send the holder a link (to the new address) that applies the change once they
    open it signed in, and tell the old address. Audited. Call inside the caller's transaction."""
    token = confirmation_token(user=user, new_email=new_email)
    link = _site_url(reverse("email_change_confirm", args=[token]))
    _send_after_commit(
        _("Confirm your new e-mail address on the training platform"),
        _(
            "Your HR office registered %(new)s as the e-mail address of the account “%(username)s”. "
            "If this is your address, sign in and open this link within 3 days to confirm it:\n%(link)s\n\n"
            "Until you do, the account keeps its current address. If you did not expect this, ignore this e-mail."
        )
        % {"new": new_email, "username": user.get_username(), "link": link},
        new_email,
    )
    if user.email:
        _send_after_commit(
            _("A change of your e-mail address on the training platform is waiting for you"),
            _(
                "Your HR office asked to change the e-mail address of the account “%(username)s” to %(new)s. "
                "Nothing changes unless you confirm it yourself from a link sent to that address. If you did not "
                "expect this, tell your HR office or the platform administrator."
            )
            % {"username": user.get_username(), "new": new_email},
            user.email,
        )
    audit.record(
        actor=by,
        action="cms.email_change_held",
        obj=user,
        object_repr=user.get_username(),
        before={"email": user.email or ""},
        after={"requested_email": new_email},
    )


def pending_email_change(*, user, token: str) -> dict:
    """The held change a link carries ({"new", "old"}), for the signed-in holder only; a bad, expired, foreign or
    stale link is a ValidationError."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This confirmation link has expired."), code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This confirmation link is not valid."), code="invalid") from exc
    if data.get("u") != user.pk:
        raise ValidationError(_("This confirmation link is for another account."), code="other_account")
    _check_not_stale(user.email, data)
    return {"new": data["new"], "old": data.get("old", "")}


def _check_not_stale(current: str | None, data: dict) -> None:
    if (current or "") != data.get("old", ""):
        raise ValidationError(
            _("The account's e-mail address has changed since this link was sent."), code="stale"
        )


def confirm_email_change(*, user, token: str) -> str:
    """Apply a held change from its link, for the signed-in holder only; the old address is told (by the User
    save signal). Returns the new address; a bad, expired, foreign or stale link is a ValidationError."""
    data = pending_email_change(user=user, token=token)
    User = get_user_model()
    with transaction.atomic():
        locked = User._default_manager.select_for_update().get(pk=user.pk)
        _check_not_stale(locked.email, data)
        before = locked.email or ""
        locked.email = data["new"]
        locked.save(update_fields=["email"])
        audit.record(
            actor=user,
            action="cms.email_change",
            obj=locked,
            object_repr=locked.get_username(),
            before={"email": before},
            after={"email": locked.email},
        )
    user.email = locked.email
    return locked.email
