"""Listing columns of the exams screens: a link with its own text (the 成绩 and 预览 columns), never a bare URL."""

from __future__ import annotations

from django.utils.html import format_html
from wagtail.admin.ui.tables import Column


class LinkColumn(Column):
    """A column whose cell is a link to `url(obj)` reading `text` (e.g. "查看成绩")."""

    def __init__(self, name, *, url, text, **kwargs):
        super().__init__(name, **kwargs)
        self.url = url
        self.text = text

    def get_value(self, instance):
        return format_html('<a href="{}">{}</a>', self.url(instance), self.text)
