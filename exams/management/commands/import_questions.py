"""import_questions PATH --bank CODE [--format auto|xlsx|csv|gift|moodle-xml|aiken|json] [--dry-run]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from exams import services
from exams.formats import MAX_IMPORT_BYTES
from exams.models import QuestionBank

FORMAT_CHOICES = ["auto", "xlsx", "csv", "gift", "moodle-xml", "aiken", "json", "docx"]


class Command(BaseCommand):
    help = _(
        "Import questions into a bank from an xlsx/csv template, GIFT, Moodle XML, Aiken, JSON or Word (.docx) file. Any error "
        "writes nothing; questions whose stem is already in the bank are reported and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("The question file."))
        parser.add_argument(
            "--bank", required=True, help=_("Code of the question bank (created if missing).")
        )
        parser.add_argument(
            "--format", default="auto", choices=FORMAT_CHOICES, help=_("File format (default: auto).")
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check the file and report; write nothing.")
        )
        parser.add_argument("--draft", action="store_true", help=_("Import as drafts instead of publishing."))
        parser.add_argument(
            "--snap-weights",
            action="store_true",
            help=_("Move weights that are not Moodle grades (e.g. 33%%) to the nearest grade (33.33333%%)."),
        )

    def handle(self, *args, path, bank, format, dry_run, draft, snap_weights=False, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        if file.stat().st_size > MAX_IMPORT_BYTES:  # refused before reading it into memory
            raise CommandError(
                _("The file is larger than %(max)s MB.") % {"max": MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        data = file.read_bytes()
        bank_obj = QuestionBank.objects.filter(code=bank).first()
        plan = services.plan_import(
            bank=bank_obj, data=data, fmt=format, filename=file.name, snap_weights=snap_weights
        )
        for warning in plan.warnings:
            self.stderr.write(_("Warning: %(w)s") % {"w": warning})
        for dup in plan.duplicates:
            self.stderr.write(_("Duplicate: %(w)s") % {"w": dup})
        if not plan.ok:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(n)s error(s) in %(file)s; nothing was imported.")
                % {"n": len(plan.errors), "file": file.name}
            )
        if dry_run:
            self.stdout.write(
                _("Dry run: %(n)s question(s) would be imported into %(bank)s (%(d)s duplicate(s) skipped).")
                % {"n": len(plan.questions), "bank": bank, "d": len(plan.duplicates)}
            )
            return
        with transaction.atomic():
            if bank_obj is None:
                bank_obj = QuestionBank.objects.create(code=bank, name=bank)
            created = services.import_questions(
                bank=bank_obj, questions=plan.questions, by=None, publish=not draft, source=file.name
            )
        self.stdout.write(
            _("Imported %(n)s question(s) into %(bank)s (%(d)s duplicate(s) skipped).")
            % {"n": len(created), "bank": bank, "d": len(plan.duplicates)}
        )
