"""The "HR analytics" menu item in the Wagtail admin, shown to superusers, HR and unit leaders only."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from analytics.views import can_view_hr_analytics


class HRAnalyticsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_hr_analytics(request.user)


@hooks.register("register_admin_menu_item")
def register_hr_analytics_menu_item():
    return HRAnalyticsMenuItem(
        _("HR analytics"), reverse("analytics:dashboard"), name="hr-analytics", icon_name="table", order=900
    )


# The selection board registers its own menu item.
from analytics import board_hooks  # noqa: E402,F401
