"""The tool pages' admin URLs, mounted under /admin/exams/ by exams.wagtail_hooks (names are not namespaced)."""

from django.urls import path

from exams.admin_views import imports, marking, overrides, questions, results

urlpatterns = [
    path("import/", imports.import_upload, name="exams_import"),
    path("import/template.xlsx", imports.import_template, name="exams_import_template"),
    path("import/template.docx", imports.import_template_docx, name="exams_import_template_docx"),
    path("import/<int:job_id>/confirm/", imports.import_confirm, name="exams_import_confirm"),
    path("import/<int:job_id>/", imports.import_status, name="exams_import_status"),
    path("questions/<int:question_id>/preview/", questions.question_preview, name="exams_question_preview"),
    path("questions/<int:question_id>/regrade/", questions.question_regrade, name="exams_question_regrade"),
    path("questions/publish/", questions.question_bulk_publish, name="exams_question_bulk_publish"),
    path("results/", results.results_index, name="exams_results"),
    path("results/<int:exam_id>/", results.exam_results, name="exams_results_exam"),
    path("results/<int:exam_id>/items/", results.item_statistics, name="exams_item_statistics"),
    path("attempts/<int:attempt_id>/", results.attempt_review, name="exams_attempt_review"),
    path("marking/", marking.marking_queue, name="exams_marking"),
    path("marking/<int:response_id>/", marking.mark_response, name="exams_mark_response"),
    path(
        "overrides/request/<int:response_id>/",
        overrides.score_override_request,
        name="exams_score_override_request",
    ),
    path("overrides/", overrides.score_override_queue, name="exams_score_overrides"),
    path(
        "overrides/<int:override_id>/decide/",
        overrides.score_override_decide,
        name="exams_score_override_decide",
    ),
]
