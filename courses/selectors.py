"""Read queries of courses, scoped to who asks: curriculum outlines, a learner's progress, sessions, the
study-hours record and the staff reports. Query counts do not grow with the number of enrolments."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, Subquery, Sum
from django.db.models.functions import ExtractYear, Substr
from django.http import Http404
from django.utils import timezone
from wagtail.models import Page

from cms.models import Officer, Unit
from cms.selectors import has_role, officer_of, officers_visible_to, scope_unit, units_visible_to
from courses import knowledge
from courses.models import (
    ATTENDED,
    CHECKIN_TRIES_PER_DAY,
    PRACTICE_SESSION_KINDS,
    AnnualHoursRequirement,
    Attendance,
    CheckInTries,
    CourseCategory,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    Registration,
    SessionKind,
    StudyHoursEntry,
    TrainingDay,
    TrainingSession,
)
from exams.models import Attempt, Qualification

# --- curriculum ----------------------------------------------------------------------------------------------------------


def lessons_of(course: CoursePage):
    return LessonPage.objects.child_of(course).live().order_by("path")


def curriculum_groups(index_page, user) -> list[dict]:
    courses = list(CoursePage.objects.child_of(index_page).live().order_by("path"))
    enrolled = {}
    officer = officer_of(user)
    if officer is not None:
        enrolled = dict(Enrolment.objects.filter(officer=officer).values_list("course_id", "status"))
    labels = dict(CourseCategory.choices)
    groups: dict[str, list] = defaultdict(list)
    for c in courses:
        c.enrolment_status = enrolled.get(c.pk)
        groups[c.category].append(c)
    return [{"category": labels.get(k, k), "courses": v} for k, v in groups.items()]


def search_curriculum(query: str) -> list:
    """Wagtail search (database backend) over live courses and lessons, followed by substring matches.

    The database backend tokenises on spaces, and Chinese text has none, so a word inside a sentence is found
    only by the substring pass; the curriculum is small (hundreds of pages), so that pass reads it whole.
    """
    query = query.strip()
    if not query:
        return []
    found = list(Page.objects.type(CoursePage, LessonPage).live().specific().search(query))
    seen = {p.pk for p in found}
    needle = query.casefold()
    for page in CoursePage.objects.live().order_by("path"):
        if (
            page.pk not in seen
            and needle in " ".join([page.title, page.summary, *page.objectives]).casefold()
        ):
            found.append(page)
            seen.add(page.pk)
    for page in LessonPage.objects.live().order_by("path"):
        if page.pk in seen:
            continue
        texts = [page.title, *page.body.stream_block.get_searchable_content(page.body)]
        if needle in " ".join(str(t) for t in texts).casefold():
            found.append(page)
            seen.add(page.pk)
    return found


def _required_lessons_by_course(courses: list[CoursePage]) -> dict[int, list[int]]:
    """Live required lesson ids per course, in one query (lessons are children: path prefix + depth)."""
    if not courses:
        return {}
    q = Q()
    for c in courses:
        q |= Q(path__startswith=c.path, depth=c.depth + 1)
    out: dict[int, list[int]] = {c.pk: [] for c in courses}
    by_path = {c.path: c.pk for c in courses}
    steplen = LessonPage.steplen
    for pk, path in LessonPage.objects.live().filter(q, required=True).values_list("pk", "path"):
        course_id = by_path.get(path[:-steplen])
        if course_id is not None:
            out[course_id].append(pk)
    return out


def _quiz_passed(officer_id: int, exam_ids: set[int]) -> set[int]:
    if not exam_ids:
        return set()
    return set(
        Attempt.objects.filter(
            officer_id=officer_id, exam_id__in=exam_ids, passed=True, is_mock=False, exam__is_mock=False
        ).values_list("exam_id", flat=True)
    )


def course_requirements_met(officer_id: int, course: CoursePage) -> bool:
    required = _required_lessons_by_course([course])[course.pk]
    done = LessonProgress.objects.filter(
        officer_id=officer_id, lesson_id__in=required, completed_at__isnull=False
    ).count()
    if done < len(required):
        return False
    if course.quiz_id and course.quiz_id not in _quiz_passed(officer_id, {course.quiz_id}):
        return False
    return bool(required) or bool(course.quiz_id)


def missing_prerequisites(officer: Officer, course: CoursePage) -> list[CoursePage]:
    prereqs = list(course.prerequisites.all())
    if not prereqs:
        return []
    done = set(
        Enrolment.objects.filter(officer=officer, course__in=prereqs, completed_at__isnull=False).values_list(
            "course_id", flat=True
        )
    )
    return [p for p in prereqs if p.pk not in done]


def my_enrolments(officer: Officer, today: datetime.date | None = None) -> list[Enrolment]:
    """The officer's enrolments with progress: a fixed handful of queries however many there are."""
    today = today or timezone.localdate()
    enrolments = list(
        Enrolment.objects.filter(officer=officer, course__live=True)
        .select_related("course")
        .order_by("completed_at", "due_date", "enrolled_at")
    )
    courses = [e.course for e in enrolments]
    required = _required_lessons_by_course(courses)
    all_required = {pk for ids in required.values() for pk in ids}
    done = set(
        LessonProgress.objects.filter(
            officer=officer, lesson_id__in=all_required, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    for e in enrolments:
        ids = required.get(e.course_id, [])
        e.lessons_total = len(ids)
        e.lessons_done = sum(1 for i in ids if i in done)
        steps = e.lessons_total + (1 if e.course.quiz_id else 0)
        finished = e.lessons_done + (1 if e.course.quiz_id and e.completed_at else 0)
        e.percent = 100 if e.completed_at else (int(finished * 100 / steps) if steps else 0)
        e.overdue = e.is_overdue(today)
        e.due_soon = (
            not e.completed_at
            and e.due_date is not None
            and not e.overdue
            and (e.due_date - today).days <= settings.COURSES_DUE_SOON_DAYS  # as the due-soon reminders
        )
    return enrolments


def resume_progress(officer: Officer, enrolments: list[Enrolment]) -> LessonProgress | None:
    """The lesson last read and not finished, in a course not completed yet: where 继续学习 leads (one query)."""
    course_ids = [e.course_id for e in enrolments if not e.completed_at]
    if not course_ids:
        return None
    return (
        LessonProgress.objects.filter(
            officer=officer, course_id__in=course_ids, completed_at__isnull=True, lesson__live=True
        )
        .select_related("lesson")
        .order_by("-last_heartbeat_at", "-started_at")
        .first()
    )


def course_percent(officer: Officer, course: CoursePage, enrolment: Enrolment | None = None) -> int:
    if enrolment is not None and enrolment.completed_at:
        return 100
    required = _required_lessons_by_course([course])[course.pk]
    done = LessonProgress.objects.filter(
        officer=officer, lesson_id__in=required, completed_at__isnull=False
    ).count()
    quiz = bool(course.quiz_id and course.quiz_id in _quiz_passed(officer.pk, {course.quiz_id}))
    steps = len(required) + (1 if course.quiz_id else 0)
    return int((done + int(quiz)) * 100 / steps) if steps else 0


def course_outline(course: CoursePage, user) -> dict:
    """A course page's lessons with the learner's state and where to resume."""
    lessons = list(lessons_of(course).specific())
    officer = officer_of(user)
    enrolment = None
    progress = {}
    if officer is not None:
        enrolment = Enrolment.objects.filter(officer=officer, course=course).first()
        progress = {p.lesson_id: p for p in LessonProgress.objects.filter(officer=officer, course=course)}
    resume = None
    for lesson in lessons:
        lesson.progress = progress.get(lesson.pk)
        lesson.done = bool(lesson.progress and lesson.progress.completed_at)
        if resume is None and not lesson.done:
            resume = lesson
    required = [lsn for lsn in lessons if lsn.required]
    done = sum(1 for lsn in required if lsn.done)
    quiz_passed = bool(
        course.quiz_id and officer and course.quiz_id in _quiz_passed(officer.pk, {course.quiz_id})
    )
    steps = len(required) + (1 if course.quiz_id else 0)
    percent = (
        100
        if enrolment and enrolment.completed_at
        else (int((done + int(quiz_passed)) * 100 / steps) if steps else 0)
    )
    return {
        "officer": officer,
        "lessons": lessons,
        "enrolment": enrolment,
        "resume_lesson": resume or (lessons[0] if lessons else None),
        "lessons_done": done,
        "lessons_required": len(required),
        "percent": percent,
        "quiz_passed": quiz_passed,
        "missing_prerequisites": missing_prerequisites(officer, course) if officer else [],
        "prerequisites": [p for p in course.prerequisites.all() if p.live],
        "can_self_enrol": bool(officer and not enrolment and course.is_open),
    }


def reading_clock(seconds_spent: int, required_seconds: int) -> dict:
    """The learner's reading clock in whole minutes: 已学 6 / 16 分钟 (the requirement rounded up)."""
    return {"spent": seconds_spent // 60, "required": -(-required_seconds // 60)}


def lesson_state(lesson: LessonPage, user) -> dict:
    """Everything a lesson page shows besides its body: progress, neighbours, the knowledge-check questions."""
    course = lesson.get_parent().specific
    siblings = list(lessons_of(course).values_list("pk", "title", "url_path"))
    ids = [s[0] for s in siblings]
    index = ids.index(lesson.pk) if lesson.pk in ids else -1
    prev_lesson = LessonPage.objects.get(pk=ids[index - 1]) if index > 0 else None
    next_lesson = LessonPage.objects.get(pk=ids[index + 1]) if 0 <= index < len(ids) - 1 else None
    officer = officer_of(user)
    enrolment = progress = None
    if officer is not None:
        enrolment = Enrolment.objects.filter(officer=officer, course=course).first()
        progress = LessonProgress.objects.filter(officer=officer, lesson=lesson).first()
    kc = {}
    answered = (progress.check_state if progress else {}) or {}
    check_done = True
    for block in lesson.knowledge_check_blocks():
        seed = knowledge.block_seed(officer.pk if officer else None, lesson.pk, block.id)
        questions = []
        for q in knowledge.draw(block.value, seed=seed):
            shown = knowledge.public(q, seed)
            # A settled question (answered right or out of tries) shows its answer again; an open one never does.
            if knowledge.settled(answered, block.id, q.pk):
                shown["revealed"] = knowledge.reveal(q)
            else:
                check_done = False
            questions.append(shown)
        kc[block.id] = {"questions": questions, "right": answered.get(block.id, [])}
    return {
        "course": course,
        "officer": officer,
        "enrolment": enrolment,
        "progress": progress,
        "prev_lesson": prev_lesson,
        "next_lesson": next_lesson,
        "lesson_index": index + 1,
        "lesson_count": len(ids),
        "kc_blocks": kc,
        "tracking": enrolment is not None,
        "required_seconds": lesson.required_seconds,
        "clock": reading_clock(progress.seconds_spent if progress else 0, lesson.required_seconds),
        "check_required": bool(kc) and lesson.complete_on_check,
        "check_done": check_done or bool(progress and progress.check_passed),
        "enrolment_percent": course_percent(officer, course, enrolment) if enrolment else 0,
    }


# --- sessions ---------------------------------------------------------------------------------------------------------------


def checkin_tries_used_up(officer: Officer) -> bool:
    """Whether the officer has no check-in tries left today (services.check_in refuses every further one)."""
    return CheckInTries.objects.filter(
        officer=officer, date=timezone.localdate(), failed__gte=CHECKIN_TRIES_PER_DAY
    ).exists()


def sessions_managed_by(user):
    """Sessions a training admin manages: those organised by a unit in their subtree; superusers all."""
    qs = TrainingSession.objects.select_related("organizer")
    if user.is_superuser:
        return qs
    if not has_role(user, "training_admin"):
        return qs.none()
    root = scope_unit(user)
    if root is None:
        return qs.none()
    return qs.filter(organizer__path__startswith=root.path)


def sessions_readable_by(user):
    """Sessions whose attendance sheet a user may read: the training admin's (sessions_managed_by) and, read-only,
    those an HR officer or unit leader oversees (organised by a unit in their subtree)."""
    managed = sessions_managed_by(user)
    if user.is_superuser or not has_role(user, "hr", "unit_leader"):
        return managed
    root = scope_unit(user)
    if root is None:
        return managed
    return TrainingSession.objects.select_related("organizer").filter(organizer__path__startswith=root.path)


def sessions_for_officer(officer: Officer):
    """Sessions organised for the officer's unit (its own or an ancestor), not drafts."""
    unit = officer.unit
    ancestor_paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    return (
        TrainingSession.objects.filter(organizer__path__in=ancestor_paths)
        .exclude(status=TrainingSession.Status.DRAFT)
        .select_related("organizer")
        .prefetch_related("days")
        .order_by("-registration_closes", "-id")
    )


def session_for_officer(officer: Officer, session_id: int) -> TrainingSession:
    try:
        return sessions_for_officer(officer).get(pk=session_id)
    except TrainingSession.DoesNotExist:
        raise Http404 from None


def attendance_grid(session: TrainingSession) -> tuple[list[TrainingDay], list[dict]]:
    days = list(session.days.all())
    regs = list(
        Registration.objects.filter(session=session, status=Registration.Status.REGISTERED)
        .select_related("officer__unit")
        .order_by("officer__unit__path", "officer__employee_no")
    )
    marks = {(a.day_id, a.officer_id): a for a in Attendance.objects.filter(day__in=days)}
    rows = []
    for r in regs:
        cells = [marks.get((d.pk, r.officer_id)) for d in days]
        attended = sum(1 for c in cells if c and c.status in ATTENDED)
        rows.append(
            {
                "registration": r,
                "officer": r.officer,
                "cells": cells,
                "attended": attended,
                "hours": session.hours_for_day(len(days)) * attended,
            }
        )
    return days, rows


# --- study hours and the one-person record ---------------------------------------------------------------------------


def requirement_for(staff_category: str) -> Decimal | None:
    row = AnnualHoursRequirement.objects.filter(staff_category=staff_category).first()
    return row.hours if row else None


def hours_by_year(officer: Officer) -> list[dict]:
    """Study hours per year with the requirement, and of them the practice hours: days attended at a
    demonstration (示范观摩) or cross-enforcement (交叉执法) session."""
    practice_sessions = TrainingSession.objects.filter(kind__in=PRACTICE_SESSION_KINDS).values("pk")
    rows = (
        StudyHoursEntry.objects.filter(officer=officer)
        .annotate(year=ExtractYear("earned_on"))
        .values("year")
        .annotate(
            total=Sum("hours"),
            practice=Sum(
                "hours",
                filter=Q(
                    source_kind=StudyHoursEntry.SourceKind.SESSION_DAY,
                    context_id__in=Subquery(practice_sessions),
                ),
                default=Decimal(0),
            ),
        )
        .order_by("-year")
    )
    required = requirement_for(officer.staff_category)
    return [
        {
            "year": r["year"],
            "total": r["total"],
            "practice": r["practice"],
            "required": required,
            "met": required is None or r["total"] >= required,
        }
        for r in rows
    ]


def record_officer(user, officer_id: int | None = None) -> Officer:
    """The officer whose record (一人一档) the user may see: themselves, or someone in their scope; else 404."""
    if officer_id is None:
        officer = officer_of(user)
        if officer is None:
            raise Http404
        return officer
    try:
        return officers_visible_to(user).select_related("unit", "user").get(pk=officer_id)
    except Officer.DoesNotExist:
        raise Http404 from None


def officer_record(officer: Officer) -> dict:
    ledger = list(StudyHoursEntry.objects.filter(officer=officer).order_by("-earned_on", "-id"))
    # A session day's line names the session's kind (集训, 示范观摩, 交叉执法 …): all credit hours the same way.
    session_ids = {
        h.context_id
        for h in ledger
        if h.source_kind == StudyHoursEntry.SourceKind.SESSION_DAY and h.context_id is not None
    }
    kinds = (
        dict(TrainingSession.objects.filter(pk__in=session_ids).values_list("pk", "kind"))
        if session_ids
        else {}
    )
    kind_labels = dict(SessionKind.choices)
    for h in ledger:
        kind = kinds.get(h.context_id) if h.source_kind == StudyHoursEntry.SourceKind.SESSION_DAY else None
        h.session_kind = kind_labels.get(kind, "") if kind else ""
    regs = list(
        Registration.objects.filter(officer=officer)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("session")
        .order_by("-registered_at")
    )
    attended = defaultdict(int)
    for a in Attendance.objects.filter(officer=officer, status__in=[s.value for s in ATTENDED]):
        attended[a.day.session_id] += 1
    for r in regs:
        r.days_attended = attended.get(r.session_id, 0)
    return {
        "officer": officer,
        "spells": list(officer.spells.select_related("unit").order_by("hire_date")),
        "enrolments": my_enrolments(officer),
        "registrations": regs,
        "ledger": ledger,
        "years": hours_by_year(officer),
        "qualifications": list(Qualification.objects.filter(officer=officer).select_related("exam")),
        "today": timezone.localdate(),
    }


# --- staff reports -----------------------------------------------------------------------------------------------------------


def _group_units(user, root: Unit | None):
    """The units a report has rows for: the children of the chosen root (or the user's scope root itself)."""
    visible = units_visible_to(user)
    if root is None:
        base = scope_unit(user) if not user.is_superuser else Unit.get_first_root_node()
        if base is None:
            return visible.none(), None
        root = base
    if not visible.filter(pk=root.pk).exists():
        raise Http404
    children = list(root.get_children())
    return (children or [root]), root


def unit_progress(
    user, *, root: Unit | None = None, course: CoursePage | None = None, today: datetime.date | None = None
) -> dict:
    """Course progress by unit: enrolled, completed, completion %, overdue — one aggregate query per level."""
    today = today or timezone.localdate()
    units, root = _group_units(user, root)
    if root is None:
        return {"root": None, "rows": [], "total": None}
    qs = Enrolment.objects.filter(officer__unit__path__startswith=root.path, course__live=True)
    if course is not None:
        qs = qs.filter(course=course)
    steplen = Unit.steplen
    depth = root.depth + (1 if units and units[0].pk != root.pk else 0)
    agg = (
        qs.annotate(group_path=Substr("officer__unit__path", 1, depth * steplen))
        .values("group_path")
        .annotate(
            enrolled=Count("id"),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
            overdue=Count("id", filter=Q(completed_at__isnull=True, due_date__lt=today)),
            officers=Count("officer_id", distinct=True),
        )
    )
    by_path = {r["group_path"]: r for r in agg}
    rows = []
    total = {"enrolled": 0, "completed": 0, "overdue": 0, "officers": 0}
    if units[0].pk != root.pk and root.path in by_path:
        units = [root, *units]  # officers placed directly in the root unit
    for u in units:
        r = by_path.get(u.path, {"enrolled": 0, "completed": 0, "overdue": 0, "officers": 0})
        row = {"unit": u, **{k: r[k] for k in total}}
        row["percent"] = round(row["completed"] * 100 / row["enrolled"], 1) if row["enrolled"] else None
        rows.append(row)
        for k in total:
            total[k] += row[k]
    total["percent"] = round(total["completed"] * 100 / total["enrolled"], 1) if total["enrolled"] else None
    return {"root": root, "rows": rows, "total": total}


def hours_report(user, *, year: int, root: Unit | None = None) -> dict:
    """Each visible officer's study hours in a year against their category's requirement, by unit."""
    units, root = _group_units(user, root)
    if root is None:
        return {"root": None, "rows": []}
    officers = list(
        officers_visible_to(user)
        .filter(unit__path__startswith=root.path, status=Officer.Status.ACTIVE)
        .select_related("unit")
        .order_by("unit__path", "employee_no")
    )
    totals = dict(
        StudyHoursEntry.objects.filter(officer__in=[o.pk for o in officers], earned_on__year=year)
        .values("officer_id")
        .annotate(total=Sum("hours"))
        .values_list("officer_id", "total")
    )
    last = dict(
        StudyHoursEntry.objects.filter(officer__in=[o.pk for o in officers], earned_on__year=year)
        .values("officer_id")
        .annotate(last=Max("earned_on"))
        .values_list("officer_id", "last")
    )
    required = dict(AnnualHoursRequirement.objects.values_list("staff_category", "hours"))
    rows = []
    for o in officers:
        total = totals.get(o.pk) or Decimal("0")
        req = required.get(o.staff_category)
        rows.append(
            {
                "officer": o,
                "unit": o.unit,
                "total": total,
                "required": req,
                "last": last.get(o.pk),
                "met": req is None or total >= req,
            }
        )
    return {"root": root, "rows": rows, "year": year}
