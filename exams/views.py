"""Examinee pages and JSON endpoints: exam list, the attempt page (autosave, server clock), results, practice,
mistake book, favourites, qualifications. Thin: access checks, then selectors and services.

Attempt-time responses are built only from exams.paper.public_question: no answer key reaches the browser."""

from __future__ import annotations

import datetime
import json
import random
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cms.http import safe_next
from cms.models import Officer
from cms.selectors import officer_of
from exams import attempt_html, autosave, grading, paper, selectors, services
from exams.models import (
    GRACE_SECONDS,
    Attempt,
    Category,
    Favourite,
    PracticeProgress,
    Question,
    QuestionBank,
    QuestionType,
    Response,
)


def officer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        officer = officer_of(request.user)
        if officer is None:
            raise Http404
        request.officer = officer
        return view(request, *args, **kwargs)

    return wrapper


def my_training_section(request, officer):
    exams = selectors.exams_for_officer(officer)
    open_exams = [e for e in exams if e.is_open()]
    quals = selectors.qualifications_of(officer)
    if not open_exams and not quals:
        return None
    return {
        "template": "exams/my_training_section.html",
        "open_exams": open_exams[:5],
        "qualifications": quals[:5],
        "next_steps": _next_steps(officer, open_exams),
    }


def _next_steps(officer, open_exams) -> list[dict]:
    """For the 下一步 card: each open exam not passed yet, with where the officer stands (one query)."""
    if not open_exams:
        return []
    exam_of = {exam.pk: exam for exam in open_exams}
    attempts = {}
    for a in Attempt.objects.filter(officer=officer, exam__in=open_exams, is_mock=False).order_by(
        "started_at"
    ):
        a.exam = exam_of[a.exam_id]
        attempts.setdefault(a.exam_id, []).append(a)
    steps = []
    for exam in open_exams:
        mine = attempts.get(exam.pk, [])
        # Passed or not is part of the result: the card says nothing of it before the review policy releases
        # the score (an exam that holds scores back until it closes shows "Submitted", passed or failed alike).
        held = [a for a in mine if a.status == Attempt.Status.GRADED and not selectors.result_released(a)]
        if any(a.passed for a in mine if a not in held):
            continue
        running = next((a for a in mine if a.status == Attempt.Status.IN_PROGRESS), None)
        marking = any(a.status in (Attempt.Status.SUBMITTED, Attempt.Status.NEEDS_MARKING) for a in mine)
        step = {"title": exam.title, "url": reverse("exams:exam_detail", args=[exam.pk])}
        if running is not None:
            step.update(
                label=_("Exam in progress"), tone="warn", url=reverse("exams:attempt", args=[running.pk])
            )
        elif marking:
            step.update(label=_("Awaiting marking"))
        elif held:
            step.update(label=_("Submitted"))
        elif mine:
            left = exam.attempts_allowed - len(mine) if exam.attempts_allowed else None
            if left is not None and left <= 0:
                continue
            step.update(label=_("Not passed yet"), tone="warn")
            if left is not None:
                step["note"] = ngettext("%(n)d try left", "%(n)d tries left", left) % {"n": left}
        else:
            step.update(label=_("Exam to take"))
        if exam.closes_at and "note" not in step:
            step["note"] = _("closes %(d)s") % {
                "d": timezone.localtime(exam.closes_at).strftime("%Y-%m-%d %H:%M")
            }
        steps.append(step)
    return steps


# --- exams and attempts --------------------------------------------------------------------------------------------


@officer_required
@require_GET
def exam_list(request):
    officer = request.officer
    exams = selectors.exams_for_officer(officer)
    mine = {}
    for a in Attempt.objects.filter(officer=officer, is_mock=False).order_by("started_at"):
        mine.setdefault(a.exam_id, []).append(a)
    rows = []
    for exam in exams:
        attempts = mine.get(exam.pk, [])
        best = selectors.exam_result(officer, exam) if attempts else None
        rows.append(
            {
                "exam": exam,
                "attempts": attempts,
                "open_attempt": next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None),
                # Passed or not is part of the result: shown only once the review policy releases the score.
                "best": best if best is not None and selectors.result_released(best) else None,
            }
        )
    return render(
        request,
        "exams/exam_list.html",
        {"rows": rows, "now": timezone.now(), "qualifications": selectors.qualifications_of(officer)},
    )


