"""Learner pages of courses that are not Wagtail pages: the "我的培训" section, curriculum search, the lesson
heartbeat and knowledge-check endpoints, self-enrolment, training sessions with check-in, and the one-person
record. Thin: access check, selectors, services."""

from __future__ import annotations

import io
import json
from functools import wraps
from urllib.parse import urlencode

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cms import extensions
from cms.selectors import officer_of
from courses import selectors, services
from courses.models import (
    Attendance,
    CoursePage,
    CurriculumIndexPage,
    Enrolment,
    LessonPage,
    Registration,
    TrainingDay,
    checkin_step_seconds,
)
from exams.selectors import qualifications_of

# --- "我的培训" section --------------------------------------------------------------------------------------------------


def my_training_section(request, officer):
    enrolments = selectors.my_enrolments(officer)
    year = timezone.localdate().year
    years = selectors.hours_by_year(officer)
    this_year = next((y for y in years if y["year"] == year), None)
    return {
        "template": "courses/my_training_section.html",
        "next_steps": _next_steps(officer, enrolments),
        "enrolments": enrolments,
        "overdue": sum(1 for e in enrolments if e.overdue),
        "year": year,
        "hours": this_year["total"] if this_year else 0,
        "required_hours": selectors.requirement_for(officer.staff_category),
    }


def _next_steps(officer, enrolments) -> list[dict]:
    """For the 下一步 card: where to continue reading, then overdue and due-soon courses."""
    steps = []
    progress = selectors.resume_progress(officer, enrolments)
    unfinished = [e for e in enrolments if not e.completed_at]
    if progress is not None:
        course = next(e.course for e in enrolments if e.course_id == progress.course_id)
        steps.append(
            {
                "label": _("Continue learning"),
                "tone": "resume",
                "page": progress.lesson,
                "anchor": progress.last_anchor,
                "title": progress.lesson.title,
                "note": course.title,
            }
        )
    elif unfinished:
        steps.append(
            {
                "label": _("Start learning"),
                "tone": "resume",
                "page": unfinished[0].course,
                "title": unfinished[0].course.title,
            }
        )
    for e in unfinished:
        if e.overdue or e.due_soon:
            steps.append(
                {
                    "label": _("Overdue") if e.overdue else _("Due soon"),
                    "tone": "danger" if e.overdue else "warn",
                    "page": e.course,
                    "title": e.course.title,
                    "note": _("due %(d)s") % {"d": e.due_date.strftime("%Y-%m-%d")},
                }
            )
    return steps


def officer_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        officer = officer_of(request.user)
        if officer is None:
            raise Http404
        request.officer = officer
        return view(request, *args, **kwargs)

    return wrapper


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ValueError
    return data


def _live_lesson(lesson_id) -> LessonPage:
    return get_object_or_404(LessonPage.objects.live(), pk=lesson_id)


# --- search ---------------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def search(request):
    query = (request.GET.get("q") or "").strip()[:100]
    results = None
    if query:
        results = Paginator(selectors.search_curriculum(query), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/search.html",
        {
            "query": query,
            "results": results,
            "curricula": CurriculumIndexPage.objects.live(),
        },
    )


# --- lesson endpoints -----------------------------------------------------------------------------------------------------


@officer_required
@require_POST
def heartbeat(request, lesson_id):
    lesson = _live_lesson(lesson_id)
    try:
        data = _json_body(request)
        position = data.get("position")
        position = float(position) if position is not None else None
    except (TypeError, ValueError):
        return JsonResponse({"error": _("Bad request.")}, status=400)
    try:
        result = services.heartbeat(
            officer=request.officer,
            lesson=lesson,
            position=position,
            anchor=str(data.get("anchor") or ""),
            interacted=bool(data.get("interacted")),
            reached_end=bool(data.get("reached_end")),
            resumed=bool(data.get("resumed")),
        )
    except services.CoursesError as e:
        return JsonResponse({"error": str(e)}, status=409)
    p = result.progress
    course = CoursePage.objects.get(pk=p.course_id)
    enrolment = Enrolment.objects.filter(officer=request.officer, course=course).first()
    return JsonResponse(
        {
            "credited": result.credited,
            "seconds_spent": p.seconds_spent,
            "required_seconds": lesson.required_seconds,
            "reached_end": p.reached_end,
            "completed": p.completed_at is not None,
            "course_completed": bool(enrolment and enrolment.completed_at),
            "course_percent": selectors.course_percent(request.officer, course, enrolment),
        }
    )


