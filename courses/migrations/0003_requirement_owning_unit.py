"""Annual study-hours requirements get an owning unit: the city, since each applies to the whole city."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    Unit = apps.get_model("cms", "Unit")
    Requirement = apps.get_model("courses", "AnnualHoursRequirement")
    roots = list(Unit.objects.filter(depth=1)[:2])
    if len(roots) == 1:
        Requirement.objects.filter(unit__isnull=True).update(unit=roots[0])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_roles"),
        ("courses", "0002_permissions_and_schedules"),
    ]

    operations = [
        migrations.AddField(
            model_name="annualhoursrequirement",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cms.unit",
                verbose_name="Owning unit",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
