from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("People and organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.models import Group  # app loading

        from cms import csp, signals  # app loading: both import models
        from cms.admin_views.groups import group_str  # app loading

        signals.connect()
        csp.allow_wagtail_chooser_scripts()
        # A role group's name is its code, the key code looks it up by; wherever a group is shown as text (the
        # user form's group tick boxes, the users filter, breadcrumbs and messages) people read the role's name.
        Group.__str__ = group_str
