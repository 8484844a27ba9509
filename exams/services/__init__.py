"""State changes for exams: question versions and imports, attempts (start, autosave, submit, grade, mark, regrade),
practice and the mistake book, qualifications. Each function owns its transaction and writes the audit record.

One module per topic; every name is re-exported here, so callers keep using `exams.services.<name>`. The draw pools'
cache is `exams.services._POOL_CACHE` (the same dict as `exams.services.pools._POOL_CACHE`: clear it, never rebind
it). To monkeypatch a function, patch it in the module that looks it up (e.g. `exams.services.imports.plan_import`).
"""

from exams.services.answers import SaveResult, save_answer, store_answer
from exams.services.attempts import (
    _close_departed,
    _create_attempt,
    _deadline,
    close_attempt_of_departed,
    finalize_if_overdue,
    record_tab_switch,
    schedule_auto_submit,
    start_attempt,
    submit_attempt,
    sweep_overdue_attempts,
)
from exams.services.errors import ExamError, OfficerLeftError
from exams.services.imports import (
    PREVIEW_SAMPLE,
    ImportPlan,
    check_import_job,
    plan_import,
    run_import_job,
)
from exams.services.marking import (
    _check_score,
    _finalize,
    _grade,
    _is_candidate,
    _locked_attempt_for_staff,
    _update_mistakes_from_attempt,
    mark_response,
)
from exams.services.overrides import (
    _require_override_permission,
    decide_score_override,
    regrade_question,
    request_score_override,
)
from exams.services.pools import (
    _POOL_CACHE,
    _POOL_CACHE_MAX,
    _candidate_ids,
    _published_rows,
    _query_candidate_ids,
    draw_paper,
)
from exams.services.practice import (
    practice_answer,
    practice_scope_key,
    record_practice_outcome,
    toggle_favourite,
)
from exams.services.qualifications import _add_years, issue_qualification, send_expiry_reminders
from exams.services.questions import (
    QUESTION_FIELDS,
    _question_fields,
    category_for_path,
    export_questions,
    import_questions,
    question_publish,
    question_sync_version,
)

__all__ = [
    "PREVIEW_SAMPLE",
    "QUESTION_FIELDS",
    "_POOL_CACHE",
    "_POOL_CACHE_MAX",
    "ExamError",
    "ImportPlan",
    "OfficerLeftError",
    "SaveResult",
    "_add_years",
    "_candidate_ids",
    "_check_score",
    "_close_departed",
    "_create_attempt",
    "_deadline",
    "_finalize",
    "_grade",
    "_is_candidate",
    "_locked_attempt_for_staff",
    "_published_rows",
    "_query_candidate_ids",
    "_question_fields",
    "_require_override_permission",
    "_update_mistakes_from_attempt",
    "category_for_path",
    "check_import_job",
    "close_attempt_of_departed",
    "decide_score_override",
    "draw_paper",
    "export_questions",
    "finalize_if_overdue",
    "import_questions",
    "issue_qualification",
    "mark_response",
    "plan_import",
    "practice_answer",
    "practice_scope_key",
    "question_publish",
    "question_sync_version",
    "record_practice_outcome",
    "record_tab_switch",
    "regrade_question",
    "request_score_override",
    "run_import_job",
    "save_answer",
    "schedule_auto_submit",
    "send_expiry_reminders",
    "start_attempt",
    "store_answer",
    "submit_attempt",
    "sweep_overdue_attempts",
    "toggle_favourite",
]