@officer_required
@require_GET
def exam_detail(request, exam_id):
    officer = request.officer
    exam = selectors.exam_for_officer(officer, exam_id)
    attempts = selectors.attempts_of(officer, exam)
    used = sum(1 for a in attempts if not a.is_mock)
    return render(
        request,
        "exams/exam_detail.html",
        {
            "exam": exam,
            "attempts": attempts,
            "used": used,
            "remaining": (exam.attempts_allowed - used) if exam.attempts_allowed else None,
            "open_attempt": next(
                (a for a in attempts if a.status == Attempt.Status.IN_PROGRESS and not a.is_mock), None
            ),
            "is_open": exam.is_open(),
            "grace": GRACE_SECONDS,
            "question_count": sum(r.count for r in exam.rules.all()) + exam.fixed_questions.count(),
        },
    )


@officer_required
@require_POST
def exam_start(request, exam_id):
    exam = selectors.exam_for_officer(request.officer, exam_id)
    try:
        attempt = services.start_attempt(
            exam=exam, officer=request.officer, by=request.user, mock=request.POST.get("mock") == "1"
        )
    except services.ExamError as exc:
        messages.error(request, str(exc))
        return redirect("exams:exam_detail", exam_id=exam.pk)
    return redirect("exams:attempt", attempt_id=attempt.pk)


def _attempt_or_404(request, attempt_id) -> Attempt:
    attempt = selectors.attempt_for_officer(request.user, attempt_id)
    if attempt.status == Attempt.Status.IN_PROGRESS and (
        services.finalize_if_overdue(attempt_id=attempt.pk)
        or (
            attempt.officer.status != attempt.officer.Status.ACTIVE
            and services.close_attempt_of_departed(attempt_id=attempt.pk)
        )
    ):
        attempt.refresh_from_db()
    return attempt


def _remaining(attempt: Attempt) -> int:
    return max(0, int((attempt.deadline - timezone.now()).total_seconds()))


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def decorate(q: dict, answer, position: int = 0) -> dict:
    """Template conveniences on a public question: option letters, the answer spread over the inputs."""
    q["answer"] = answer
    q["position"] = position
    q["position_str"] = str(position)
    q["type_label"] = QuestionType(q["type"]).label
    q["answered"] = not grading.is_blank(answer)
    for opt in q.get("options", []):
        opt["letter"] = LETTERS[opt["index"]] if opt["index"] < len(LETTERS) else str(opt["index"] + 1)
    if q["type"] == "short_answer":
        values = answer if isinstance(answer, list) else []
        q["blank_values"] = [
            {"i": i, "n": i + 1, "value": values[i] if i < len(values) else ""} for i in range(q["blanks"])
        ]
    if q["type"] == "matching":
        chosen = answer if isinstance(answer, dict) else {}
        for left in q["lefts"]:
            left["selected"] = chosen.get(left["key"])
    return q


def _public_paper(attempt: Attempt, rows=None) -> list[dict]:
    items = []
    for r in selectors.paper(attempt) if rows is None else rows:
        data = r.version.data
        q = decorate(
            paper.public_question(data, r.option_order),
            paper.answer_to_display(data, r.option_order, r.answer),
            r.position,
        )
        q.update({"points": float(r.points), "seq": r.seq, "flagged": r.flagged})
        items.append(q)
    return items


