"""Wagtail's default groups, workflow and task carry Chinese names: after migrate (cms 0006) on a fresh database,
and again from ensure_reference_data when Wagtail's English defaults reappear; a name an administrator chose stays."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Task, Workflow

from cms.reference import ensure_reference_data

pytestmark = pytest.mark.django_db


def test_migrations_leave_the_default_workflow_task_and_groups_in_chinese():
    assert Workflow.objects.filter(name="内容审核").exists()
    assert Task.objects.filter(name="审核员审核").exists()
    assert not Workflow.objects.filter(name__icontains="approval").exists()
    assert not Task.objects.filter(name__icontains="approval").exists()
    names = set(Group.objects.values_list("name", flat=True))
    assert {"审核员", "编辑"} <= names and not names & {"Moderators", "Editors"}
    # the renamed task still belongs to the renamed moderators' group
    assert list(GroupApprovalTask.objects.get(name="审核员审核").groups.values_list("name", flat=True)) == [
        "审核员"
    ]


def test_workflow_pages_show_the_chinese_names(client, superuser):
    client.force_login(superuser)
    workflows = client.get(reverse("wagtailadmin_workflows:index")).content.decode()
    tasks = client.get(reverse("wagtailadmin_workflows:task_index")).content.decode()
    assert "内容审核" in workflows and "Moderators approval" not in workflows
    assert "审核员审核" in tasks and "Moderators approval" not in tasks


def test_reference_data_renames_english_defaults_but_not_chosen_names():
    Workflow.objects.filter(name="内容审核").update(name="Moderators approval")
    Group.objects.filter(name="编辑").update(name="Editors")
    custom = Workflow.objects.create(name="Legal review")
    ensure_reference_data()
    assert Workflow.objects.filter(name="内容审核").exists()
    assert Group.objects.filter(name="编辑").exists()
    custom.refresh_from_db()
    assert custom.name == "Legal review"
