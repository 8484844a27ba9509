"""Courses permissions for the role groups, the default annual study-hours requirements and the daily reminder
schedule."""

from decimal import Decimal

from django.db import migrations


def perms(model, verbs=("view", "add", "change", "delete")):
    return [f"courses.{verb}_{model}" for verb in verbs]


def grant(apps, schema_editor):
    from cms.roles import grant_permissions

    training_admin = (
        perms("trainingsession") + perms("trainingday") + perms("registration", ("view", "add", "change"))
        + perms("attendance", ("view", "add", "change")) + perms("enrolment", ("view", "add", "change"))
        + ["courses.view_lessonprogress", "courses.view_studyhoursentry", "courses.view_annualhoursrequirement"]
        + ["wagtailadmin.access_admin"]
    )
    viewer = [
        "courses.view_trainingsession", "courses.view_trainingday", "courses.view_registration",
        "courses.view_attendance", "courses.view_enrolment", "courses.view_lessonprogress",
        "courses.view_studyhoursentry", "courses.view_annualhoursrequirement",
    ]
    hr = viewer + ["courses.add_annualhoursrequirement", "courses.change_annualhoursrequirement"]
    grant_permissions(apps, {"training_admin": training_admin, "hr": hr, "unit_leader": viewer})


def requirements(apps, schema_editor):
    Requirement = apps.get_model("courses", "AnnualHoursRequirement")
    # Defaults an administrator adjusts: pre-service and in-service training of enforcement staff.
    for category, hours in (("civil_servant", "40"), ("full_time", "40"), ("auxiliary", "24")):
        Requirement.objects.get_or_create(staff_category=category, defaults={"hours": Decimal(hours)})


def schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="courses-reminders",
        defaults={"func": "courses.tasks.send_reminders", "schedule_type": "D", "repeats": -1},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("cms", "0002_roles"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(requirements, migrations.RunPython.noop),
        migrations.RunPython(schedules, migrations.RunPython.noop),
    ]
