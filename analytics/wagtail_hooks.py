"""analytics' admin registrations: the "HR analytics" and "Selection boards" menu items, shown to superusers, HR
and unit leaders only. The pages themselves are mounted at /hr/ by analytics.urls (outside /admin/, so that a
user without the role gets 403 rather than Wagtail's login redirect)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from analytics.selectors import can_view_hr_analytics
from cms.admin_tools import permission_menu_item

HRMenuItem = permission_menu_item(can_view_hr_analytics)


@hooks.register("register_admin_menu_item")
def register_hr_analytics_menu_item():
    return HRMenuItem(
        _("HR analytics"), reverse("analytics:dashboard"), name="hr-analytics", icon_name="table", order=900
    )


@hooks.register("register_admin_menu_item")
def register_board_menu_item():
    return HRMenuItem(_("Selection boards"), reverse("analytics:board_index"), icon_name="user", order=420)
