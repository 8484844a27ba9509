"""The exams app's reference data: what each role may do with exams (the same grants as migration 0002)."""

_MODELS = [
    "questionbank",
    "category",
    "question",
    "questionversion",
    "exam",
    "examrule",
    "examfixedquestion",
    "attempt",
    "response",
    "qualification",
    "importjob",
]
_RESULTS = ["exams.view_exam", "exams.view_attempt", "exams.view_response", "exams.view_qualification"]

ROLE_PERMISSIONS = {
    "training_admin": [
        f"exams.{verb}_{model}"
        for model in _MODELS
        for verb in ("view", "add", "change", "delete")
        if f"exams.{verb}_{model}" not in ("exams.delete_questionversion", "exams.change_questionversion")
    ],
    "hr": _RESULTS,
    "unit_leader": _RESULTS,
}
