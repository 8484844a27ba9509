"""The one way a higher app plugs into cms. cms sits at the bottom of the layering and never imports the apps
above it; each app calls these from its own `integration.register()`, run by its `AppConfig.ready()`.

What an app can contribute:
- audit action labels (`audit_actions`), shown in the audit trail and mirrored into Wagtail's log registry;
- learner navigation items (`nav_item`);
- a section of the "我的培训" page (`my_training_section`): callable(request, officer) → dict with "template" and
  its context, or None;
- a section under a lesson (`lesson_section`): callable(request, lesson) → dict with "template" and its context,
  or None (e.g. the case library's 相关案例); the lesson page is served to signed-in users only;
- a section of the personal record 一人一档 (`record_section`): callable(request, officer) → dict with "template" and
  its context, or None; the request's user may already see the officer (the record view checked);
- the lookup of an officer's current mentor (`mentor_lookup`): callable(officer) → Officer | None;
- demo data (`demo_seed`): a module path whose `seed(stdout=, rng=)` `manage.py seed_demo` runs after the people;
- periodic task schedules (`schedules`): the specs of `<app>/schedules.py`, applied by `manage.py setup_schedules`
  and by `cms.reference.ensure_reference_data()`;
- reference data (`role_permissions`, `reference_data`): what each role may do in the app (`<app>/reference.py`)
  and a callable that puts the app's own reference rows in place; `ensure_reference_data()` applies both;
- a figure on the HR / unit leader admin dashboard (`dashboard_figure`): callable(user, root_unit) → DashboardFigure
  or None, one bounded count over the unit subtree rooted at root_unit.
Registering the same thing twice (tests reload apps) changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from cms import actions
from cms.selectors import officer_of


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any
    predicate: Callable


@dataclass(frozen=True)
class DemoSeed:
    module: str
    seed: int


@dataclass(frozen=True)
class ScheduleSpec:
    """One django-q2 Schedule, identified by its name. `schedule_type` is a django_q Schedule type code."""

    name: str
    func: str
    schedule_type: str
    minutes: int | None = None
    first_run_at: datetime.time | None = None  # local time of day of the first run (daily jobs), else now


@dataclass(frozen=True)
class DashboardFigure:
    """One count on the staff dashboard (e.g. 待审核 12), with where to act on it."""

    key: str
    label: Any
    count: int
    url: str | None = None
    order: int = 0


def _is_officer(user) -> bool:
    return officer_of(user) is not None


NAV_ITEMS: list[NavItem] = [NavItem("my_training", _("My training"), _is_officer)]
MY_TRAINING_SECTIONS: list[Callable] = []
RECORD_SECTIONS: list[Callable] = []
LESSON_SECTIONS: list[Callable] = []
MENTOR_LOOKUPS: list[Callable] = []
DEMO_SEEDS: list[DemoSeed] = []
SCHEDULES: list[ScheduleSpec] = []
ROLE_PERMISSIONS: list[dict[str, list[str]]] = []
REFERENCE_DATA: list[Callable] = []
DASHBOARD_FIGURES: list[Callable] = []


def audit_actions(labels: dict[str, Any]) -> None:
    actions.register_actions(labels)


def nav_item(url_name: str, label, predicate: Callable = _is_officer) -> None:
    if not any(item.url_name == url_name for item in NAV_ITEMS):
        NAV_ITEMS.append(NavItem(url_name, label, predicate))


def my_training_section(fn: Callable) -> None:
    if fn not in MY_TRAINING_SECTIONS:
        MY_TRAINING_SECTIONS.append(fn)


def record_section(fn: Callable) -> None:
    if fn not in RECORD_SECTIONS:
        RECORD_SECTIONS.append(fn)


def lesson_section(fn: Callable) -> None:
    if fn not in LESSON_SECTIONS:
        LESSON_SECTIONS.append(fn)


def mentor_lookup(fn: Callable) -> None:
    if fn not in MENTOR_LOOKUPS:
        MENTOR_LOOKUPS.append(fn)


def demo_seed(module: str, *, seed: int) -> None:
    if not any(s.module == module for s in DEMO_SEEDS):
        DEMO_SEEDS.append(DemoSeed(module, seed))


def schedules(specs) -> None:
    for spec in specs:
        if not any(s.name == spec.name for s in SCHEDULES):
            SCHEDULES.append(spec)


def role_permissions(grants: dict[str, list[str]]) -> None:
    if grants not in ROLE_PERMISSIONS:
        ROLE_PERMISSIONS.append(grants)


def reference_data(fn: Callable) -> None:
    if fn not in REFERENCE_DATA:
        REFERENCE_DATA.append(fn)


def dashboard_figure(fn: Callable) -> None:
    if fn not in DASHBOARD_FIGURES:
        DASHBOARD_FIGURES.append(fn)


def current_mentor(officer):
    """The officer's current mentor from the first app that knows one, else None."""
    for lookup in MENTOR_LOOKUPS:
        mentor = lookup(officer)
        if mentor is not None:
            return mentor
    return None