@officer_required
@require_POST
def check_answer(request, lesson_id):
    lesson = _live_lesson(lesson_id)
    try:
        data = _json_body(request)
        question_id = int(data.get("question"))
        block_id = str(data.get("block") or "")
    except (TypeError, ValueError):
        return JsonResponse({"error": _("Bad request.")}, status=400)
    try:
        feedback = services.answer_check(
            officer=request.officer,
            lesson=lesson,
            block_id=block_id,
            question_id=question_id,
            raw=data.get("answer"),
        )
    except services.CoursesError as e:
        return JsonResponse({"error": str(e)}, status=404)
    return JsonResponse(feedback)


@officer_required
@require_POST
def self_enrol(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        services.self_enrol(officer=request.officer, course=course, user=request.user)
        messages.success(request, _("You are enrolled in %(title)s.") % {"title": course.title})
    except services.CoursesError as e:
        messages.error(request, str(e))
    return redirect(course.url)


# --- training sessions ---------------------------------------------------------------------------------------------------


@officer_required
@require_GET
def session_list(request):
    sessions = list(selectors.sessions_for_officer(request.officer))
    regs = {
        r.session_id: r
        for r in Registration.objects.filter(officer=request.officer, session__in=[s.pk for s in sessions])
    }
    for s in sessions:
        s.my_registration = regs.get(s.pk)
        s.day_list = [d.date for d in s.days.all()]
    return render(request, "courses/session_list.html", {"sessions": sessions})


@officer_required
@require_GET
def session_detail(request, session_id):
    session = selectors.session_for_officer(request.officer, session_id)
    registration = Registration.objects.filter(session=session, officer=request.officer).first()
    taken = Registration.objects.filter(session=session, status=Registration.Status.REGISTERED).count()
    marks = {a.day_id: a for a in Attendance.objects.filter(officer=request.officer, day__session=session)}
    days = list(session.days.all())
    for d in days:
        d.my_attendance = marks.get(d.pk)
    return render(
        request,
        "courses/session_detail.html",
        {
            "session": session,
            "days": days,
            "registration": registration,
            "taken": taken,
            "can_register": session.registration_is_open()
            and (registration is None or registration.status == Registration.Status.CANCELLED),
            "today": timezone.localdate(),
            "courses": list(session.courses.live()),
        },
    )


@officer_required
@require_POST
def session_register(request, session_id):
    session = selectors.session_for_officer(request.officer, session_id)
    try:
        reg = services.register(session=session, officer=request.officer, by=request.user, self_service=True)
        if reg.status == Registration.Status.WAITLISTED:
            messages.info(request, _("The session is full: you are on the waiting list."))
        else:
            messages.success(request, _("You are registered."))
    except services.CoursesError as e:
        messages.error(request, str(e))
    return redirect("courses:session_detail", session_id=session.pk)


@officer_required
@require_POST
def session_cancel(request, session_id):
    session = selectors.session_for_officer(request.officer, session_id)
    reg = get_object_or_404(Registration, session=session, officer=request.officer)
    services.cancel_registration(registration=reg, by=request.user)
    messages.info(request, _("Your registration is cancelled."))
    return redirect("courses:session_detail", session_id=session.pk)


def _visible_day(officer, day_id) -> TrainingDay | None:
    """The training day `day_id` if the officer can see its session, else None."""
    try:
        day = TrainingDay.objects.select_related("session__organizer").get(pk=int(day_id))
    except (TrainingDay.DoesNotExist, TypeError, ValueError):
        return None
    if not selectors.sessions_for_officer(officer).filter(pk=day.session_id).exists():
        return None
    return day


@officer_required
def check_in(request):
    """Check in with the code the organizer shows now; their QR code opens this page with the day and the code
    filled in. Every refusal reads the same (see services.check_in)."""
    day_id = request.POST.get("day") or request.GET.get("day")
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:12]
    day = _visible_day(request.officer, day_id) if day_id else None
    if request.method == "POST":
        if not day_id:
            messages.error(request, _("Choose the training day."))
        else:
            try:
                row = services.check_in(officer=request.officer, day=day, code=code)
                messages.success(request, _("Checked in: %(status)s.") % {"status": row.get_status_display()})
                return redirect("courses:session_detail", session_id=day.session_id)
            except services.CoursesError as e:
                messages.error(request, str(e))
                code = ""  # a refused code (often a stale QR) is not offered again
    today_days = TrainingDay.objects.filter(
        date=timezone.localdate(),
        session__registrations__officer=request.officer,
        session__registrations__status=Registration.Status.REGISTERED,
    ).select_related("session")
    return render(
        request,
        "courses/check_in.html",
        {
            "day": day,
            "code": code,
            "today_days": today_days,
            "used_up": str(services.checkin_locked_error())
            if selectors.checkin_tries_used_up(request.officer)
            else "",
            "step_seconds": checkin_step_seconds(),
        },
    )


