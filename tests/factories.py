"""Shared factory_boy factories for the test suite."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.models import EmploymentSpell, Officer, Post, Specialty, StaffCategory, Unit, UserScope


def make_unit(code: str, name: str, kind: str = Unit.Kind.STREET, parent: Unit | None = None) -> Unit:
    """Units live in a treebeard tree, so they are made through add_root/add_child, not a plain factory."""
    existing = Unit.objects.filter(code=code).first()
    if existing:
        return existing
    if parent is None:
        return Unit.add_root(code=code, name=name, kind=kind)
    parent.refresh_from_db()
    return parent.add_child(code=code, name=name, kind=kind)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Passw0rd!2026")
    is_active = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role))


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("name",)

    name = factory.Iterator(
        ["危险化学品", "消防", "建筑施工", "工贸", "特种设备", "交通运输", "应急救援", "法律"]
    )


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    user = factory.SubFactory(UserFactory)
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"测试人员{n}")
    unit = None
    staff_category = StaffCategory.FULL_TIME
    status = Officer.Status.ACTIVE


class EmploymentSpellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmploymentSpell

    officer = factory.SubFactory(OfficerFactory)
    unit = factory.LazyAttribute(lambda o: o.officer.unit)
    staff_category = factory.LazyAttribute(lambda o: o.officer.staff_category)
    hire_date = datetime.date(2022, 3, 1)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    title = factory.Sequence(lambda n: f"岗位{n}")
    unit = None


def make_staff(username: str, role: str, unit: Unit, **kwargs):
    """A staff account (HR, unit leader, training admin) scoped to `unit`'s subtree."""
    user = UserFactory(username=username, roles=[role], **kwargs)
    UserScope.objects.update_or_create(user=user, defaults={"unit": unit})
    return user


# Data migrations whose rows a transactional test's flush removes (role groups and permissions, the home page,
# schedules). The version backfill in exams 0004 has nothing to restore.
RESTORABLE_DATA_MIGRATIONS = [
    "cms.migrations.0002_roles",
    "exams.migrations.0002_permissions_and_schedules",
    "courses.migrations.0002_permissions_and_schedules",
    "mentorship.migrations.0002_permissions_and_schedule",
    "analytics.migrations.0001_schedules",
]


def restore_migrated_rows() -> None:
    """Replay the data migrations above (each is idempotent) when a flush has removed their rows."""
    import importlib

    from django.apps import apps
    from django.db import migrations

    if Group.objects.filter(name="trainee").exists():
        return
    for name in RESTORABLE_DATA_MIGRATIONS:
        module = importlib.import_module(name)
        for operation in module.Migration.operations:
            if isinstance(operation, migrations.RunPython):
                operation.code(apps, None)
    _restore_home_page()


def _restore_home_page() -> None:
    """Wagtail's root page, locale and site went with the flush too: rebuild them through the page tree API."""
    from wagtail.models import Locale, Page, Site

    from cms.models import HomePage

    if HomePage.objects.exists():
        return
    locale, _ = Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.add_child(instance=HomePage(title="安监员培训与资格管理平台", slug="home", locale=locale))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
