"""Exams get an owning unit; existing banks and exams are given one, so unit scoping applies to them."""

import django.db.models.deletion
from django.db import migrations, models


def _city(Unit):
    """The one root of the unit tree, if there is exactly one (a single city)."""
    roots = list(Unit.objects.filter(depth=1)[:2])
    return roots[0] if len(roots) == 1 else None


def backfill(apps, schema_editor):
    Unit = apps.get_model("cms", "Unit")
    QuestionBank = apps.get_model("exams", "QuestionBank")
    Exam = apps.get_model("exams", "Exam")
    city = _city(Unit)
    if city is not None:
        # A bank nobody owned was everybody's: it becomes the city's.
        QuestionBank.objects.filter(unit__isnull=True).update(unit=city)
    for exam in Exam.objects.filter(unit__isnull=True):
        owners = set(exam.banks.values_list("unit_id", flat=True))
        # An exam drawing only from one unit's banks belongs to that unit; any other exam to the city.
        owner = owners.pop() if len(owners) == 1 else (city.pk if city else None)
        if owner is not None:
            Exam.objects.filter(pk=exam.pk).update(unit_id=owner)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_roles"),
        ("exams", "0004_version_option_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="exam",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                help_text="Only staff whose scope includes this unit may change the exam.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cms.unit",
                verbose_name="Owning unit",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
