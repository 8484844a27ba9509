"""What exams contributes to the cms shell, registered through cms.extensions from ExamsConfig.ready(): audit
labels, the "我的考试" and practice nav items, the my-training section, the periodic schedules, the demo bank, and
the receivers of cms's officer signals."""

from django.utils.translation import gettext_lazy as _

from cms import extensions
from exams import receivers, reference, schedules, views

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
    receivers.connect()
    extensions.audit_actions(AUDIT_ACTIONS)
    extensions.nav_item("exams:exam_list", _("My exams"))
    extensions.nav_item("exams:practice_home", _("Practice"))
    extensions.my_training_section(views.my_training_section)
    extensions.schedules(schedules.SCHEDULES)
    extensions.role_permissions(reference.ROLE_PERMISSIONS)
    extensions.demo_seed("exams.demo", seed=20260102)
