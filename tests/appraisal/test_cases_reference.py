"""The default rubrics and role permissions are in place on a new database and after reference data is restored."""

from decimal import Decimal

from django.contrib.auth.models import Group

from appraisal.models import Rubric
from appraisal.reference import CASE_RUBRIC_NAME, ensure_default_rubrics
from exams.models import Category, QuestionBank


def test_the_default_case_rubric_has_six_weighted_dimensions(db):
    rubric = Rubric.objects.get(name=CASE_RUBRIC_NAME, is_default=True, unit__isnull=True)
    items = list(rubric.items.all())
    assert [i.name for i in items] == ["事实认定", "法律适用", "办案程序", "调查取证", "文书制作", "案卷归档"]
    assert rubric.total_weight == Decimal(100)
    assert all(len(i.guide) > 40 for i in items)
    leader = Rubric.objects.get(purpose=Rubric.Purpose.LEADER, is_default=True)
    assert leader.total_weight == Decimal(100)


def test_items_are_tagged_with_the_matching_knowledge_points_once_the_bank_exists(db):
    bank = QuestionBank.objects.create(name="应知应会题库", code="YZYH")
    law = Category.objects.create(bank=bank, name="法律法规")
    penalty = Category.objects.create(bank=bank, name="行政处罚法", parent=law)
    procedure = Category.objects.create(bank=bank, name="执法程序")
    ensure_default_rubrics()
    rubric = Rubric.objects.get(name=CASE_RUBRIC_NAME)
    points = {i.code: {c.path for c in i.knowledge_points.all()} for i in rubric.items.all()}
    assert points["law"] == {law.path, penalty.path}
    assert points["procedure"] == {procedure.path, penalty.path}
    assert points["archiving"] == {procedure.path}
    ensure_default_rubrics()  # idempotent
    assert Rubric.objects.filter(name=CASE_RUBRIC_NAME).count() == 1
    assert rubric.items.count() == 6


def test_roles_may_do_what_the_reference_grants(db):
    perms = lambda role: set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))  # noqa: E731
    assert {"view_casefile", "view_reviewround"} <= perms("hr")
    assert "add_reviewround" not in perms("hr")
    assert {"add_reviewround", "change_casefile"} <= perms("unit_leader")
    assert {"add_rubric", "add_reviewround"} <= perms("training_admin")
