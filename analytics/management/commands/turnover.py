"""turnover --period month|quarter|year [--by none|unit|category] [--from DATE] [--to DATE] [--unit CODE] --format json|csv"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import reports, selectors
from analytics.management.commands._common import parse_date, write_output


class Command(BaseCommand):
    help = _(
        "Headcount, hires, separations and turnover rate per month, quarter or year, for the whole city, "
        "per unit (rolled up over the subtree) or per staff category."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", required=True, choices=["month", "quarter", "year"], help=_("Period length.")
        )
        parser.add_argument(
            "--by", default="none", choices=["none", "unit", "category"], help=_("Grouping (default: none).")
        )
        parser.add_argument(
            "--from",
            dest="date_from",
            metavar="DATE",
            help=_("First day (YYYY-MM-DD); default: the first hire."),
        )
        parser.add_argument(
            "--to", dest="date_to", metavar="DATE", help=_("Last day (YYYY-MM-DD); default: today.")
        )
        parser.add_argument("--unit", metavar="CODE", help=_("Restrict to this unit's subtree."))
        parser.add_argument("--format", required=True, choices=["json", "csv"], help=_("Output format."))

    def handle(self, *args, period, by, date_from, date_to, unit, format, **options):
        start = parse_date(date_from, "--from")
        end = parse_date(date_to, "--to") or timezone.localdate()
        try:
            data = selectors.city_dataset(unit_code=unit)
        except selectors.UnknownUnit as exc:
            raise CommandError(str(exc))
        if start is None:
            start = data.spells["hire_date"].min().date() if len(data.spells) else end
        if start > end:
            raise CommandError(
                _("--from (%(start)s) is after --to (%(end)s).") % {"start": start, "end": end}
            )
        labels = {"all": data.root.name if data.root else _("All units")}
        labels.update(
            data.unit_labels() if by == "unit" else selectors.category_labels() if by == "category" else {}
        )
        report = reports.turnover_report(
            data.spells,
            period=period,
            by=by,
            start=start,
            end=end,
            units=data.units,
            labels=labels,
            group_order=selectors.category_order() if by == "category" else None,
        )
        write_output(self, format, report, reports.turnover_csv)
