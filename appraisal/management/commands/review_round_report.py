"""`manage.py review_round_report --round ID --format json|csv [--xlsx PATH]`: a review round's results (DESIGN.md's
stable JSON: round, files with their reviews and final score, by_unit, by_item), or one CSV row per file; `--xlsx`
also writes the round results spreadsheet (user text as text). Writes nothing but the requested output."""

import csv
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from appraisal import outcomes
from appraisal.models import ReviewRound
from cms.admin_tools import spreadsheet_response
from cms.exports import csv_row


class Command(BaseCommand):
    help = "Print a case-review round's results as JSON or CSV (optionally also write the xlsx export)."

    def add_arguments(self, parser):
        parser.add_argument("round_id", nargs="?", type=int, help="the round's id (or --round)")
        parser.add_argument("--round", dest="round_opt", type=int, help="the round's id")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--xlsx", help="also write the round results spreadsheet to this path")

    def handle(self, *args, round_id=None, round_opt=None, format="json", xlsx=None, **options):
        pk = round_opt if round_opt is not None else round_id
        if pk is None:
            raise CommandError(_("Name the round: --round ID."))
        round_ = ReviewRound.objects.select_related("rubric").filter(pk=pk).first()
        if round_ is None:
            raise CommandError(_("No review round with id %(id)s.") % {"id": pk})
        if xlsx:
            target = Path(xlsx)
            if not target.parent.is_dir():
                raise CommandError(_("No folder for %(path)s.") % {"path": xlsx})
        results = outcomes.round_results(round_)
        if xlsx:
            headers, rows = outcomes.export_rows(results)
            response = spreadsheet_response(f"{round_.name}.xlsx", headers, rows, sheet_title=round_.name)
            target.write_bytes(response.content)
        if format == "json":
            self.stdout.write(json.dumps(outcomes.report_json(results), ensure_ascii=False, indent=2))
            return
        headers, rows = outcomes.export_rows(results)
        writer = csv.writer(self.stdout if self.stdout else sys.stdout)
        writer.writerow(csv_row(headers))
        for row in rows:
            writer.writerow(csv_row("" if v is None else v for v in row))
