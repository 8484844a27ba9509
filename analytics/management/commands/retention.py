"""retention [--by none|category|unit|cohort] [--as-of DATE] [--unit CODE] --format json|csv"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import reports, selectors
from analytics.management.commands._common import parse_date, write_output


class Command(BaseCommand):
    help = _(
        # xgettext:no-python-format
        "Kaplan–Meier tenure survival (95% Greenwood bands on the log(−log) scale) and median tenure, for the "
        "whole city or per staff category, unit (rolled up over the subtree) or hire cohort."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--by",
            default="none",
            choices=["none", "category", "unit", "cohort"],
            help=_("Grouping (default: none)."),
        )
        parser.add_argument(
            "--as-of", dest="as_of", metavar="DATE", help=_("Observation date (YYYY-MM-DD); default: today.")
        )
        parser.add_argument("--unit", metavar="CODE", help=_("Restrict to this unit's subtree."))
        parser.add_argument("--format", required=True, choices=["json", "csv"], help=_("Output format."))

    def handle(self, *args, by, as_of, unit, format, **options):
        as_of_date = parse_date(as_of, "--as-of") or timezone.localdate()
        try:
            data = selectors.city_dataset(unit_code=unit)
        except selectors.UnknownUnit as exc:
            raise CommandError(str(exc))
        labels = {"all": data.root.name if data.root else _("All units")}
        if by == "unit":
            labels.update(data.unit_labels())
        elif by == "category":
            labels.update(selectors.category_labels())
        report = reports.retention_report(
            data.spells,
            by=by,
            as_of=as_of_date,
            units=data.units,
            labels=labels,
            group_order=selectors.category_order() if by == "category" else None,
        )
        write_output(self, format, report, reports.retention_csv)
