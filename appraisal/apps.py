from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "appraisal"
    verbose_name = _("Enforcement appraisal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from appraisal import integration  # app loading: registers once the app registry is ready

        integration.register()
