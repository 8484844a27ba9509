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


def json_lines(report: dict) -> str:
    """The report as JSON with one row (or group) a line: readable, and encoded by the C encoder (an indented dump
    goes through json's pure-Python encoder: 1,000 units × 132 months took 6–17 s, this takes well under one)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    parts = []
    for key, value in report.items():
        head = encode(key)
        if isinstance(value, list) and value:
            rows = ",\n  ".join(map(encode, value))
            rows = "  " + rows
            parts.append(f"{head}: [\n{rows}\n]")
        else:
            parts.append(f"{head}: {encode(value)}")
    return "{\n" + ",\n".join(parts) + "\n}"


def write_output(command, fmt: str, report: dict, to_csv) -> None:
    if fmt == "json":
        command.stdout.write(json_lines(report))
    else:
        command.stdout.write(to_csv(report), ending="")
