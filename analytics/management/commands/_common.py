"""Argument parsing shared by the turnover and retention commands."""

import datetime
import json

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def parse_date(value: str | None, option: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("Invalid date for %(option)s: %(value)s (expected YYYY-MM-DD).")
            % {"option": option, "value": value}
        )


def write_output(command, fmt: str, report: dict, to_csv) -> None:
    if fmt == "json":
        command.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        command.stdout.write(to_csv(report), ending="")
