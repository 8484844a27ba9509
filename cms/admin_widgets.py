"""Admin widgets for list-valued JSON fields, so staff never type JSON: tick boxes for a list of codes and a textarea
with one entry per line for a list of texts. The field stays a JSONField: the widgets read and write its JSON."""

from __future__ import annotations

import json

from django import forms


def _as_list(value) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            return []
    return list(value) if isinstance(value, list | tuple) else []


class JSONCheckboxes(forms.CheckboxSelectMultiple):
    """A JSON list of codes (e.g. staff categories) as tick boxes."""

    def format_value(self, value):
        return [str(v) for v in _as_list(value)]

    def value_from_datadict(self, data, files, name):
        return json.dumps(super().value_from_datadict(data, files, name) or [])

    def value_omitted_from_data(self, data, files, name):
        return False  # no box ticked is an empty list, not a missing value


class JSONLinesTextarea(forms.Textarea):
    """A JSON list of texts (e.g. learning objectives), one per line; blank lines are dropped."""

    def __init__(self, attrs=None):
        super().__init__({"rows": 5, **(attrs or {})})

    def format_value(self, value):
        return "\n".join(str(v) for v in _as_list(value))

    def value_from_datadict(self, data, files, name):
        text = data.get(name)
        if text is None:
            return None
        return json.dumps([line.strip() for line in text.splitlines() if line.strip()], ensure_ascii=False)
