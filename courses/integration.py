"""What courses contributes to the cms shell (through cms.extensions, from CoursesConfig.ready()) and listens to:
audit labels, nav items, the "我的培训" section, schedules, demo data, and exams' attempt_finalized signal (a passed end-of-course quiz can complete a course)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import extensions
from courses import reference, schedules, services, views
from courses.models import Enrolment
from exams.signals import attempt_finalized

AUDIT_ACTIONS = {
    "courses.enrol": _("Enrolled in course"),
    "courses.enrol_bulk": _("Enrolled officers in course"),
    "courses.course_complete": _("Completed course"),
    "courses.session_register": _("Registered for training session"),
    "courses.session_cancel": _("Cancelled training registration"),
    "courses.session_promote": _("Moved up from the waiting list"),
    "courses.attendance_record": _("Recorded attendance"),
    "courses.check_in": _("Checked in"),
    "courses.check_in_locked": _("Check-in locked after too many failed tries"),
}


def overdue_figure(user, root):
    """逾期: enrolments of the subtree's officers past their due date and not completed."""
    count = (
        Enrolment.objects.filter(due_date__lt=timezone.localdate(), officer__unit__path__startswith=root.path)
        .exclude(status=Enrolment.Status.COMPLETED)
        .count()
    )
    return extensions.DashboardFigure(
        "overdue", _("Overdue courses"), count, reverse("courses_enrolment:index"), order=20
    )


def register() -> None:
    extensions.audit_actions(AUDIT_ACTIONS)
    extensions.nav_item("courses:search", _("Courses"))
    extensions.nav_item("courses:sessions", _("Training sessions"))
    extensions.nav_item("courses:my_record", _("My record"))
    extensions.my_training_section(views.my_training_section)
    extensions.schedules(schedules.SCHEDULES)
    extensions.role_permissions(reference.ROLE_PERMISSIONS)
    extensions.reference_data(reference.ensure_default_requirements)
    extensions.demo_seed("courses.demo", seed=20260103)
    extensions.dashboard_figure(overdue_figure)
    attempt_finalized.connect(services.on_attempt_finalized, dispatch_uid="courses.on_attempt_finalized")
