"""What courses contributes to the cms shell and listens to: audit labels, nav items, the "我的培训" section,
and exams' attempt_finalized signal (a passed end-of-course quiz can complete a course)."""

from django.utils.translation import gettext_lazy as _

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


def register() -> None:
    from cms import audit
    from cms.context_processors import register_nav_item
    from cms.selectors import officer_of
    from cms.views import register_my_training_section
    from exams.signals import attempt_finalized

    audit.register_actions(AUDIT_ACTIONS)
    is_officer = lambda user: officer_of(user) is not None  # noqa: E731
    register_nav_item("courses:search", _("Courses"), is_officer)
    register_nav_item("courses:sessions", _("Training sessions"), is_officer)
    register_nav_item("courses:my_record", _("My record"), is_officer)

    from courses import services, views

    register_my_training_section(views.my_training_section)
    attempt_finalized.connect(services.on_attempt_finalized, dispatch_uid="courses.on_attempt_finalized")