@officer_required
@never_cache
@require_GET
def attempt_page(request, attempt_id):
    attempt = _attempt_or_404(request, attempt_id)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("exams:attempt_result", attempt_id=attempt.pk)
    rows = selectors.paper(attempt)
    items = _public_paper(attempt, rows)
    autosave.remember_paper(request.session, attempt.pk, rows)  # this device's saves need no read first
    try:
        current = min(max(int(request.GET.get("q", "1")), 1), len(items))
    except ValueError:
        current = 1
    strings = {
        "saved": _("Saved"),
        "saving": _("Saving…"),
        "unsaved": _("Not saved yet"),
        "offline": _("Not saved — check your connection; we will retry."),
        "busy": _("The server is busy: your answer is kept on this page and will be sent again shortly."),
        "closed": _("Time is up: answers are no longer accepted."),
        "stale": _("A newer answer was saved from another tab or device; it is shown now."),
        "leave": _("Some answers are not saved yet. Leave anyway?"),
        "confirm_submit": _("Submit the paper? You cannot change answers afterwards."),
        "unanswered": _("%(n)s questions are unanswered."),
    }
    config = {
        "stateUrl": reverse("exams:attempt_state", args=[attempt.pk]),
        "saveUrl": reverse("exams:attempt_save", args=[attempt.pk]),
        "blurUrl": reverse("exams:attempt_blur", args=[attempt.pk]),
        "resultUrl": reverse("exams:attempt_result", args=[attempt.pk]),
        "submitUrl": reverse("exams:attempt_submit", args=[attempt.pk]),
        "remaining": _remaining(attempt),
        "current": current,
        "strings": strings,
    }
    questions_html, map_html = attempt_html.render_questions(items, current)
    return render(
        request,
        "exams/attempt.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "questions_html": questions_html,
            "map_html": map_html,
            "current": current,
            "config": config,
            "remaining": _remaining(attempt),
            "grace": GRACE_SECONDS,
        },
    )


@never_cache
@require_GET
def attempt_state(request, attempt_id):
    """The page's clock and status poll: JSON {status, remaining_seconds, deadline, server_now, grace_seconds}.

    Every open page sends it once a minute, so it costs one query (exams.autosave.attempt_state) and no paper.
    The saved answers ({position: {answer, seq, flagged}}) come only with `?saved=1`, which the page asks for
    after a failed save or a reconnect, to show what the server holds."""
    try:
        row = autosave.attempt_state(request, attempt_id=attempt_id)
    except Attempt.DoesNotExist:
        raise Http404 from None
    if row is None:
        return redirect_to_login(request.get_full_path())
    now = timezone.now()
    status, deadline = row["status"], row["deadline"]
    if status == Attempt.Status.IN_PROGRESS and (
        now > deadline + datetime.timedelta(seconds=GRACE_SECONDS)
        or row["officer__status"] != Officer.Status.ACTIVE
    ):
        # Rare paths (overdue, or the officer left): the full checks close the attempt, then read it again.
        attempt = _attempt_or_404(request, attempt_id)
        status, deadline = attempt.status, attempt.deadline
    body = {
        "status": status,
        "remaining_seconds": max(0, int((deadline - now).total_seconds())),
        "deadline": deadline.isoformat(),
        "server_now": now.isoformat(),
        "grace_seconds": GRACE_SECONDS,
    }
    if status != Attempt.Status.IN_PROGRESS:
        body["result_url"] = reverse("exams:attempt_result", args=[attempt_id])
    elif request.GET.get("saved") == "1":
        attempt = Attempt(pk=attempt_id)
        body["saved"] = {
            str(i["position"]): {"answer": i["answer"], "seq": i["seq"], "flagged": i["flagged"]}
            for i in _public_paper(attempt)
        }
    return JsonResponse(body)


@never_cache
@require_POST
def attempt_save(request, attempt_id):
    """Autosave one answer: JSON {position, answer, seq, flagged?} → the stored state; 409 when stale.

    Authentication is Django's session check, remembered per process for this session (exams.autosave): a save
    reads the user row only the first time, or again after the password changed or the account was disabled.
    With the paper the attempt page left in the session, a save is a single UPDATE.
    """
    try:
        payload = json.loads(request.body or b"{}")
        position = int(payload["position"])
        seq = int(payload["seq"])
        if not (0 < seq < 2**31 and 0 < position < 2**31):  # the columns are 32-bit integers
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError):
        return HttpResponseBadRequest(_("Malformed autosave request."))
    try:
        result = autosave.save(
            request,
            attempt_id=attempt_id,
            position=position,
            raw=payload.get("answer"),
            seq=seq,
            flagged=payload.get("flagged"),
        )
    except Response.DoesNotExist:
        raise Http404 from None
    except services.OfficerLeftError as exc:
        # 410 like a closed attempt: the page stops saving and opens the result, which says why.
        return JsonResponse(
            {"ok": False, "reason": exc.code, "position": position, "message": str(exc)}, status=410
        )
    if result is None:
        return redirect_to_login(request.get_full_path())
    status = 200 if result.ok else (409 if result.reason == "stale" else 410)
    return JsonResponse(
        {
            "ok": result.ok,
            "reason": result.reason,
            "position": position,
            "seq": result.seq,
            "answer": result.answer,
            "flagged": result.flagged,
        },
        status=status,
    )


