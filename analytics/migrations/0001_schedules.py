"""The nightly HR dashboard snapshot (django-q2 schedule, created idempotently)."""

import datetime
import zoneinfo

from django.db import migrations


def schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    tomorrow = datetime.datetime.now(tz).date() + datetime.timedelta(days=1)
    Schedule.objects.update_or_create(
        name="analytics-dashboard-snapshot",
        defaults={
            "func": "analytics.tasks.refresh_dashboard_snapshots",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": datetime.datetime.combine(tomorrow, datetime.time(2, 30), tzinfo=tz),
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="analytics-dashboard-snapshot").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(schedules, remove)]
