from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("HR analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from analytics import integration  # app loading: registers once the app registry is ready

        integration.register()
