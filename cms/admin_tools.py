"""The building blocks every app's admin screens share: a menu entry for a tool page (`ToolViewSet`), a menu item
shown only to users a predicate admits, the render/require helpers of function-based admin views, and the one
spreadsheet export (xlsx or csv, user text always written as text, never as a formula)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from openpyxl import Workbook
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from cms.exports import append_row, csv_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def permission_menu_item(predicate: Callable) -> type[MenuItem]:
    """A MenuItem class shown only when `predicate(user)` is true."""

    class PermissionMenuItem(MenuItem):
        def is_shown(self, request):
            return bool(predicate(request.user))

    return PermissionMenuItem


class ToolViewSet(ViewSet):
    """A menu entry for a tool page registered elsewhere (by URL name), shown only to users `shown` admits:

    ToolViewSet("exams_import_tool", menu_label=_("Import questions"), icon="download",
                url_name="exams_import", shown=lambda user: user.has_perm("exams.add_question"))
    """

    url_name = ""
    shown: Callable | None = None

    def is_shown(self, user) -> bool:
        return bool(self.shown(user))

    @cached_property
    def menu_url(self):
        return reverse(self.url_name)

    @cached_property
    def menu_item_class(self):
        return permission_menu_item(self.is_shown)


def render(request, template: str, title, context: dict, *, subtitle="", icon: str = "doc-full"):
    """A Wagtail admin page: the header title, subtitle and icon the admin base template expects."""
    return TemplateResponse(
        request,
        template,
        {
            "page_title": title,
            "header_title": title,
            "page_subtitle": subtitle,
            "header_icon": icon,
            **context,
        },
    )


def require(request, perm: str | Callable) -> None:
    """PermissionDenied unless the user holds `perm` (a permission name, or a predicate taking the user)."""
    allowed = perm(request.user) if callable(perm) else request.user.has_perm(perm)
    if not allowed:
        raise PermissionDenied


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else value


def spreadsheet_response(
    filename: str, headers: Iterable, rows: Iterable[Iterable], *, fmt: str = "xlsx", sheet_title: str = ""
) -> HttpResponse:
    """One download: xlsx (default) or csv with a BOM so Excel reads Chinese. Every user string is written as
    text, never as a formula (cms.exports). `filename` may hold Chinese; it is sent RFC 5987-encoded."""
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")
        writer = csv.writer(buf)
        writer.writerow(csv_row(headers))
        writer.writerows(csv_row(_cell(v) for v in row) for row in rows)
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        wb = Workbook()
        ws = wb.active
        if sheet_title:
            ws.title = sheet_title[:31]
        append_row(ws, headers)
        for row in rows:
            append_row(ws, [_cell(v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    ascii_name = filename.encode("ascii", "ignore").decode() or f"export.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
