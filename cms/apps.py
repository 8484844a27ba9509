from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("People and organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import csp, signals  # app loading: both import models

        signals.connect()
        csp.allow_wagtail_chooser_scripts()
