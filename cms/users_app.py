"""wagtail.users, with the role groups shown by their Chinese names (`cms.admin_views.groups`). Its own module:
`cms.apps` must hold a single AppConfig for Django to pick it for `cms`."""

from wagtail.users.apps import WagtailUsersAppConfig


class UsersConfig(WagtailUsersAppConfig):
    group_viewset = "cms.admin_views.groups.RoleGroupViewSet"
