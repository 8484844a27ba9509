"""Shared factory_boy factories for the test suite."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.models import EmploymentSpell, Officer, Post, Specialty, StaffCategory, Unit, UserScope
from cms.reference import ensure_reference_data


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


def restore_migrated_rows() -> None:
    """A transactional test's flush removed the reference rows (role groups, home page, schedules): put them back."""
    if not Group.objects.filter(name="trainee").exists():
        ensure_reference_data()
