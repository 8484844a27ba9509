"""Wagtail admin screens for organisation and people: units, officers, posts, specialties, staff scopes and the
audit trail, grouped under one menu. Importing this package (cms.wagtail_hooks does) registers the viewsets."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from cms.admin_views.audit_trail import AuditEventViewSet
from cms.admin_views.officers import OfficerViewSet
from cms.admin_views.organisation import PostViewSet, SpecialtyViewSet, UserScopeViewSet
from cms.admin_views.scoping import (
    ScopedModelViewSet,
    ScopedPermissionPolicy,
    UnitOwnedViewSet,
    audit_events_visible_to,
    posts_visible_to,
)
from cms.admin_views.units import UnitViewSet

__all__ = [
    "AuditEventViewSet",
    "OfficerViewSet",
    "PostViewSet",
    "ScopedModelViewSet",
    "ScopedPermissionPolicy",
    "SpecialtyViewSet",
    "UnitOwnedViewSet",
    "UnitViewSet",
    "UserScopeViewSet",
    "audit_events_visible_to",
    "posts_visible_to",
]


#: Other cms admin modules (e.g. the roster import) may append a ViewSet here at import time to join this menu
#: instead of registering it themselves (cms.wagtail_hooks imports them before the viewsets are registered).
extra_people_viewsets: list = []


class PeopleViewSetGroup(ViewSetGroup):
    menu_label = _("Organisation and people")
    menu_icon = "group"
    menu_name = "people"
    menu_order = 250

    def __init__(self):
        self.items = (
            OfficerViewSet,
            UnitViewSet,
            PostViewSet,
            SpecialtyViewSet,
            *extra_people_viewsets,
            UserScopeViewSet,
            AuditEventViewSet,
        )
        super().__init__()


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()
