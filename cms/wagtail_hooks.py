"""cms's admin registrations: the audit actions join Wagtail's log registry; importing the screen modules
registers their viewsets (the people menu group collects them); the HR / unit leader dashboard panel; the admin's
chrome for an intranet (no help link to an outside site) and its stylesheet."""

from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.text import capfirst
from wagtail import hooks
from wagtail.models import Site
from wagtail.sites import views as site_views

from cms import admin_views, wagtail_strings  # noqa: F401  (wagtail_strings: catalogue entries only)
from cms.actions import ACTION_LABELS
from cms.admin_views import sign_in  # noqa: F401  (joins the people menu)
from cms.admin_views.choosers import officer_chooser_viewset, unit_chooser_viewset
from cms.admin_views.dashboard import add_waiting_work_panel
from cms.roster import admin as roster_admin  # noqa: F401

# Wagtail's sites listing labels its port, site name and root page columns from the field names, untranslated
# ("Site name"); label them with the fields' own verbose names, which Wagtail's catalogue translates (站点名称…).
for _column in site_views.IndexView.columns:
    if _column.name in {"port", "site_name", "root_page"}:
        _column.label = capfirst(Site._meta.get_field(_column.name).verbose_name)


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    for code, label in ACTION_LABELS.items():
        actions.register_action(code, label, label)


@hooks.register("register_admin_viewset")
def register_officer_chooser():
    return officer_chooser_viewset


@hooks.register("register_admin_viewset")
def register_unit_chooser():
    return unit_chooser_viewset


@hooks.register("construct_homepage_panels")
def waiting_work_panel(request, panels):
    add_waiting_work_panel(request, panels)


@hooks.register("construct_help_menu")
def drop_outside_help_links(request, menu_items):
    # The editor guide and "what's new" live on wagtail.org, which an intranet cannot reach: dead links.
    menu_items[:] = [item for item in menu_items if not str(getattr(item, "url", "")).startswith("http")]


@hooks.register("construct_reports_menu")
def hide_site_history_below_superuser(request, menu_items):
    # cms.urls lets only superusers open Wagtail's site history (it is not scoped by unit): others see no link.
    if not request.user.is_superuser:
        menu_items[:] = [item for item in menu_items if item.name != "site-history"]


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/admin.css"))
