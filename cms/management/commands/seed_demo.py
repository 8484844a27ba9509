"""`manage.py seed_demo`: load the demo city (people first), then each higher app's demo data if that app has any."""

import contextlib
import importlib
import io
import logging
import random
import time

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, OutputWrapper
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.signal_handlers import disable_reference_index_auto_update

from cms import demo, extensions
from cms.reference import ensure_reference_data

# Loggers that speak once per saved page or per background task: a seed saves hundreds of rows, and a line each
# buries the summary.
CHATTY_LOGGERS = ("wagtail", "django_tasks")


@contextlib.contextmanager
def quiet_loggers(names=CHATTY_LOGGERS, level=logging.WARNING):
    loggers = [logging.getLogger(name) for name in names]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in zip(loggers, before, strict=True):
            logger.setLevel(old)


def _step_label(module_name: str) -> str:
    """The app's own name (人员与组织, 应知应会考试 …) for a progress line."""
    try:
        return str(apps.get_app_config(module_name.split(".")[0]).verbose_name)
    except LookupError:
        return module_name


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
        steps = [("cms.demo", demo.SEED)] + (
            [] if skip_apps else [(e.module, e.seed) for e in extensions.DEMO_SEEDS]
        )
        # Wagtail's reference index would be updated by a task per saved object (≈900 of them); it is rebuilt once
        # at the end instead.
        with quiet_loggers():
            with disable_reference_index_auto_update():
                for number, (module_name, seed) in enumerate(steps, start=1):
                    out.write(
                        _("[%(n)s/%(total)s] %(step)s …")
                        % {"n": number, "total": len(steps), "step": _step_label(module_name)}
                    )
                    module = importlib.import_module(module_name)
                    with transaction.atomic():  # each app's demo data whole or not at all
                        if module is demo:
                            ensure_reference_data()
                        module.seed(stdout=out, rng=random.Random(seed))
            out.write(_("Updating the reference index …"))
            call_command("rebuild_references_index", stdout=io.StringIO(), verbosity=0)
        out.write(
            self.style.SUCCESS(
                _("Demo data ready in %(seconds).1f s.") % {"seconds": time.monotonic() - started}
            )
        )
