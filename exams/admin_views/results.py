"""Results, scoped to the staff user's subtree: the exams they may read with attempt counts, one exam's attempts
(filter by unit, xlsx export), one attempt's review, and the exam's item statistics."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from cms.admin_tools import render, require, spreadsheet_response
from cms.selectors import owned_rows_readable_by, sees_every_officer, units_visible_to
from exams import paper, selectors, stats, stats_sql
from exams.models import Attempt, Exam, Question, QuestionType, QuestionVersion

OPTION_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE)


def results_index(request):
    require(request, "exams.view_attempt")
    # Exams the user may read (their subtree's and the city's), each with the real attempts of officers in scope.
    scoped = selectors.attempts_visible_to(request.user).filter(is_mock=False)
    counts = dict(scoped.values("exam").annotate(n=Count("pk")).values_list("exam", "n"))
    exams = owned_rows_readable_by(request.user, Exam.objects.all()).order_by("-created_at")
    rows = [{"exam": e, "attempts": counts.get(e.pk, 0)} for e in exams]
    return render(request, "exams/admin/results_index.html", _("Exam results"), {"rows": rows})


def exam_results(request, exam_id):
    require(request, "exams.view_attempt")
    exam = get_object_or_404(owned_rows_readable_by(request.user, Exam.objects.all()), pk=exam_id)
    units = units_visible_to(request.user).order_by("path")
    unit = None
    if request.GET.get("unit"):
        unit = get_object_or_404(units, pk=request.GET["unit"])
    attempts = list(selectors.exam_results(request.user, exam, unit=unit))
    if request.GET.get("export") == "xlsx":
        return _results_xlsx(exam, attempts)
    summary = {
        "officers": len({a.officer_id for a in attempts}),
        "graded": sum(1 for a in attempts if a.status == Attempt.Status.GRADED),
        "passed": len({a.officer_id for a in attempts if a.passed}),
    }
    return render(
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
    headers = (
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
    rows = (
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
            (_("Yes") if a.passed else _("No")) if a.passed is not None else "",
            a.tab_switches,
        ]
        for a in attempts
    )
    return spreadsheet_response(
        f"exam-{exam.pk}-results.xlsx", headers, rows, sheet_title=str(_("Results"))[:30]
    )


def attempt_review(request, attempt_id):
    require(request, "exams.view_attempt")
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
    return render(
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


def item_statistics(request, exam_id):
    require(request, "exams.view_attempt")
    exam = get_object_or_404(owned_rows_readable_by(request.user, Exam.objects.all()), pk=exam_id)
    # Whoever sees every officer (a superuser, city-wide staff) gets no officer filter at all: at province size
    # `officer_id IN (SELECT id FROM cms_officer)` cost the page more than its statistics. Everyone else keeps the
    # subtree filter (officers of units under their scope: the unit path index, then the officer and attempt
    # foreign-key indexes).
    scoped = (
        Attempt.objects.all()
        if sees_every_officer(request.user)
        else selectors.attempts_visible_to(request.user)
    )
    attempts = scoped.filter(exam=exam, is_mock=False, status=Attempt.Status.GRADED)
    # Grouped in the database (exams.stats_sql): no response is loaded as a model.
    attempt_count, result, versions = stats_sql.item_statistics(attempts)
    questions = Question.objects.in_bulk(list(result))
    data_of = dict(QuestionVersion.objects.filter(pk__in=set(versions.values())).values_list("pk", "data"))
    option_qids = {qid for qid, vid in versions.items() if data_of[vid].get("type") in OPTION_TYPES}
    answers = stats_sql.answer_counts(attempts, option_qids)
    rows = []
    for qid, st in sorted(
        result.items(), key=lambda kv: (kv[1].discrimination is None, kv[1].discrimination or 0)
    ):
        data = data_of[versions[qid]]
        given = answers.get(qid, [])
        rows.append(
            {
                "stat": st,
                "question": questions[qid],
                "options": stats.option_counts(data, [a for a, _n in given], [n for _a, n in given])
                if qid in option_qids
                else [],
            }
        )
    return render(
        request,
        "exams/admin/item_statistics.html",
        _("Item statistics"),
        {
            "exam": exam,
            "rows": rows,
            "attempt_count": attempt_count,
            "min_sample": stats.MIN_SAMPLE,
        },
        subtitle=exam.title,
    )
