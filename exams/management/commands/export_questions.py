"""export_questions --bank CODE --format json|xlsx|gift|moodle-xml [-o PATH]"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from exams import services
from exams.formats import FormatError, dump
from exams.models import QuestionBank


class Command(BaseCommand):
    help = _("Export a question bank as JSON, xlsx (the import template), GIFT or Moodle XML.")

    def add_arguments(self, parser):
        parser.add_argument("--bank", required=True, help=_("Code of the question bank."))
        parser.add_argument("--format", required=True, choices=["json", "xlsx", "gift", "moodle-xml"])
        parser.add_argument("-o", "--output", help=_("Output file (default: standard output)."))

    def handle(self, *args, bank, format, output, **options):
        bank_obj = QuestionBank.objects.filter(code=bank).first()
        if bank_obj is None:
            raise CommandError(_("No question bank with code %(code)s.") % {"code": bank})
        warnings: list = []
        try:
            questions = services.export_questions(bank=bank_obj, files=format in ("json", "moodle-xml"))
            data = dump(questions, format, bank_code=bank, warnings=warnings)
        except FormatError as exc:
            raise CommandError(str(exc))
        for warning in warnings:
            self.stderr.write(_("Warning: left out: %(w)s") % {"w": warning})
        if output:
            Path(output).write_bytes(data)
            self.stderr.write(_("Wrote %(path)s") % {"path": output})
        elif format == "xlsx":
            if sys.stdout.isatty():
                raise CommandError(_("xlsx is binary: give -o PATH."))
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