@require_POST
def ping(request):
    """A bare endpoint through the same middleware (sessions, CSRF, auth, axes): the autosave benchmark's baseline.

    `?auth=1` also resolves the session's user (the lazy part of the auth middleware an authenticated view pays).
    """
    if request.GET.get("auth") and not request.user.is_authenticated:
        return JsonResponse({"ok": False}, status=403)
    return JsonResponse({"ok": True})


@officer_required
@require_POST
def attempt_blur(request, attempt_id):
    attempt = selectors.attempt_for_officer(request.user, attempt_id)
    services.record_tab_switch(attempt=attempt)
    return JsonResponse({"ok": True})


def _form_answer(item: dict, post) -> object:
    key = f"q{item['position']}"
    qtype = item["type"]
    if qtype == "multiple_choice":
        return post.getlist(key)
    if qtype == "short_answer":
        return [post.get(f"{key}_{i}", "") for i in range(item["blanks"])]
    if qtype == "matching":
        return {
            left["key"]: post.get(f"{key}_{left['key']}")
            for left in item["lefts"]
            if post.get(f"{key}_{left['key']}") not in (None, "")
        }
    if qtype == "cloze":
        # Without JavaScript the hidden field keeps the answer as loaded; the parts' own inputs
        # (exams_tags.cloze_stem: "cloze-q<n>-<i>") carry what the examinee changed.
        answer = []
        for part in item.get("parts") or []:
            name = f"cloze-{key}-{part['i']}"
            if part["kind"] == "multiple_choice":
                answer.append(post.getlist(name))
            elif part["kind"] == "single_choice":
                answer.append(post.get(name) or None)
            else:
                answer.append(post.get(name, ""))
        return answer
    return post.get(key)


