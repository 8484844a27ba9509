"""`manage.py import_cases PATH [--dry-run]`: import case files from an .xlsx or .csv export (appraisal.importers.cases).

Exit status 0 when the file was imported (or, with --dry-run, would import cleanly); otherwise every error is
printed with its row and column and the command fails without writing anything."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from appraisal.importers.cases import error_message, import_cases


class Command(BaseCommand):
    help = "Import case files (案卷) from a spreadsheet: idempotent on the case number, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help=".xlsx or .csv file with Chinese or English headers")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")

    def handle(self, *args, path, dry_run=False, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": path})
        result = import_cases(actor=None, file_name=file.name, data=file.read_bytes(), dry_run=dry_run)
        for error in result.errors:
            self.stderr.write(error_message(error))
        if result.errors:
            raise CommandError(_("%(count)s error(s): nothing was imported.") % {"count": len(result.errors)})
        summary = _("%(rows)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
            "rows": result.rows,
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
        }
        if dry_run:
            summary = _("Dry run, nothing written. %(summary)s") % {"summary": summary}
        self.stdout.write(self.style.SUCCESS(summary))
