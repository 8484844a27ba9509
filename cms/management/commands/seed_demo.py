"""`manage.py seed_demo`: load the demo city (people first), then each higher app's demo data if that app has any."""

import importlib
import io
import random
import time

from django.core.management.base import BaseCommand, OutputWrapper
from django.db import transaction
from django.utils.translation import gettext as _

from cms import demo, extensions
from cms.reference import ensure_reference_data


class Command(BaseCommand):
    help = _(
        "Load the demo city 示范市 (districts, street offices, officers with five years of employment history, "
        "mentors, posts and one login per role), then the demo data of exams, courses, mentorship and analytics. "
        "Deterministic and idempotent: running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-apps",
            action="store_true",
            help=_("Only load units, people and demo logins; skip the other apps' demo data."),
        )

    def handle(self, *args, skip_apps=False, verbosity=1, **options):
        out = self.stdout if verbosity > 0 else OutputWrapper(io.StringIO())
        started = time.monotonic()
        with transaction.atomic():
            ensure_reference_data()
            demo.seed(stdout=out, rng=random.Random(demo.SEED))
        if not skip_apps:
            # Each higher app registered its demo module through cms.extensions (cms never names them).
            for entry in extensions.DEMO_SEEDS:
                module = importlib.import_module(entry.module)
                if verbosity > 1:
                    out.write(_("Seeding %(module)s …") % {"module": entry.module})
                with transaction.atomic():
                    module.seed(stdout=out, rng=random.Random(entry.seed))
        out.write(
            self.style.SUCCESS(
                _("Demo data ready in %(seconds).1f s.") % {"seconds": time.monotonic() - started}
            )
        )
