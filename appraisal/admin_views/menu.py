"""The 执法考评 (enforcement appraisal) menu group of the Wagtail admin. Every part of the appraisal app adds its
entries here instead of registering a menu of its own:

    from appraisal.admin_views.menu import add_menu_item
    add_menu_item(MyViewSet("name"), order=40)   # a ViewSet instance (or class); ToolViewSet for a tool page

at import time of a module that appraisal.wagtail_hooks imports (the group is built when Wagtail asks for the
registered viewsets, after every wagtail_hooks module was imported). Items are shown in `order` (A uses 10–30:
案卷, 评查轮次, 评查标准, 导入案卷). The group also registers each item's URLs, as any Wagtail ViewSetGroup does.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup

MENU_ITEMS: list[tuple[int, object]] = []


def add_menu_item(viewset, *, order: int = 100) -> None:
    """Add a viewset to the 执法考评 group (idempotent per viewset name)."""
    name = getattr(viewset, "name", None)
    if (
        not any(getattr(v, "name", None) == name and name for _o, v in MENU_ITEMS)
        and (order, viewset) not in MENU_ITEMS
    ):
        MENU_ITEMS.append((order, viewset))


class AppraisalMenuGroup(ViewSetGroup):
    menu_label = _("Enforcement appraisal")
    menu_icon = "clipboard-list"
    menu_name = "appraisal"
    menu_order = 330

    def __init__(self):
        self.items = tuple(v for _o, v in sorted(MENU_ITEMS, key=lambda item: item[0]))
        super().__init__()
