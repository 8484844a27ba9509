"""What appraisal contributes to the shared shell, registered through cms.extensions from AppraisalConfig.ready():
audit labels (more registrations join here as the app grows)."""

from django.utils.translation import gettext_lazy as _

from cms import extensions

AUDIT_ACTIONS = {
    "appraisal.case_create": _("Recorded case file"),
    "appraisal.case_update": _("Edited case file"),
    "appraisal.case_import": _("Imported case files"),
    "appraisal.round_open": _("Opened review round"),
    "appraisal.round_draw": _("Drew case files for review"),
    "appraisal.round_close": _("Closed review round"),
    "appraisal.review_submit": _("Submitted case review"),
    "appraisal.review_correct": _("Corrected case review"),
    "appraisal.follow_up": _("Set follow-up study"),
    "appraisal.appraisal_decide": _("Recorded enforcement appraisal"),
    "appraisal.cycle_open": _("Opened appraisal cycle"),
    "appraisal.cycle_close": _("Closed appraisal cycle"),
    "appraisal.inspection_pair": _("Paired officers with enterprises for cross-enforcement"),
    "appraisal.leader_evaluation": _("Recorded leader evaluation"),
    "appraisal.inspection": _("Recorded cross-enforcement inspection"),
    "appraisal.library_propose": _("Proposed case for the library"),
}


def register() -> None:
    extensions.audit_actions(AUDIT_ACTIONS)
    # A: role permissions and the default rubrics (appraisal.reference)
    from appraisal import reference  # noqa: PLC0415

    extensions.role_permissions(reference.ROLE_PERMISSIONS)
    extensions.reference_data(reference.ensure_default_rubrics)
    # C: the personal record's section (appraisals, review results after close, cross-enforcement inspections)
    from appraisal import record  # noqa: PLC0415

    extensions.record_section(record.record_section)
    # B: the reviewer's and handler's section of 我的培训, and follow-ups finished by completing a course
    from appraisal import review_selectors  # noqa: PLC0415
    from appraisal.services import follow_ups  # noqa: PLC0415
    from courses.signals import course_completed  # noqa: PLC0415

    extensions.my_training_section(review_selectors.my_training_section)
    course_completed.connect(
        follow_ups.on_course_completed, dispatch_uid="appraisal.follow_ups.course_completed"
    )
    # D: the case library: its learner tab and the 相关案例 section under lessons
    from appraisal import library_selectors  # noqa: PLC0415

    extensions.nav_item("appraisal:library", _("Case library"))
    extensions.lesson_section(library_selectors.lesson_section)
    # The demo: case files, a closed and an open review round, the district's appraisal cycle and the case library
    extensions.demo_seed("appraisal.demo", seed=20260106)
