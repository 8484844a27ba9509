"""Staff screens of exams that are not plain model forms: question import with a dry-run preview, the blank
template, question preview and bulk publish, regrade, per-exam results (scoped, xlsx export), attempt review,
the marking queue and item statistics. Thin: permission check, selectors, services."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cms.selectors import owned_rows_editable_by, owned_rows_readable_by, units_visible_to
from exams import paper, selectors, services, stats
from exams.models import Attempt, Exam, ImportJob, Question, QuestionBank, Response


def _render(request, template, title, context, subtitle=""):
    context = {
        "page_title": title,
        "header_title": title,
        "page_subtitle": subtitle,
        "header_icon": "doc-full",
        **context,
    }
    return TemplateResponse(request, template, context)


def _require(request, perm: str):
    if not request.user.has_perm(perm):
        raise PermissionDenied


# --- unit scope of banks and questions --------------------------------------------------------------------------


def banks_editable_by(user):
    """Banks the user may change, import into, publish and regrade: owned inside their subtree (city banks: city
    scope only)."""
    return owned_rows_editable_by(user, QuestionBank.objects.all())


def banks_readable_by(user):
    """Editable banks plus, read-only, those owned by an ancestor of the user's scope (the city's)."""
    return owned_rows_readable_by(user, QuestionBank.objects.all())


def questions_editable_by(user):
    return owned_rows_editable_by(user, Question.objects.all(), unit_field="bank__unit")


def questions_readable_by(user):
    return owned_rows_readable_by(user, Question.objects.all(), unit_field="bank__unit")


# --- import ---------------------------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    bank = forms.ModelChoiceField(QuestionBank.objects.none(), label=gettext_lazy("Question bank"))
    file = forms.FileField(
        label=gettext_lazy("Question file"),
        help_text=gettext_lazy("xlsx/csv template, GIFT, Moodle XML, Aiken or JSON."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("auto", gettext_lazy("Detect automatically")),
            ("xlsx", "xlsx"),
            ("csv", "csv"),
            ("gift", "GIFT"),
            ("moodle-xml", "Moodle XML"),
            ("aiken", "Aiken"),
            ("json", "JSON"),
        ],
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish imported questions"), required=False, initial=True
    )

    def clean_file(self):
        from exams.formats import MAX_IMPORT_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB.") % {"max": MAX_IMPORT_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks_editable_by(user)


def _import_jobs(user):
    """Import jobs of banks the user may import into; any other job is a 404."""
    return ImportJob.objects.filter(bank__in=banks_editable_by(user).values("pk"))


def import_upload(request):
    _require(request, "exams.add_question")
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Only stored here: the worker reads and checks the file (check_import_job); the status page shows the
        # preview once it is done.
        job = ImportJob.objects.create(
            bank=form.cleaned_data["bank"],
            filename=upload.name[:200],
            data=upload.read(),
            format=form.cleaned_data["format"],
            publish=form.cleaned_data["publish"],
            created_by=request.user,
            status=ImportJob.Status.QUEUED,
            result={"phase": "check"},
        )
        _enqueue("exams.tasks.check_import_job", job.pk, task_name=f"exams-import-check-{job.pk}")
        return redirect("exams_import_status", job_id=job.pk)
    return _render(
        request,
        "exams/admin/import_upload.html",
        _("Import questions"),
        {
            "form": form,
            "template_url": reverse("exams_import_template"),
            "jobs": _import_jobs(request.user).select_related("bank").defer("data")[:10],
        },
    )


def _enqueue(func: str, job_id: int, *, task_name: str) -> None:
    """Parsing and importing run in the django-q2 worker, never in the web request."""
    from django_q.tasks import async_task

    async_task(func, job_id, task_name=task_name, group="exams_import")


@require_POST
def import_confirm(request, job_id):
    _require(request, "exams.add_question")
    job = get_object_or_404(
        _import_jobs(request.user).defer("data"), pk=job_id, status=ImportJob.Status.PREVIEWED
    )
    result = {**job.result, "phase": "import"}
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWED).update(
        status=ImportJob.Status.QUEUED, result=result
    )
    _enqueue("exams.tasks.run_import_job", job.pk, task_name=f"exams-import-{job.pk}")
    return redirect("exams_import_status", job_id=job.pk)


def import_status(request, job_id):
    """While the file is being checked and once it has been: the preview (with the confirm button when it has no
    errors); after confirming: the import's progress."""
    _require(request, "exams.add_question")
    job = get_object_or_404(_import_jobs(request.user).defer("data").select_related("bank"), pk=job_id)
    phase = job.result.get("phase")
    if phase in ("check", "checked"):
        checking = phase == "check"
        return _render(
            request,
            "exams/admin/import_preview.html",
            _("Import preview"),
            {
                "job": job,
                "checking": checking,
                "refresh_seconds": 2 if checking else None,
                "can_confirm": job.status == ImportJob.Status.PREVIEWED and job.total > 0,
                "confirm_url": reverse("exams_import_confirm", args=[job.pk]),
            },
            subtitle=job.filename,
        )
    return _render(
        request, "exams/admin/import_status.html", _("Import status"), {"job": job}, subtitle=job.filename
    )


