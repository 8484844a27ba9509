"""Admin strings Wagtail 7.4 ships without a zh-hans translation. Listing them here puts them in cms's catalogue,
which Django reads before Wagtail's (cms comes first in INSTALLED_APPS), so the admin speaks one language."""

from django.utils.translation import gettext_noop

WAGTAIL_STRINGS = (
    gettext_noop("New: %(model_name)s"),
    gettext_noop("No %(model_name)s match your query."),
    gettext_noop("Exploring"),
    gettext_noop("Search all pages…"),
)