def _managed_day(request, day_id) -> TrainingDay:
    """A day of a session the user organises (training admin in scope), for showing its check-in code."""
    day = get_object_or_404(TrainingDay.objects.select_related("session"), pk=day_id)
    if not request.user.has_perm("courses.view_attendance"):
        raise Http404
    if not selectors.sessions_managed_by(request.user).filter(pk=day.session_id).exists():
        raise Http404
    return day


def _checkin_link(request, day: TrainingDay, code: str) -> str:
    return (
        request.build_absolute_uri(reverse("courses:check_in"))
        + "?"
        + urlencode({"day": day.pk, "code": code})
    )


@login_required
@require_GET
def day_qr(request, day_id):
    """A PNG QR code of the check-in link with the code valid now, for the organizer's screen. The code rotates
    (see TrainingDay.checkin_code); the screen reloads this image at every step (courses/checkin_display.js)."""
    day = _managed_day(request, day_id)
    image = qrcode.make(_checkin_link(request, day, day.checkin_code()), box_size=8, border=2)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    response = HttpResponse(buf.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def day_checkin_code(request, day_id):
    """The code valid now, for the organizer's screen to refresh itself."""
    day = _managed_day(request, day_id)
    now = timezone.now()
    step = TrainingDay.checkin_step(now)
    step_seconds = checkin_step_seconds()
    response = JsonResponse(
        {
            "code": day.checkin_code(step=step),
            "step": step,
            "expires_in": step_seconds - int(now.timestamp()) % step_seconds,
            "qr": reverse("courses:day_qr", args=[day.pk]) + f"?v={step}",
            "open": day.checkin_is_open(now),
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- one-person record ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def record(request, officer_id=None):
    officer = selectors.record_officer(request.user, officer_id)
    if officer_id is not None and officer.user_id == request.user.pk:
        return redirect("courses:my_record")
    context = selectors.officer_record(officer)
    context["is_self"] = officer.user_id == request.user.pk
    # Sections other apps add to the record (e.g. enforcement appraisal and cross-enforcement inspections).
    context["sections"] = [s for s in (fn(request, officer) for fn in extensions.RECORD_SECTIONS) if s]
    if context["is_self"]:
        # One's own qualification appears only once the exam's review policy releases the result.
        context["qualifications"] = qualifications_of(officer)
    return render(request, "courses/record.html", context)
