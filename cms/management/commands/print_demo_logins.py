"""`manage.py print_demo_logins`: the table of demo logins (role, username, password, where to go)."""

import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cms.demo import DEMO_LOGINS, DEMO_PASSWORD
from cms.models import Officer, UserScope

# The role column is deliberately bilingual, like the README's table.
ROLE_LABELS = {
    "admin": "超级管理员 superuser",
    "demo_trainee": "学员 trainee",
    "demo_mentor": "导师 mentor",
    "demo_hr": "人事 HR",
    "demo_training": "培训管理员 training admin",
    "demo_leader": "单位负责人 unit leader",
}
LEARNER_LOGINS = {"demo_trainee", "demo_mentor"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = _("Print the demo logins (one per role) with their password and the page to open.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help=_("Address the site is served on (default: %(default)s)."),
        )

    def handle(self, *args, base_url, **options):
        try:
            users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_LOGINS)}
        except DatabaseError as exc:
            raise CommandError(
                _(
                    "The database is not ready (%(error)s). Run “python manage.py migrate” and “seed_demo” first."
                )
                % {"error": exc}
            ) from exc
        missing = [name for name in DEMO_LOGINS if name not in users or not users[name].has_usable_password()]
        if missing:
            raise CommandError(
                _("The demo data is not loaded (missing: %(names)s). Run “python manage.py seed_demo” first.")
                % {"names": ", ".join(missing)}
            )
        scopes = {
            s.user_id: s.unit
            for s in UserScope.objects.filter(user__in=users.values()).select_related("unit")
        }
        officers = {
            o.user_id: o for o in Officer.objects.filter(user__in=users.values()).select_related("unit")
        }
        base = base_url.rstrip("/")
        header = [
            _("Role"),
            pgettext("person", "Name"),
            _("Username"),
            _("Password"),
            _("Unit"),
            _("Start page"),
        ]
        rows = []
        for username in DEMO_LOGINS:
            user = users[username]
            unit = scopes.get(user.pk) or (officers[user.pk].unit if user.pk in officers else None)
            where = unit.full_name if unit else _("Whole system")
            url = f"{base}/me/" if username in LEARNER_LOGINS else f"{base}/admin/"
            rows.append([ROLE_LABELS[username], user.first_name, username, DEMO_PASSWORD, where, url])
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write(_("Demo logins"))
        for row in [header, ["-" * w for w in widths], *rows]:
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
