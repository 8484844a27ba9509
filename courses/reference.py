"""The courses app's reference data: role grants (as migration 0002) and the default annual study-hours
requirements an administrator then adjusts."""

from decimal import Decimal

from courses.models import AnnualHoursRequirement


def _perms(model, verbs=("view", "add", "change", "delete")):
    return [f"courses.{verb}_{model}" for verb in verbs]


_VIEWER = [
    "courses.view_trainingsession",
    "courses.view_trainingday",
    "courses.view_registration",
    "courses.view_attendance",
    "courses.view_enrolment",
    "courses.view_lessonprogress",
    "courses.view_studyhoursentry",
    "courses.view_annualhoursrequirement",
]

ROLE_PERMISSIONS = {
    "training_admin": _perms("trainingsession")
    + _perms("trainingday")
    + _perms("registration", ("view", "add", "change"))
    + _perms("attendance", ("view", "add", "change"))
    + _perms("enrolment", ("view", "add", "change"))
    + ["courses.view_lessonprogress", "courses.view_studyhoursentry", "courses.view_annualhoursrequirement"]
    + ["wagtailadmin.access_admin"],
    "hr": _VIEWER + ["courses.add_annualhoursrequirement", "courses.change_annualhoursrequirement"],
    "unit_leader": _VIEWER,
}

# Pre-service and in-service training hours of enforcement staff, per staff category.
DEFAULT_ANNUAL_HOURS = {
    "civil_servant": Decimal("40"),
    "full_time": Decimal("40"),
    "auxiliary": Decimal("24"),
}


def ensure_default_requirements() -> None:
    for category, hours in DEFAULT_ANNUAL_HOURS.items():
        AnnualHoursRequirement.objects.get_or_create(staff_category=category, defaults={"hours": hours})
