"""Exams permissions for the role groups, and the periodic exam schedules (sweep, expiry reminders)."""

from django.db import migrations

MODELS = ["questionbank", "category", "question", "questionversion", "exam", "examrule", "examfixedquestion",
          "attempt", "response", "qualification", "importjob"]


def full(model):
    return [f"exams.{verb}_{model}" for verb in ("view", "add", "change", "delete")]


def grant(apps, schema_editor):
    from cms.roles import grant_permissions

    admin_perms = [p for m in MODELS for p in full(m) if p not in ("exams.delete_questionversion",
                                                                   "exams.change_questionversion")]
    results = ["exams.view_exam", "exams.view_attempt", "exams.view_response", "exams.view_qualification"]
    grant_permissions(apps, {"training_admin": admin_perms, "hr": results, "unit_leader": results})


def schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="exams-sweep-overdue-attempts",
        defaults={"func": "exams.tasks.sweep_overdue_attempts", "schedule_type": "I", "minutes": 5, "repeats": -1},
    )
    Schedule.objects.update_or_create(
        name="exams-qualification-reminders",
        defaults={"func": "exams.tasks.send_qualification_reminders", "schedule_type": "D", "repeats": -1},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0001_initial"),
        ("cms", "0002_roles"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(schedules, migrations.RunPython.noop),
    ]
