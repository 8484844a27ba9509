"""`ensure_reference_data()`: the rows the product needs before anyone signs in, put in place idempotently: the role
groups with the permissions every app grants them, the Wagtail home page and site, each app's own reference rows,
and the periodic task schedules. Migrations create them on a new database; this restores them wherever they can
go missing (a test's flush, a restored partial backup) and is run by `seed_demo` and `setup_schedules`."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Task,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms import extensions
from cms.models import HomePage
from cms.roles import (
    ROLE_PERMISSIONS,
    WAGTAIL_DEFAULT_GROUPS,
    WAGTAIL_DEFAULT_TASK,
    WAGTAIL_DEFAULT_WORKFLOW,
    rename_wagtail_defaults,
)
from cms.schedules import apply_schedules

HOME_TITLE = "安监员培训与资格管理平台"
HOME_INTRO = "面向专职安监员的岗前自学、集中培训、应知应会考试、以老带新和择优选用一体化平台。"


def role_permissions() -> dict[str, list[str]]:
    """Every role's permissions: cms's own and those each app registered."""
    merged: dict[str, list[str]] = {role: list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for grants in extensions.ROLE_PERMISSIONS:
        for role, perms in grants.items():
            merged.setdefault(role, []).extend(p for p in perms if p not in merged[role])
    return merged


def ensure_roles() -> None:
    for app_config in django_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, perms in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.add(*wanted)


def ensure_home_page() -> None:
    """The root page, the zh-hans locale, the home page and the default site (through Wagtail's page tree API)."""
    if HomePage.objects.exists():
        return
    locale, _created = Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        ensure_default_moderation(root)
    home = root.add_child(instance=HomePage(title=HOME_TITLE, slug="home", locale=locale, intro=HOME_INTRO))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )


# Wagtail's migrations give a new page tree two groups with page permissions on the root (wagtailcore 0002, 0005, 0045)
# and, from the moderators' publish permission, a one-task moderation workflow on the root (0048); cms 0006 names
# them in Chinese. A flush removes them with the tree, and without a workflow nothing can be submitted for
# moderation (the case library's proposals refuse). Restored only together with a new root page, so a workflow an
# administrator removed on purpose from an existing tree stays removed.
DEFAULT_PAGE_PERMISSIONS = {
    WAGTAIL_DEFAULT_GROUPS["Moderators"]: ("add", "change", "publish", "lock", "unlock"),
    WAGTAIL_DEFAULT_GROUPS["Editors"]: ("add", "change"),
}


@transaction.atomic
def ensure_default_moderation(root: Page) -> None:
    """Wagtail's default groups, their root page permissions and the moderators' approval workflow on `root`."""
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    groups = {}
    for name, permission_types in DEFAULT_PAGE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        for permission_type in permission_types:
            permission = Permission.objects.get(
                content_type__app_label="wagtailcore", codename=f"{permission_type}_page"
            )
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
        groups[name] = group
    task, created = GroupApprovalTask.objects.get_or_create(name=WAGTAIL_DEFAULT_TASK["Moderators approval"])
    if created:
        task.groups.set([groups[WAGTAIL_DEFAULT_GROUPS["Moderators"]]])
    workflow, created = Workflow.objects.get_or_create(name=WAGTAIL_DEFAULT_WORKFLOW["Moderators approval"])
    if created:
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.get_or_create(page=root, defaults={"workflow": workflow})


def ensure_site_name() -> None:
    """Name the default site: Wagtail's dashboard heading shows the site's name, else its host name ("localhost")."""
    Site.objects.filter(is_default_site=True, site_name="").update(site_name=HOME_TITLE)


def ensure_reference_data() -> None:
    ensure_roles()
    rename_wagtail_defaults(Group, Workflow, Task)
    ensure_home_page()
    ensure_site_name()
    for fn in extensions.REFERENCE_DATA:
        fn()
    apply_schedules()
