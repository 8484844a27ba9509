"""HR dashboard pages: permission check (HR, unit leaders, superusers; others 403), filters, scoped data, exports.

They live at hr/ rather than inside Wagtail's admin URL wrapper, which answers a user without admin access with a
redirect instead of 403; the page still uses the admin's layout and the admin menu links to it."""

from __future__ import annotations

import datetime
from html import escape

from django import forms
from django.contrib.auth.decorators import login_required
from django.forms.utils import flatatt
from django.http import Http404, QueryDict
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from analytics import selectors
from analytics.dashboard import CHART_IDS, Filters, dashboard
from cms.admin_tools import require, spreadsheet_response
from cms.models import StaffCategory
from cms.selectors import units_visible_to


class PlainSelect(forms.Select):
    """A select built in Python, markup as Django's template writes it: rendered through templates, one template
    and an attrs include per option, a province's 1,000 units cost about 0.4 s of every /hr/ load, cached or not."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = {"name": name, **self.build_attrs(self.attrs, attrs)}
        selected = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in selected else ""}>{escape(str(label))}</option>'
            for v, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")


class FilterForm(forms.Form):
    unit = forms.ChoiceField(
        label=gettext_lazy("Unit (with its subtree)"), required=False, widget=PlainSelect
    )
    category = forms.ChoiceField(label=gettext_lazy("Staff category"), required=False)
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        choices=[
            ("month", gettext_lazy("Month")),
            ("quarter", gettext_lazy("Quarter")),
            ("year", gettext_lazy("Year")),
        ],
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_visible_to(user).order_by("path").values_list("code", "name", "path")
        root_depth = min((len(p) for _c, _n, p in units), default=0)
        self.fields["unit"].choices = [("", _("Everything I can see"))] + [
            (code, "\u3000" * ((len(path) - root_depth) // 4) + name) for code, name, path in units
        ]
        self.fields["category"].choices = [("", _("All categories")), *StaffCategory.choices]

    def clean(self):
        data = super().clean()
        default = Filters.default()
        as_of = data.get("as_of") or default.as_of
        start = data.get("start") or as_of.replace(year=as_of.year - 3, day=1)
        if start > as_of:
            raise forms.ValidationError(_("“From” must not be after “As of”."))
        data["filters"] = Filters(
            unit=data.get("unit") or None,
            category=data.get("category") or None,
            period=data.get("period") or default.period,
            as_of=as_of,
            start=start,
        )
        return data


def _filters(request) -> tuple[FilterForm, Filters | None]:
    """The filters the charts use, and a form that shows exactly those: blank or missing fields are shown filled
    with the defaults that were applied (quarter, three years to today), so changing one filter keeps the rest."""
    query = request.GET.copy()
    query.pop("refresh", None)
    if not query:
        filters = Filters.default()
    else:
        form = FilterForm(query, user=request.user)
        if not form.is_valid():
            return form, None
        filters = form.cleaned_data["filters"]
    initial = {
        "unit": filters.unit or "",
        "category": filters.category or "",
        "period": filters.period,
        "start": filters.start,
        "as_of": filters.as_of,
    }
    return FilterForm(initial=initial, user=request.user), filters


@login_required
@require_GET
def dashboard_view(request):
    require(request, selectors.can_view_hr_analytics)
    form, filters = _filters(request)
    context = {
        "page_title": _("HR analytics"),
        "header_title": _("HR analytics"),
        "header_icon": "table",
        "form": form,
        "charts": [],
    }
    if filters is not None:
        try:
            result = dashboard(request.user, filters, refresh=request.GET.get("refresh") == "1")
        except selectors.UnknownUnit:
            raise Http404
        # Links (exports, recompute) carry the applied filters in full, so they match the charts on the page.
        query = QueryDict(mutable=True)
        query.update({k: str(v) for k, v in form.initial.items() if v})
        context.update(
            computed_at=datetime.datetime.fromisoformat(result["computed_at"]),
            cached=result["cached"],
            query=query.urlencode(),
            charts=[{"id": cid, **result["charts"][cid]} for cid in CHART_IDS],
            filters=filters,
        )
    return TemplateResponse(request, "analytics/dashboard.html", context)


@login_required
@require_GET
def export_view(request, chart: str, fmt: str):
    require(request, selectors.can_view_hr_analytics)
    if chart not in CHART_IDS or fmt not in ("csv", "xlsx"):
        raise Http404
    _form, filters = _filters(request)
    if filters is None:
        raise Http404
    try:
        table = dashboard(request.user, filters)["charts"][chart]["table"]
    except selectors.UnknownUnit:
        raise Http404
    stamp = timezone.localdate().isoformat()
    return spreadsheet_response(
        f"hr-{chart}-{stamp}.{fmt}", table["columns"], table["rows"], fmt=fmt, sheet_title=chart
    )
