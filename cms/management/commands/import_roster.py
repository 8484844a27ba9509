"""`manage.py import_roster PATH [--dry-run]`: import a roster file (.xlsx or .csv), all or nothing."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms.roster import format_error
from cms.roster.apply import can_import_roster, roster_import


class Command(BaseCommand):
    help = (
        "Import a roster (.xlsx or .csv, Chinese or English headers): one row per employment spell. "
        "Every bad row is reported with its row number; any error means nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx or .csv file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="record this account as the actor in the audit trail and import only within its units "
            "(default: the system, everywhere)",
        )

    def handle(self, *args, path, dry_run=False, user=None, **options):
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        actor = None
        if user:
            User = get_user_model()
            try:
                actor = User.objects.get(**{User.USERNAME_FIELD: user})
            except User.DoesNotExist as exc:
                raise CommandError(_("No user account named “%(username)s”.") % {"username": user}) from exc
            if not can_import_roster(actor):
                raise CommandError(
                    _("The account “%(username)s” may not import rosters (it needs the HR role).")
                    % {"username": user}
                )
        result = roster_import(
            actor=actor, file_name=file_path.name, data=file_path.read_bytes(), dry_run=dry_run
        )
        if result.errors:
            for error in result.errors:
                self.stderr.write(format_error(error))
            count = len(result.errors)
            raise CommandError(
                ngettext(
                    "%(count)d error in %(file)s: nothing was imported.",
                    "%(count)d errors in %(file)s: nothing was imported.",
                    count,
                )
                % {"count": count, "file": file_path.name}
            )
        report = result.report()
        self.stdout.write(summary_text(report))
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))


def summary_text(report: dict) -> str:
    officers, spells = report["officers"], report["spells"]
    lines = [
        _("Rows read: %(rows)d") % {"rows": report["rows"]},
        _("Officers: %(create)d created, %(update)d updated, %(unchanged)d unchanged") % officers,
        _("Employment spells: %(create)d created, %(update)d updated, %(unchanged)d unchanged") % spells,
        _("User accounts created: %(count)d") % {"count": report["users_created"]},
        _("Units created: %(count)d") % {"count": report["units_created"]},
    ]
    lines += [f"  + {unit['path']} ({unit['code']})" for unit in report["units"]]
    return "\n".join(lines)
