"""What exams contributes to the cms shell: audit labels, the "我的考试" nav item and the my-training section."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "exams.attempt_start": _("Started exam attempt"),
    "exams.attempt_submit": _("Submitted exam attempt"),
    "exams.attempt_auto_submit": _("Exam attempt submitted automatically"),
    "exams.attempt_graded": _("Graded exam attempt"),
    "exams.response_mark": _("Marked an answer"),
    "exams.score_override_request": _("Requested a score override"),
    "exams.score_override_approve": _("Approved a score override"),
    "exams.score_override_reject": _("Rejected a score override"),
    "exams.qualification_revoke": _("Revoked qualification"),
    "exams.attempt_closed_officer_left": _("Closed the exam attempt of an officer who left"),
    "exams.regrade": _("Regraded exam attempts"),
    "exams.qualification_issue": _("Issued qualification"),
    "exams.qualification_expire": _("Qualification expired"),
    "exams.question_publish": _("Published question"),
    "exams.question_import": _("Imported questions"),
}


def register() -> None:
    from cms import audit
    from cms.context_processors import register_nav_item
    from cms.selectors import officer_of
    from cms.views import register_my_training_section
    from exams import receivers

    receivers.connect()
    audit.register_actions(AUDIT_ACTIONS)
    register_nav_item("exams:exam_list", _("My exams"), lambda user: officer_of(user) is not None)
    register_nav_item("exams:practice_home", _("Practice"), lambda user: officer_of(user) is not None)

    from exams.views import my_training_section

    register_my_training_section(my_training_section)
