"""Self-study curriculum, enrolments and progress, centralized training sessions and study hours."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses and training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from courses import integration  # app loading: registers once the app registry is ready

        integration.register()
