from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Must-know exams")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from exams import integration  # app loading: registers once the app registry is ready

        integration.register()
