"""Searchable choosers for long lists on staff forms (officers, units), scoped to the user's unit subtree, and the
widget that picks several rows through them. The modal lists, searches and returns only rows of the user's scope
(`scope(user)`); the form field behind the widget is narrowed to the same rows, so a forged id is refused on save."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from cms.models import Officer, Unit
from cms.selectors import officers_visible_to, units_editable_by


class ScopedSearchForm(BaseFilterForm):
    """The chooser's search box: a case-insensitive match on the viewset's `search_fields`."""

    q = forms.CharField(
        label=_("Search term"), widget=forms.TextInput(attrs={"placeholder": _("Search")}), required=False
    )
    search_fields: tuple[str, ...] = ()

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            match = Q()
            for field in self.search_fields:
                match |= Q(**{f"{field}__icontains": query})
            objects = objects.filter(match)
        return objects


class ScopedChooserMixin:
    """Every chooser view reads rows through the viewset's `scope(user)`: out of scope is not listed and a chosen id
    out of scope answers 404."""

    scope = None

    def get_object_list(self):
        return self.scope(self.request.user)

    def get_object(self, pk):
        try:
            return self.scope(self.request.user).get(pk=pk)
        except (self.model_class.DoesNotExist, ValueError) as exc:
            raise Http404 from exc

    def get_objects(self, pks):
        return self.scope(self.request.user).filter(pk__in=pks)


class ScopedChooseView(ScopedChooserMixin, chooser_views.ChooseView):
    pass


class ScopedChooseResultsView(ScopedChooserMixin, chooser_views.ChooseResultsView):
    pass


class ScopedChosenView(ScopedChooserMixin, chooser_views.ChosenView):
    pass


class ScopedChosenMultipleView(ScopedChooserMixin, chooser_views.ChosenMultipleView):
    pass


class ScopedChooserViewSet(ChooserViewSet):
    """A chooser whose rows are `scope(user)`, searched on `search_fields` (a plain database match)."""

    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView
    register_widget = False
    per_page = 20
    search_fields: tuple[str, ...] = ()

    def scope(self, user):
        raise NotImplementedError

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(scope=self.scope, **kwargs)

    # Wagtail's own properties, plus the search form (the base viewset offers search only for indexed models).
    @property
    def choose_view(self):
        return self.construct_view(
            self.choose_view_class,
            icon=self.icon,
            page_title=self.page_title,
            search_tab_label=self.search_tab_label,
            creation_tab_label=self.creation_tab_label,
            filter_form_class=self.search_form_class,
        )

    @property
    def choose_results_view(self):
        return self.construct_view(self.choose_results_view_class, filter_form_class=self.search_form_class)

    @cached_property
    def search_form_class(self):
        return type("SearchForm", (ScopedSearchForm,), {"search_fields": self.search_fields})

    def multiple_widget(self, **kwargs):
        return MultipleChooserWidget(chooser=self, **kwargs)


class MultipleChooserWidget(forms.Widget):
    """Several rows chosen through a chooser modal: the chosen ones listed with a remove button, and an add button
    that opens the chooser (search, tick several, confirm). Without JavaScript the list can still be cleared."""

    template_name = "cms/widgets/multiple_chooser.html"

    def __init__(self, *, chooser: ScopedChooserViewSet, add_label=None, attrs=None):
        super().__init__(attrs)
        self.chooser = chooser
        self.add_label = add_label or _("Add…")
        self.choices = ()  # set by ModelMultipleChoiceField; never iterated (it may hold hundreds of officers)

    @property
    def media(self):
        return forms.Media(
            js=[
                "wagtailadmin/js/modal-workflow.js",
                "wagtailadmin/js/chooser-modal.js",
                "cms/multiple_chooser.js",
            ]
        )

    def format_value(self, value):
        return [str(v.pk if hasattr(v, "pk") else v) for v in (value or []) if v not in ("", None)]

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])

    def value_omitted_from_data(self, data, files, name):
        return False  # nothing chosen is an empty list

    def render(self, name, value, attrs=None, renderer=None):
        pks = [pk for pk in self.format_value(value) if pk.isdigit()]
        model = self.chooser.model
        by_pk = {str(obj.pk): obj for obj in model._default_manager.filter(pk__in=pks)} if pks else {}
        chosen = [{"pk": pk, "label": self.chooser.label(by_pk[pk])} for pk in pks if pk in by_pk]
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        return render_to_string(
            self.template_name,
            {
                "name": name,
                "chosen": chosen,
                "chooser_url": reverse(self.chooser.get_url_name("choose")),
                "add_label": self.add_label,
                "attrs": flatatt({k: v for k, v in final_attrs.items() if k == "id"}),
            },
        )


class OfficerChooserViewSet(ScopedChooserViewSet):
    model = Officer
    icon = "user"
    choose_one_text = _("Choose officers")
    search_fields = ("name", "employee_no", "unit__name")
    url_prefix = "officer-chooser"
    name = "officer_chooser"

    def scope(self, user):
        return officers_visible_to(user).select_related("unit").order_by("unit__path", "name")

    @staticmethod
    def label(officer):
        return f"{officer.name}（{officer.employee_no} · {officer.unit.name}）"


class UnitChooserViewSet(ScopedChooserViewSet):
    model = Unit
    icon = "site"
    choose_one_text = _("Choose units")
    search_fields = ("name", "code")
    url_prefix = "unit-chooser"
    name = "unit_chooser"

    def scope(self, user):
        return units_editable_by(user).order_by("path")

    @staticmethod
    def label(unit):
        return str(unit)


officer_chooser_viewset = OfficerChooserViewSet()
unit_chooser_viewset = UnitChooserViewSet()
