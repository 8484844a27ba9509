"""Reference data and schedules: defined once, applied idempotently, and the same as what migrations create."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django_q.models import Schedule
from wagtail.models import GroupPagePermission, Page, Site, Task, Workflow

from cms import extensions
from cms.models import HomePage
from cms.reference import ensure_reference_data, role_permissions

# Wagtail's own migrations add these to every group that can reach the admin; they are Wagtail's, not ours.
WAGTAIL_GRANTS = {"wagtaildocs.choose_document", "wagtailimages.choose_image"}


def _grants() -> dict[str, set[str]]:
    """Our role groups and their permissions (Wagtail's Editors/Moderators groups and grants left out)."""
    return {
        g.name: {
            f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.select_related("content_type")
        }
        - WAGTAIL_GRANTS
        for g in Group.objects.filter(name__in=role_permissions())
    }


@pytest.mark.django_db
def test_the_declared_role_permissions_are_exactly_what_the_migrations_granted():
    migrated = _grants()
    assert {role: set(perms) for role, perms in role_permissions().items()} == migrated


@pytest.mark.django_db
def test_every_declared_schedule_exists_after_migrate():
    assert {s.name for s in extensions.SCHEDULES} <= set(Schedule.objects.values_list("name", flat=True))
    assert {s.name for s in extensions.SCHEDULES} >= {
        "exams-sweep-overdue-attempts",
        "exams-qualification-reminders",
        "courses-reminders",
        "mentorship.nightly_sweep",
        "analytics-dashboard-snapshot",
    }


@pytest.mark.django_db
def test_ensure_reference_data_restores_what_a_flush_removed_and_is_idempotent():
    before = _grants()
    Group.objects.filter(name__in=role_permissions()).delete()
    Schedule.objects.all().delete()
    Site.objects.all().delete()
    HomePage.objects.all().delete()

    ensure_reference_data()
    assert _grants() == before
    assert Schedule.objects.count() == len(extensions.SCHEDULES)
    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk

    counts = (Group.objects.count(), Schedule.objects.count(), HomePage.objects.count(), Site.objects.count())
    ensure_reference_data()
    assert (
        Group.objects.count(),
        Schedule.objects.count(),
        HomePage.objects.count(),
        Site.objects.count(),
    ) == counts


def _moderation() -> dict:
    """What a page tree's moderation rests on: root page permissions per group, and the root's workflow."""
    root = Page.get_first_root_node()
    workflow = HomePage.objects.get().get_workflow()
    return {
        "page_permissions": {
            (g.group.name, g.permission.codename) for g in GroupPagePermission.objects.filter(page=root)
        },
        "workflow": workflow.name if workflow else None,
        "tasks": [(t.name, sorted(t.specific.groups.values_list("name", flat=True))) for t in workflow.tasks]
        if workflow
        else [],
    }


@pytest.mark.django_db
def test_a_flushed_page_tree_gets_back_the_moderation_workflow_migrations_gave_it():
    migrated = _moderation()
    assert migrated["workflow"] == "内容审核" and migrated["tasks"] == [("审核员审核", ["审核员"])]
    # A flush (a transactional test, a partial restore) empties the tree, the workflows and Wagtail's groups.
    Page.objects.filter(depth=1).delete()
    Workflow.objects.all().delete()
    Task.objects.all().delete()
    Group.objects.filter(name__in=["审核员", "编辑"]).delete()

    ensure_reference_data()
    assert _moderation() == migrated
    ensure_reference_data()
    assert (Workflow.objects.count(), Task.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_a_workflow_removed_from_an_existing_tree_stays_removed():
    Workflow.objects.all().delete()
    ensure_reference_data()
    assert HomePage.objects.get().get_workflow() is None


@pytest.mark.django_db
def test_setup_schedules_corrects_a_changed_schedule_and_keeps_its_next_run():
    row = Schedule.objects.get(name="courses-reminders")
    next_run = row.next_run
    Schedule.objects.filter(pk=row.pk).update(func="courses.tasks.gone", schedule_type=Schedule.HOURLY)
    Schedule.objects.filter(name="exams-sweep-overdue-attempts").delete()

    out = io.StringIO()
    call_command("setup_schedules", stdout=out)
    assert "新建 1 个，更正 1 个" in out.getvalue()  # commands speak the site language
    row.refresh_from_db()
    assert (row.func, row.schedule_type, row.next_run) == (
        "courses.tasks.send_reminders",
        Schedule.DAILY,
        next_run,
    )
    sweep = Schedule.objects.get(name="exams-sweep-overdue-attempts")
    assert (sweep.schedule_type, sweep.minutes) == (Schedule.MINUTES, 5)

    out = io.StringIO()
    call_command("setup_schedules", stdout=out)
    assert "新建 0 个，更正 0 个" in out.getvalue()