@officer_required
@require_POST
def attempt_form_save(request, attempt_id):
    """The no-JavaScript path: the whole form is posted; every answer is saved, then optionally submitted."""
    attempt = _attempt_or_404(request, attempt_id)  # closes a departed officer's attempt
    if attempt.officer.status != attempt.officer.Status.ACTIVE:
        messages.error(request, str(services.OfficerLeftError()))
        return redirect("exams:attempt_result", attempt_id=attempt.pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("exams:attempt_result", attempt_id=attempt.pk)
    for item in _public_paper(attempt):
        key = f"q{item['position']}"
        present = any(k == key or k.startswith(key + "_") for k in request.POST)
        if not present and item["type"] != "multiple_choice":
            continue
        try:
            services.save_answer(
                attempt_id=attempt.pk,
                officer=request.officer,
                position=item["position"],
                raw=_form_answer(item, request.POST),
                seq=item["seq"] + 1,
            )
        except services.OfficerLeftError as exc:
            messages.error(request, str(exc))
            return redirect("exams:attempt_result", attempt_id=attempt.pk)
    if request.POST.get("action") == "submit":
        try:
            services.submit_attempt(attempt=attempt, by=request.user)
        except services.OfficerLeftError as exc:
            messages.error(request, str(exc))
        return redirect("exams:attempt_result", attempt_id=attempt.pk)
    messages.success(request, _("Saved"))
    return redirect(reverse("exams:attempt", args=[attempt.pk]) + f"?q={request.POST.get('q', '1')}")


@officer_required
@require_POST
def attempt_submit(request, attempt_id):
    attempt = _attempt_or_404(request, attempt_id)  # closes a departed officer's attempt
    try:
        if attempt.officer.status != attempt.officer.Status.ACTIVE:
            raise services.OfficerLeftError()
        services.submit_attempt(attempt=attempt, by=request.user)
    except services.OfficerLeftError as exc:
        autosave.forget_paper(request.session, attempt.pk)
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse(
                {
                    "ok": False,
                    "reason": exc.code,
                    "message": str(exc),
                    "result_url": reverse("exams:attempt_result", args=[attempt.pk]),
                },
                status=403,
            )
        messages.error(request, str(exc))
        return redirect("exams:attempt_result", attempt_id=attempt.pk)
    autosave.forget_paper(request.session, attempt.pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": True, "result_url": reverse("exams:attempt_result", args=[attempt.pk])})
    return redirect("exams:attempt_result", attempt_id=attempt.pk)


@officer_required
@require_GET
def attempt_result(request, attempt_id):
    attempt = _attempt_or_404(request, attempt_id)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect("exams:attempt", attempt_id=attempt.pk)
    policy = selectors.review_policy(attempt)
    items = []
    if policy["correctness"] or policy["answers"] or policy["explanations"]:
        for r in selectors.paper(attempt):
            data = r.version.data
            items.append(
                {
                    "response": r,
                    "q": paper.public_question(data, r.option_order),
                    "given": paper.answer_text(data, r.answer),
                    "correct": (r.score is not None and r.points and r.score >= r.points),
                    "right_answer": paper.correct_answer_text(data) if policy["answers"] else "",
                    "explanation": data.get("explanation") if policy["explanations"] else "",
                    "legal_basis": data.get("legal_basis") if policy["explanations"] else "",
                }
            )
    qualification = (
        getattr(attempt, "qualification", None)
        if attempt.status == Attempt.Status.GRADED and policy["score"]
        else None
    )
    return render(
        request,
        "exams/attempt_result.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "policy": policy,
            "items": items,
            "qualification": qualification,
            "officer_left": attempt.auto_submitted and selectors.closed_because_officer_left(attempt),
        },
    )


# --- practice, mistake book, favourites ----------------------------------------------------------------------------


@officer_required
@require_GET
def practice_home(request):
    officer = request.officer
    banks = selectors.practice_banks()
    progress = {p.scope_key: p for p in PracticeProgress.objects.filter(officer=officer)}
    rows = []
    for bank in banks:
        cats = list(Category.objects.filter(bank=bank, parent__isnull=True).order_by("path"))
        rows.append(
            {
                "bank": bank,
                "progress": progress.get(services.practice_scope_key(bank, None)),
                "categories": [
                    {"category": c, "progress": progress.get(services.practice_scope_key(bank, c))}
                    for c in cats
                ],
            }
        )
    return render(
        request,
        "exams/practice_home.html",
        {
            "rows": rows,
            "mistake_count": selectors.mistakes_of(officer).count(),
            "favourite_count": Favourite.objects.filter(officer=officer).count(),
        },
    )


def _practice_source(request, bank):
    """The ordered question ids of the practice run asked for (sequential, random, mistakes or favourites)."""
    mode = request.GET.get("mode", "seq")
    category = None
    if mode == "mistakes":
        ids = list(
            selectors.mistakes_of(request.officer)
            .order_by("-last_wrong_at")
            .values_list("question_id", flat=True)
        )
    elif mode == "favourites":
        ids = list(
            Favourite.objects.filter(
                officer=request.officer, question__in=selectors.practice_allowed_questions().values("pk")
            )
            .order_by("-created_at")
            .values_list("question_id", flat=True)
        )
    else:
        if request.GET.get("category"):
            category = get_object_or_404(Category, pk=request.GET["category"], bank=bank)
        ids = list(selectors.practice_questions(bank, category).values_list("id", flat=True))
        if mode == "random":
            random.Random(f"{request.officer.pk}-{timezone.localdate()}").shuffle(ids)
    return mode, category, ids


@officer_required
def practice_question(request, bank_id):
    bank = get_object_or_404(QuestionBank, pk=bank_id)
    if request.GET.get("mode") not in ("mistakes", "favourites") and not bank.practice_allowed:
        raise Http404  # an exam-only bank: its answers are never shown in practice
    mode, category, ids = _practice_source(request, bank)
    if not ids:
        messages.info(request, _("No questions here yet."))
        return redirect("exams:practice_home")
    progress = None
    if mode == "seq":
        progress = PracticeProgress.objects.filter(
            officer=request.officer, scope_key=services.practice_scope_key(bank, category)
        ).first()
    default_index = progress.position if progress else 0
    try:
        index = int(request.GET.get("i", default_index))
    except ValueError:
        index = 0
    index = min(max(index, 0), len(ids) - 1)
    question = get_object_or_404(
        selectors.practice_allowed_questions().select_related("current_version"), pk=ids[index]
    )
    data = question.current_version.data
    order = list(range(paper.option_count(data)))
    feedback = None
    given = None
    if request.method == "POST":
        item = paper.public_question(data, order) | {"position": 0}
        raw = _form_answer(item, request.POST)
        result = services.practice_answer(
            officer=request.officer,
            question=question,
            raw=raw,
            bank=bank if mode in ("seq", "random") else None,
            category=category,
            advance_to=index + 1 if mode == "seq" else None,
        )
        given = paper.answer_from_display(data, order, raw)
        feedback = {
            "result": result,
            "right_answer": paper.correct_answer_text(data),
            "explanation": data.get("explanation"),
            "legal_basis": data.get("legal_basis"),
            "given": paper.answer_text(data, given),
            "essay": data.get("type") == "essay",
            "general_feedback": data.get("general_feedback"),
        }
    base = reverse("exams:practice_question", args=[bank.pk])
    params = f"mode={mode}" + (f"&category={category.pk}" if category else "")
    return render(
        request,
        "exams/practice_question.html",
        {
            "bank": bank,
            "category": category,
            "mode": mode,
            "q": decorate(
                paper.public_question(data, order),
                paper.answer_to_display(data, order, given) if feedback else None,
            ),
            "question": question,
            "index": index,
            "total": len(ids),
            "feedback": feedback,
            "self_url": f"{base}?{params}&i={index}",
            "next_url": f"{base}?{params}&i={index + 1}" if index + 1 < len(ids) else None,
            "prev_url": f"{base}?{params}&i={index - 1}" if index > 0 else None,
            "is_favourite": Favourite.objects.filter(officer=request.officer, question=question).exists(),
        },
    )


@officer_required
@require_GET
def mistake_book(request):
    mistakes = list(selectors.mistakes_of(request.officer).select_related("question__bank"))
    return render(request, "exams/mistakes.html", {"mistakes": mistakes})


@officer_required
@require_GET
def favourites(request):
    favs = list(Favourite.objects.filter(officer=request.officer).select_related("question__bank"))
    return render(request, "exams/favourites.html", {"favourites": favs})


@officer_required
@require_POST
def favourite_toggle(request, question_id):
    question = get_object_or_404(Question, pk=question_id, status=Question.Status.PUBLISHED)
    on = services.toggle_favourite(officer=request.officer, question=question)
    messages.success(request, _("Added to favourites") if on else _("Removed from favourites"))
    return redirect(safe_next(request, request.POST.get("next"), "exams:favourites"))


# --- qualifications --------------------------------------------------------------------------------------------------


@officer_required
@require_GET
def qualification_list(request):
    return render(
        request,
        "exams/qualifications.html",
        {"qualifications": selectors.qualifications_of(request.officer), "today": timezone.localdate()},
    )


@login_required
@require_GET
def certificate(request, qualification_id):
    """Printable certificate: the holder (once the result is released), or staff who can see the holder."""
    qualification = get_object_or_404(selectors.qualifications_visible_to(request.user), pk=qualification_id)
    holder = qualification.officer.user_id == request.user.pk
    if holder and not any(
        q.pk == qualification.pk for q in selectors.qualifications_of(qualification.officer)
    ):
        raise Http404  # the holder's own result is not released yet (the exam's review policy)
    return render(request, "exams/certificate.html", {"q": qualification, "today": timezone.localdate()})
