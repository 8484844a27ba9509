"""Staff screens of courses that are not plain model forms: bulk enrolment, a session's registrations (bulk by
unit or category), the attendance grid, printable/xlsx attendance sheets, course progress by unit and study
hours by unit (xlsx). Thin: permission check, scoped selectors, services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from cms import admin_tools
from cms.admin_tools import require, spreadsheet_response
from cms.models import StaffCategory, Unit
from cms.selectors import officers_visible_to, sees_subtree, units_visible_to
from courses import selectors, services
from courses.models import (
    CHECKIN_TRIES_PER_DAY,
    AttendanceStatus,
    CoursePage,
    Registration,
    TrainingDay,
    checkin_step_seconds,
)

# Every training screen carries the Training menu's icon.
render = partial(admin_tools.render, icon="group")


def _unit_choices(user):
    return [(u.pk, f"{'　' * (u.depth - 1)}{u.name}") for u in units_visible_to(user).order_by("path")]


def _managed_session(request, session_id):
    session = selectors.sessions_managed_by(request.user).filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


# --- bulk enrolment ----------------------------------------------------------------------------------------------------


class EnrolForm(forms.Form):
    course = forms.ModelChoiceField(CoursePage.objects.live().order_by("path"), label=gettext_lazy("Course"))
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit (with its subtree)"), coerce=int)
    staff_category = forms.ChoiceField(
        label=gettext_lazy("Staff category"),
        required=False,
        choices=[("", gettext_lazy("All staff categories")), *StaffCategory.choices],
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _unit_choices(user)


def enrol_view(request):
    require(request, "courses.add_enrolment")
    form = EnrolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        unit = get_object_or_404(units_visible_to(request.user), pk=form.cleaned_data["unit"])
        course, due = form.cleaned_data["course"], form.cleaned_data["due_date"]
        if form.cleaned_data["staff_category"]:
            created = services.enrol_category(
                staff_category=form.cleaned_data["staff_category"],
                course=course,
                by=request.user,
                unit=unit,
                due_date=due,
            )
        else:
            created = services.enrol_units(unit=unit, course=course, by=request.user, due_date=due)
        messages.success(
            request,
            _("%(n)d officer(s) newly enrolled in %(course)s.") % {"n": created, "course": course.title},
        )
        return redirect("courses_enrol")
    return render(request, "courses/admin/enrol.html", _("Enrol officers"), {"form": form})


# --- sessions: registrations, attendance, sheets ------------------------------------------------------------------------


class BulkRegisterForm(forms.Form):
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit (with its subtree)"), coerce=int)
    staff_category = forms.ChoiceField(
        label=gettext_lazy("Staff category"),
        required=False,
        choices=[("", gettext_lazy("All staff categories")), *StaffCategory.choices],
    )

    def __init__(self, *args, session, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [
            c
            for c in _unit_choices(user)
            if Unit.objects.filter(pk=c[0], path__startswith=session.organizer.path).exists()
        ]


def session_roster(request, session_id):
    require(request, "courses.view_registration")
    session = _managed_session(request, session_id)
    form = BulkRegisterForm(request.POST or None, session=session, user=request.user)
    if request.method == "POST":
        require(request, "courses.add_registration")
        if "cancel" in request.POST:
            reg = get_object_or_404(Registration, session=session, pk=request.POST.get("cancel"))
            services.cancel_registration(registration=reg, by=request.user)
            messages.success(request, _("Registration cancelled."))
            return redirect("courses_session_roster", session_id=session.pk)
        if form.is_valid():
            unit = get_object_or_404(
                Unit, pk=form.cleaned_data["unit"], path__startswith=session.organizer.path
            )
            officers = officers_visible_to(request.user).filter(unit__path__startswith=unit.path)
            if form.cleaned_data["staff_category"]:
                officers = officers.filter(staff_category=form.cleaned_data["staff_category"])
            try:
                counts = services.register_bulk(session=session, officers=officers, by=request.user)
            except services.CoursesError as e:
                messages.error(request, str(e))
            else:
                messages.success(
                    request,
                    _("%(r)d registered, %(w)d on the waiting list, %(u)d already there.")
                    % {"r": counts["registered"], "w": counts["waitlisted"], "u": counts["unchanged"]},
                )
            return redirect("courses_session_roster", session_id=session.pk)
    registrations = list(
        Registration.objects.filter(session=session)
        .select_related("officer__unit")
        .order_by("status", "registered_at")
    )
    return render(
        request,
        "courses/admin/session_roster.html",
        _("Registrations"),
        {
            "session": session,
            "form": form,
            "registrations": registrations,
            "days": list(session.days.all()),
            "taken": sum(1 for r in registrations if r.status == Registration.Status.REGISTERED),
        },
        subtitle=session.title,
    )


def session_attendance(request, session_id, day_id):
    require(request, "courses.view_attendance")
    session = _managed_session(request, session_id)
    day = get_object_or_404(TrainingDay, pk=day_id, session=session)
    days, rows = selectors.attendance_grid(session)
    index = [d.pk for d in days].index(day.pk)
    if request.method == "POST":
        require(request, "courses.change_attendance")
        statuses, scores, errors = {}, {}, []
        for row in rows:
            officer = row["officer"]
            status = request.POST.get(f"status-{officer.pk}", "")
            if status:
                if status not in AttendanceStatus.values:
                    errors.append(_("%(name)s: unknown attendance status.") % {"name": officer.name})
                statuses[officer.pk] = status
            raw = (request.POST.get(f"score-{officer.pk}") or "").strip()
            if raw or row["registration"].assessment_score is not None:
                try:
                    score = Decimal(raw) if raw else None
                    if score is not None and not Decimal("0") <= score <= Decimal("100"):
                        raise InvalidOperation
                    scores[officer.pk] = score
                except InvalidOperation:
                    errors.append(
                        _("%(name)s: the score must be a number from 0 to 100.") % {"name": officer.name}
                    )
        if errors:
            for e in errors:
                messages.error(request, e)
        else:
            try:
                n = services.record_attendance(day=day, statuses=statuses, scores=scores, by=request.user)
                messages.success(request, _("Attendance saved (%(n)d change(s)).") % {"n": n})
                return redirect("courses_session_attendance", session_id=session.pk, day_id=day.pk)
            except services.CoursesError as e:
                messages.error(request, str(e))
    grid = [
        {"officer": r["officer"], "registration": r["registration"], "mark": r["cells"][index]} for r in rows
    ]
    now = timezone.now()
    step = TrainingDay.checkin_step(now)
    return render(
        request,
        "courses/admin/attendance.html",
        _("Attendance"),
        {
            "session": session,
            "day": day,
            "days": days,
            "grid": grid,
            "statuses": AttendanceStatus.choices,
            "checkin_url": request.build_absolute_uri(reverse("courses:check_in")) + f"?day={day.pk}",
            # The code shown when the page loads; courses/checkin_display.js keeps it and the QR current.
            "checkin_code": day.checkin_code(step=step),
            "checkin_step": step,
            "checkin_step_seconds": checkin_step_seconds(),
            "checkin_expires_in": checkin_step_seconds() - int(now.timestamp()) % checkin_step_seconds(),
            "checkin_opens_at": day.checkin_opens_at(),
            "checkin_closes_at": day.checkin_closes_at(),
            "checkin_tries": CHECKIN_TRIES_PER_DAY,
        },
        subtitle=f"{session.title} · {day.date:%Y-%m-%d}",
    )


def attendance_sheet(request, session_id):
    # Read-only: HR and unit leaders read the sheets of sessions in their subtree too.
    require(request, "courses.view_attendance")
    session = selectors.sessions_readable_by(request.user).filter(pk=session_id).first()
    if session is None:
        raise Http404
    days, rows = selectors.attendance_grid(session)
    if request.GET.get("format") == "xlsx":
        headers = (
            [pgettext("person", "Name"), _("Employee number"), _("Unit")]
            + [f"{d.date:%m-%d}" for d in days]
            + [_("Days attended"), _("Study hours"), _("Assessment score")]
        )
        data = [
            [r["officer"].name, r["officer"].employee_no, r["officer"].unit.name]
            + [c.get_status_display() if c else "" for c in r["cells"]]
            + [r["attended"], r["hours"], r["registration"].assessment_score]
            for r in rows
        ]
        return spreadsheet_response(f"attendance-{session.pk}.xlsx", headers, data)
    return TemplateResponse(
        request,
        "courses/admin/attendance_sheet.html",
        {
            "session": session,
            "days": days,
            "rows": rows,
            "printed": timezone.localtime(),
        },
    )


# --- reports ---------------------------------------------------------------------------------------------------------------


def _report_root(request):
    raw = request.GET.get("unit")
    if not raw:
        return None
    try:
        return units_visible_to(request.user).get(pk=int(raw))
    except (Unit.DoesNotExist, ValueError):
        raise Http404 from None


def _require_reports(request):
    if not (request.user.is_superuser or sees_subtree(request.user)) or not request.user.has_perm(
        "courses.view_enrolment"
    ):
        raise PermissionDenied


def progress_report(request):
    _require_reports(request)
    root = _report_root(request)
    course = None
    if request.GET.get("course"):
        course = get_object_or_404(CoursePage, pk=request.GET["course"])
    report = selectors.unit_progress(request.user, root=root, course=course)
    if request.GET.get("format") == "xlsx":
        rows = [
            [
                r["unit"].name,
                r["unit"].code,
                r["officers"],
                r["enrolled"],
                r["completed"],
                r["percent"],
                r["overdue"],
            ]
            for r in report["rows"]
        ]
        return spreadsheet_response(
            "course-progress.xlsx",
            [
                _("Unit"),
                _("Unit code"),
                pgettext("count", "Officers"),
                _("Enrolments"),
                _("Completed"),
                _("Completion %"),
                _("Overdue"),
            ],
            rows,
        )
    return render(
        request,
        "courses/admin/progress_report.html",
        _("Course progress by unit"),
        {
            "report": report,
            "units": _unit_choices(request.user),
            "courses": CoursePage.objects.live().order_by("path"),
            "course": course,
            "query": request.GET.urlencode(),
        },
    )


def hours_report(request):
    _require_reports(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    report = selectors.hours_report(request.user, year=year, root=_report_root(request))
    if request.GET.get("format") == "xlsx":
        rows = [
            [
                r["officer"].name,
                r["officer"].employee_no,
                r["unit"].full_name,
                r["officer"].get_staff_category_display(),
                r["total"],
                r["required"],
                _("Yes") if r["met"] else _("No"),
            ]
            for r in report["rows"]
        ]
        return spreadsheet_response(
            f"study-hours-{year}.xlsx",
            [
                pgettext("person", "Name"),
                _("Employee number"),
                _("Unit"),
                _("Staff category"),
                _("Hours earned"),
                pgettext("hours", "Required"),
                _("Met"),
            ],
            rows,
        )
    return render(
        request,
        "courses/admin/hours_report.html",
        _("Study hours by unit"),
        {
            "report": report,
            "units": _unit_choices(request.user),
            "year": year,
            "query": request.GET.urlencode(),
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        },
    )
