"""`manage.py setup_schedules`: create or correct the periodic task schedules every app declares."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cms.schedules import apply_schedules


class Command(BaseCommand):
    help = _("Create or correct the periodic task schedules of every app (idempotent).")

    def handle(self, *args, **options):
        counts = apply_schedules()
        self.stdout.write(
            _("Schedules: %(created)d created, %(updated)d corrected.")
            % {"created": counts["created"], "updated": counts["updated"]}
        )
