"""`manage.py seed_demo`: load the demo city (people first), then each higher app's demo data if that app has any."""

import contextlib
import importlib
import io
import logging
import random
import time
from collections import defaultdict

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, OutputWrapper
from django.db import transaction
from django.db.models.signals import post_save
from django.urls import get_resolver
from django.utils.translation import gettext as _
from modelsearch import index as search_index
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_save_signal_handler
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


@contextlib.contextmanager
def search_index_deferred():
    """Index what the block saves once, in bulk, instead of once per save.

    Wagtail (modelsearch) indexes a page, image or document on every save, through a task that reads the object
    back and rewrites its index entry; a published page is saved three times. Inside this block those handlers are
    off and only the ids of what was saved are noted; on leaving it the noted objects are indexed in bulk (also
    after a failure: the steps before it are committed, and their pages must be found). Deletions keep their
    handler, so the entries of deleted objects go at once."""
    models = [m for m in search_index.get_indexed_models() if getattr(m, "search_auto_update", True)]
    saved: dict[type, set] = defaultdict(set)

    def note(sender, instance, raw=False, **kwargs):
        if not raw:
            saved[sender].add(instance.pk)

    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
        post_save.connect(
            note, sender=model, weak=False, dispatch_uid=f"seed_demo.search.{model._meta.label}"
        )
    try:
        yield
    finally:
        for model in models:
            post_save.disconnect(sender=model, dispatch_uid=f"seed_demo.search.{model._meta.label}")
            post_save.connect(post_save_signal_handler, sender=model)
        index_objects(saved)


def index_objects(saved: dict[type, set]) -> int:
    """Index the given objects (model → ids) as the save handler would, one bulk call per model and backend: each
    object as its most specific instance (a page as its page type), if that type's indexed objects include it."""
    specific: dict[type, dict] = defaultdict(dict)
    for model, pks in saved.items():
        for obj in model._default_manager.filter(pk__in=pks):
            instance = obj.get_indexed_instance()
            if instance is not None:
                specific[type(instance)][instance.pk] = instance
    count = 0
    backends = list(get_search_backends(with_auto_update=True))
    for model, instances in specific.items():
        kept = set(model.get_indexed_objects().filter(pk__in=list(instances)).values_list("pk", flat=True))
        objects = [instance for pk, instance in instances.items() if pk in kept]
        for backend in backends:
            backend.add_bulk(model, objects)
        count += len(objects)
    return count


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
        parser.add_argument(
            "--print-logins",
            metavar="URL",
            help=_(
                "Then print the demo logins for the site served at this address, as print_demo_logins does "
                "(make run: one process less)."
            ),
        )

    def handle(self, *args, skip_apps=False, print_logins=None, verbosity=1, **options):
        out = self.stdout if verbosity > 0 else OutputWrapper(io.StringIO())
        started = time.monotonic()
        steps = [("cms.demo", demo.SEED)] + (
            [] if skip_apps else [(e.module, e.seed) for e in extensions.DEMO_SEEDS]
        )

        def progress(line: str) -> None:
            out.write(line)
            out.flush()  # shown while the step runs, also when the output goes to a pipe (`make run | tee`)

        # Wagtail's reference index would be updated by a task per saved object (≈900 of them), and its search
        # index by one per saved page: the reference index is rebuilt once at the end, and the saved pages are
        # indexed in bulk.
        # Wagtail's admin viewsets register their models with the reference index when the admin URLs are built;
        # the system checks build them, but `make run` skips the checks here, so build them before the rebuild.
        get_resolver().url_patterns  # noqa: B018
        with quiet_loggers():
            with disable_reference_index_auto_update(), search_index_deferred():
                for number, (module_name, seed) in enumerate(steps, start=1):
                    progress(
                        _("[%(n)s/%(total)s] %(step)s …")
                        % {"n": number, "total": len(steps), "step": _step_label(module_name)}
                    )
                    module = importlib.import_module(module_name)
                    with transaction.atomic():  # each app's demo data whole or not at all
                        if module is demo:
                            ensure_reference_data()
                        module.seed(stdout=out, rng=random.Random(seed))
                progress(_("Updating the search index …"))
            # Outside the block above: the command disables the automatic updates itself (the flag does not nest).
            progress(_("Updating the reference index …"))
            call_command("rebuild_references_index", stdout=io.StringIO(), verbosity=0)
        out.write(
            self.style.SUCCESS(
                _("Demo data ready in %(seconds).1f s.") % {"seconds": time.monotonic() - started}
            )
        )
        if print_logins:
            call_command("print_demo_logins", base_url=print_logins, stdout=self.stdout)