def import_template(request):
    from exams.formats import xlsx_template

    response = HttpResponse(
        xlsx_template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="question-template.xlsx"'
    return response


# --- questions -----------------------------------------------------------------------------------------------------


def question_preview(request, question_id):
    """The question exactly as the examinee sees it (the learner template and CSS, no answer key)."""
    _require(request, "exams.view_question")
    question = get_object_or_404(
        questions_readable_by(request.user).select_related("current_version", "bank"), pk=question_id
    )
    from exams.views import decorate

    data = (
        question.current_version.data
        if question.current_version and question.status == "published"
        else (selectors.question_data(question))
    )
    order = list(range(paper.option_count(data)))
    return TemplateResponse(
        request,
        "exams/admin/question_preview.html",
        {
            "q": decorate(paper.public_question(data, order), None, 1),
            "question": question,
            "right_answer": paper.correct_answer_text(data),
            "data": data,
        },
    )


def _filtered_questions(request):
    qs = questions_editable_by(request.user)
    for field in ("bank", "category", "type", "difficulty", "status"):
        value = request.GET.get(field) or request.POST.get(field)
        if value:
            qs = qs.filter(**{field: value})
    search = request.GET.get("q") or request.POST.get("q")
    if search:
        qs = qs.filter(Q(stem__icontains=search) | Q(title__icontains=search))
    return qs


def question_bulk_publish(request):
    """Publish every draft matching the question list's filters (after a confirmation), in banks the user may
    change: a read-only bank's drafts are never touched."""
    _require(request, "exams.change_question")
    drafts = _filtered_questions(request).filter(status=Question.Status.DRAFT).select_related("category")
    if request.method == "POST":
        count = services.question_publish(questions=list(drafts), by=request.user)
        messages.success(request, _("Published %(n)s question(s).") % {"n": count})
        return redirect("exams_question:index")
    return _render(
        request,
        "exams/admin/bulk_publish.html",
        _("Publish questions"),
        {
            "count": drafts.count(),
            "sample": drafts[:20],
            "query": request.GET.urlencode(),
        },
    )


@require_POST
def question_regrade(request, question_id):
    _require(request, "exams.change_attempt")
    question = get_object_or_404(questions_editable_by(request.user), pk=question_id)
    try:
        count = services.regrade_question(question=question, by=request.user)
    except services.ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Regraded %(n)s attempt(s).") % {"n": count})
    return redirect("exams_question:edit", question.pk)


# --- results ----------------------------------------------------------------------------------------------------------


def results_index(request):
    _require(request, "exams.view_attempt")
    # Exams the user may read (their subtree's and the city's), each with the real attempts of officers in scope.
    scoped = selectors.attempts_visible_to(request.user).filter(is_mock=False)
    counts = dict(scoped.values("exam").annotate(n=Count("pk")).values_list("exam", "n"))
    exams = owned_rows_readable_by(request.user, Exam.objects.all()).order_by("-created_at")
    rows = [{"exam": e, "attempts": counts.get(e.pk, 0)} for e in exams]
    return _render(request, "exams/admin/results_index.html", _("Exam results"), {"rows": rows})


def _result_rows(user, exam, unit):
    attempts = list(selectors.exam_results(user, exam, unit=unit))
    return attempts


def exam_results(request, exam_id):
    _require(request, "exams.view_attempt")
    exam = get_object_or_404(owned_rows_readable_by(request.user, Exam.objects.all()), pk=exam_id)
    units = units_visible_to(request.user).order_by("path")
    unit = None
    if request.GET.get("unit"):
        unit = get_object_or_404(units, pk=request.GET["unit"])
    attempts = _result_rows(request.user, exam, unit)
    if request.GET.get("export") == "xlsx":
        return _results_xlsx(exam, attempts)
    summary = {
        "officers": len({a.officer_id for a in attempts}),
        "graded": sum(1 for a in attempts if a.status == Attempt.Status.GRADED),
        "passed": len({a.officer_id for a in attempts if a.passed}),
    }
    return _render(
        request,
        "exams/admin/exam_results.html",
        _("Exam results"),
        {
            "exam": exam,
            "attempts": attempts,
            "units": units,
            "unit": unit,
            "summary": summary,
            "export_url": "?export=xlsx" + (f"&unit={unit.pk}" if unit else ""),
        },
        subtitle=exam.title,
    )


def _results_xlsx(exam, attempts):
    from openpyxl import Workbook

    from cms.exports import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Results"))[:30]
    append_row(
        ws,
        [
            str(h)
            for h in (
                _("Employee number"),
                _("Full name"),
                _("Unit"),
                _("Attempt number"),
                _("Status"),
                _("Started at"),
                _("Submitted at"),
                _("Score"),
                _("Maximum score"),
                _("Percent"),
                _("Passed"),
                _("Left the page"),
            )
        ],
    )
    for a in attempts:
        append_row(
            ws,
            [
                a.officer.employee_no,
                a.officer.name,
                a.officer.unit.full_name,
                a.number,
                a.get_status_display(),
                a.started_at,
                a.submitted_at,
                float(a.score) if a.score is not None else None,
                float(a.max_score),
                a.percent,
                (str(_("Yes")) if a.passed else str(_("No"))) if a.passed is not None else "",
                a.tab_switches,
            ],
        )
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="exam-{exam.pk}-results.xlsx"'
    return response


def attempt_review(request, attempt_id):
    _require(request, "exams.view_attempt")
    attempt = get_object_or_404(
        selectors.attempts_visible_to(request.user).select_related("exam", "officer__unit"), pk=attempt_id
    )
    items = []
    for r in selectors.paper(attempt):
        data = r.version.data
        items.append(
            {
                "r": r,
                "data": data,
                "given": paper.answer_text(data, r.answer),
                "right_answer": paper.correct_answer_text(data),
            }
        )
    return _render(
        request,
        "exams/admin/attempt_review.html",
        _("Attempt review"),
        {
            "attempt": attempt,
            "items": items,
            "can_mark": selectors.can_mark(request.user) and attempt.officer.user_id != request.user.pk,
            "can_override": selectors.can_override_scores(request.user)
            and attempt.officer.user_id != request.user.pk,
        },
        subtitle=f"{attempt.officer.name} · {attempt.exam.title} #{attempt.number}",
    )


# --- marking -------------------------------------------------------------------------------------------------------


def _require_marker(request):
    if not selectors.can_mark(request.user):
        raise PermissionDenied


def marking_queue(request):
    _require_marker(request)
    queue = list(selectors.marking_queue(request.user)[:200])
    return _render(
        request,
        "exams/admin/marking_queue.html",
        _("Marking queue"),
        {"queue": queue, "can_override": selectors.can_override_scores(request.user)},
    )


# Refusals of the marking rules: the marker's own attempt or one outside their scope is forbidden; an answer that
# is not (or no longer) markable conflicts with the attempt's state.
_FORBIDDEN_CODES = {"own_attempt", "not_marker", "out_of_scope", "no_override_permission", "same_person"}


def _error_status(exc: services.ExamError) -> int:
    if exc.code in _FORBIDDEN_CODES:
        return 403
    return 409 if exc.code in {"not_markable", "not_awaiting", "not_final", "pending", "decided"} else 400


def _staff_response(request, response_id, *, exclude) -> Response:
    """One answer of an attempt in the user's scope (404 otherwise), minus the `exclude` ones."""
    return get_object_or_404(
        Response.objects.filter(attempt__in=selectors.attempts_visible_to(request.user))
        .exclude(**exclude)
        .select_related("attempt__exam", "attempt__officer", "version"),
        pk=response_id,
    )


def _answer_context(response: Response) -> dict:
    """What a staff page about one answer shows: the question, the examinee's answer and the right one."""
    data = response.version.data
    return {
        "response": response,
        "attempt": response.attempt,
        "data": data,
        "given": paper.answer_text(data, response.answer),
        "right_answer": paper.correct_answer_text(data),
    }


def mark_response(request, response_id):
    _require_marker(request)
    response = _staff_response(request, response_id, exclude={"attempt__status": Attempt.Status.IN_PROGRESS})
    error = None
    status = 200
    if request.method == "POST":
        try:
            services.mark_response(
                response=response,
                by=request.user,
                score=request.POST.get("score", "").strip(),
                comment=request.POST.get("comment", "").strip(),
            )
        except services.ExamError as exc:
            error, status = str(exc), _error_status(exc)
        else:
            messages.success(request, _("Mark saved."))
            return redirect("exams_marking")
    own = response.attempt.officer.user_id == request.user.pk
    markable = response.needs_marking and response.attempt.status == Attempt.Status.NEEDS_MARKING and not own
    if not markable and error is None:
        error = (
            _("You cannot mark or change the score of your own exam.")
            if own
            else _("This answer cannot be marked: it was graded automatically or the result is final.")
        )
    result = _render(
        request,
        "exams/admin/mark_response.html",
        _("Mark an answer"),
        {
            **_answer_context(response),
            "error": error,
            "markable": markable,
            "can_override": selectors.can_override_scores(request.user) and not own,
        },
    )
    result.status_code = status
    return result


# --- score overrides (two people: one requests, another approves) ---------------------------------------------------


def _require_override(request):
    if not selectors.can_override_scores(request.user):
        raise PermissionDenied


def score_override_request(request, response_id):
    _require_override(request)
    response = _staff_response(request, response_id, exclude={"attempt__officer__user": request.user})
    error = None
    status = 200
    if request.method == "POST":
        try:
            services.request_score_override(
                response=response,
                by=request.user,
                score=request.POST.get("score", "").strip(),
                reason=request.POST.get("reason", ""),
            )
        except services.ExamError as exc:
            error, status = str(exc), _error_status(exc)
        else:
            messages.success(
                request, _("Override requested. Another person with the permission must approve it.")
            )
            return redirect("exams_attempt_review", response.attempt_id)
    result = _render(
        request,
        "exams/admin/score_override_request.html",
        _("Request a score override"),
        {
            **_answer_context(response),
            "error": error,
            "history": response.score_overrides.select_related("requested_by", "decision__decided_by"),
        },
    )
    result.status_code = status
    return result


def score_override_queue(request):
    _require_override(request)
    pending = list(selectors.pending_score_overrides(request.user)[:200])
    return _render(
        request,
        "exams/admin/score_override_queue.html",
        _("Score overrides to approve"),
        {"pending": pending},
    )


@require_POST
def score_override_decide(request, override_id):
    _require_override(request)
    override = get_object_or_404(selectors.pending_score_overrides(request.user), pk=override_id)
    approve = request.POST.get("outcome") == "approve"
    try:
        services.decide_score_override(
            override=override, by=request.user, approve=approve, comment=request.POST.get("comment", "")
        )
    except services.ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Override approved.") if approve else _("Override rejected."))
    return redirect("exams_score_overrides")


# --- item statistics -------------------------------------------------------------------------------------------------


def item_statistics(request, exam_id):
    _require(request, "exams.view_attempt")
    exam = get_object_or_404(owned_rows_readable_by(request.user, Exam.objects.all()), pk=exam_id)
    attempts = selectors.attempts_visible_to(request.user).filter(
        exam=exam, is_mock=False, status=Attempt.Status.GRADED
    )
    responses = (
        Response.objects.filter(attempt__in=attempts)
        .select_related("version", "question")
        .order_by("attempt_id", "position")
    )
    per_attempt: dict[int, dict] = {}
    max_scores: dict[int, float] = {}
    answers: dict[int, list] = {}
    info: dict[int, dict] = {}
    for r in responses:
        per_attempt.setdefault(r.attempt_id, {})[r.question_id] = float(r.score or 0)
        max_scores[r.question_id] = max(max_scores.get(r.question_id, 0.0), float(r.points))
        answers.setdefault(r.question_id, []).append(r.answer)
        info.setdefault(r.question_id, {"question": r.question, "data": r.version.data})
    result = stats.item_statistics(list(per_attempt.values()), max_scores)
    rows = []
    for qid, st in sorted(
        result.items(), key=lambda kv: (kv[1].discrimination is None, kv[1].discrimination or 0)
    ):
        data = info[qid]["data"]
        rows.append(
            {
                "stat": st,
                "question": info[qid]["question"],
                "options": stats.option_counts(data, answers[qid])
                if data.get("type") in ("single_choice", "multiple_choice", "true_false")
                else [],
            }
        )
    return _render(
        request,
        "exams/admin/item_statistics.html",
        _("Item statistics"),
        {
            "exam": exam,
            "rows": rows,
            "attempt_count": len(per_attempt),
        },
        subtitle=exam.title,
    )
