"""Wagtail's default groups (Moderators, Editors), workflow and task ("Moderators approval") get Chinese names."""

from django.db import migrations

from cms.roles import rename_wagtail_defaults


def rename(apps, schema_editor):
    rename_wagtail_defaults(
        apps.get_model("auth", "Group"),
        apps.get_model("wagtailcore", "Workflow"),
        apps.get_model("wagtailcore", "Task"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0005_cache_table"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
