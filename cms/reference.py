"""`ensure_reference_data()`: the rows the product needs before anyone signs in, put in place idempotently: the role
groups with the permissions every app grants them, the Wagtail home page and site, each app's own reference rows,
and the periodic task schedules. Migrations create them on a new database; this restores them wherever they can
go missing (a test's flush, a restored partial backup) and is run by `seed_demo` and `setup_schedules`."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from wagtail.models import Locale, Page, Site, Task, Workflow

from cms import extensions
from cms.models import HomePage
from cms.roles import ROLE_PERMISSIONS, rename_wagtail_defaults
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
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.add_child(instance=HomePage(title=HOME_TITLE, slug="home", locale=locale, intro=HOME_INTRO))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )


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
