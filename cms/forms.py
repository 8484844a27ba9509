"""Account forms."""

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Incorrect username or password. Passwords are case-sensitive."),
        "inactive": _("This account is inactive."),
    }


def _same_email(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


class PasswordResetForm(DjangoPasswordResetForm):
    """Also for accounts without a usable password: imported officers set their first password this way."""

    def get_users(self, email):
        User = get_user_model()
        field = User.get_email_field_name()
        users = User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        return (u for u in users if _same_email(email, getattr(u, field)))
