"""Account forms."""

import unicodedata
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm
from wagtail.admin.forms.auth import PasswordResetForm as WagtailPasswordResetForm

from cms import audit


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Incorrect username or password. Passwords are case-sensitive."),
        "inactive": _("This account is inactive."),
    }


class AdminLoginForm(WagtailLoginForm):
    """The admin's sign-in form (WAGTAILADMIN_USER_LOGIN_FORM): Wagtail leaves the password label untranslated."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password")


def _same_email(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


def site_origin() -> tuple[str, bool]:
    """(host[:port], https?) of WAGTAILADMIN_BASE_URL: links in e-mails never come from the request's Host header."""
    parts = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    return parts.netloc, parts.scheme == "https"


class SiteLinkMixin:
    """Builds the reset link from WAGTAILADMIN_BASE_URL, so a forged Host header cannot redirect it."""

    def save(self, **kwargs):
        domain, https = site_origin()
        kwargs["domain_override"] = domain
        kwargs["use_https"] = https
        return super().save(**kwargs)


class PasswordResetForm(SiteLinkMixin, DjangoPasswordResetForm):
    """Also for accounts without a usable password: imported officers set their first password this way."""

    def get_users(self, email):
        User = get_user_model()
        field = User.get_email_field_name()
        users = User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        return (u for u in users if _same_email(email, getattr(u, field)))


class AdminPasswordResetForm(SiteLinkMixin, WagtailPasswordResetForm):
    """The Wagtail admin's "forgot password" form (WAGTAILADMIN_USER_PASSWORD_RESET_FORM), with the same rules."""

    get_users = PasswordResetForm.get_users


class AuditedSetPasswordForm(SetPasswordForm):
    """The new password of a reset link; the completed reset is audited (who, and from which address)."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            audit.record(actor=user, action="cms.password_reset", obj=user, object_repr=user.get_username())
        return user
