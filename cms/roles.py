"""The role groups and the model permissions cms grants them. Higher apps declare theirs in `<app>/reference.py`
(registered through cms.extensions); `cms.reference.ensure_reference_data()` applies them all."""

from django.contrib.auth.management import create_permissions

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "trainee": [],
    "mentor": [],
    "hr": [
        "wagtailadmin.access_admin",
        "cms.view_unit",
        "cms.add_unit",
        "cms.change_unit",
        "cms.view_officer",
        "cms.add_officer",
        "cms.change_officer",
        "cms.view_employmentspell",
        "cms.add_employmentspell",
        "cms.change_employmentspell",
        "cms.view_post",
        "cms.add_post",
        "cms.change_post",
        "cms.view_auditevent",
        "cms.view_specialty",
        "cms.add_specialty",
    ],
    "training_admin": [
        "wagtailadmin.access_admin",
        "cms.view_unit",
        "cms.view_officer",
        "cms.view_employmentspell",
    ],
    "unit_leader": [
        "wagtailadmin.access_admin",
        "cms.view_unit",
        "cms.view_officer",
        "cms.view_employmentspell",
        "cms.view_post",
        "cms.view_auditevent",
    ],
}


def grant_permissions(apps, role_permissions: dict[str, list[str]]) -> None:
    """For data migrations: create the groups and give them permissions (creating permission rows if needed)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in role_permissions.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)


# Wagtail's own migrations create two groups and, from the Moderators' publish permission, a default workflow and
# task, all named in English. They are data, not catalogue strings, so they are renamed once (cms 0006, and by
# ensure_reference_data after a flush). Only the untouched defaults are renamed; a name an administrator chose stays.
WAGTAIL_DEFAULT_GROUPS = {"Moderators": "审核员", "Editors": "编辑"}
WAGTAIL_DEFAULT_WORKFLOW = {"Moderators approval": "内容审核"}
WAGTAIL_DEFAULT_TASK = {"Moderators approval": "审核员审核"}


def rename_wagtail_defaults(Group, Workflow, Task) -> None:
    """Give Wagtail's default groups, workflow and task their Chinese names (historical or real models)."""
    for models_, names in (
        (Group, WAGTAIL_DEFAULT_GROUPS),
        (Workflow, WAGTAIL_DEFAULT_WORKFLOW),
        (Task, WAGTAIL_DEFAULT_TASK),
    ):
        for english, chinese in names.items():
            if not models_.objects.filter(name=chinese).exists():
                models_.objects.filter(name=english).update(name=chinese)
