from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = _("Mentoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import audit
        from cms.context_processors import register_nav_item
        from cms.views import register_mentor_lookup, register_my_training_section
        from mentorship import integration, receivers  # noqa: F401

        audit.register_actions(integration.AUDIT_ACTIONS)
        register_mentor_lookup(integration.current_mentor)
        register_my_training_section(integration.my_training_section)
        register_nav_item("mentorship:dashboard", _("Mentoring"), integration.shows_mentoring)
