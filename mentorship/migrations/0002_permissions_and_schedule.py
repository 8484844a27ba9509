from django.db import migrations

PERMISSIONS = {
    "hr": ["mentorship.view_apprenticeship", "mentorship.add_pairing", "mentorship.view_pairing",
           "mentorship.view_programme", "mentorship.view_stage"],
    "training_admin": ["mentorship.view_apprenticeship", "mentorship.add_pairing", "mentorship.view_pairing",
                       "mentorship.add_programme", "mentorship.change_programme", "mentorship.view_programme",
                       "mentorship.add_stage", "mentorship.change_stage", "mentorship.view_stage",
                       "mentorship.change_mentorshipsettings"],
    "unit_leader": ["mentorship.view_apprenticeship", "mentorship.view_pairing", "mentorship.view_programme",
                    "mentorship.view_stage"],
}


def grant(apps, schema_editor):
    from cms.roles import grant_permissions

    grant_permissions(apps, PERMISSIONS)


def schedule(apps, schema_editor):
    import datetime

    from django.utils import timezone

    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    first_run = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(2, 30)))
    Schedule.objects.get_or_create(
        name="mentorship.nightly_sweep",
        defaults={"func": "mentorship.tasks.nightly_sweep", "schedule_type": "D", "repeats": -1,
                  "next_run": first_run},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0001_initial"),
        ("cms", "0002_roles"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop),
                  migrations.RunPython(schedule, migrations.RunPython.noop)]
