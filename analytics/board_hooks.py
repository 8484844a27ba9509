"""Registers the selection board's admin URLs, menu item and audit label (imported by analytics.wagtail_hooks)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from analytics.board import may_use_boards


class BoardMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use_boards(request.user)


@hooks.register("register_admin_menu_item")
def register_board_menu_item():
    return BoardMenuItem(_("Selection boards"), reverse("analytics:board_index"), icon_name="user", order=420)
