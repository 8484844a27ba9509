"""Demo data of courses for `seed_demo`: the curriculum pages from courses.demo.lessons (knowledge checks resolved
against the YZYH bank by stem), enrolments with realistic progress and hours for the demo trainees, and three
training sessions (two past with attendance and assessment, one upcoming and open). Idempotent and deterministic."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission
from wagtail.rich_text import RichText

from cms import audit
from cms.models import HomePage, Officer, Unit
from cms.schedules import apply_schedules
from courses import knowledge, selectors, services
from courses.demo.lessons import CURRICULUM
from courses.models import (
    AnnualHoursRequirement,
    CoursePage,
    CurriculumIndexPage,
    Enrolment,
    LessonPage,
    LessonProgress,
    Registration,
    StudyHoursEntry,
    TrainingDay,
    TrainingSession,
)
from courses.signals import course_completed
from exams.models import Attempt

BANK_CODE = "YZYH"
INDEX_SLUG = "curriculum"
OPEN_COURSES = {"hazard-inspection", "confined-space-hot-work"}


def _curriculum() -> list[dict]:
    return CURRICULUM


def _body(blocks: list) -> list:
    out = []
    for block_type, value in blocks:
        if block_type == "paragraph":
            out.append(("paragraph", RichText(value)))
        elif block_type == "knowledge_check":
            questions = knowledge.questions_by_stem(BANK_CODE, list(value.get("question_stems") or []))
            if questions:
                out.append(
                    (
                        "knowledge_check",
                        {
                            "title": "",
                            "bank": None,
                            "category": None,
                            "questions": questions,
                            "count": len(questions),
                        },
                    )
                )
        else:
            out.append((block_type, value))
    return out


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def build_pages(stdout) -> list[CoursePage]:
    home = HomePage.objects.first()
    if home is None:
        stdout.write(_("No home page, so no curriculum."))
        return []
    index = CurriculumIndexPage.objects.child_of(home).filter(slug=INDEX_SLUG).first()
    if index is None:
        index = _publish(
            home,
            CurriculumIndexPage(
                title="岗前培训课程体系",
                slug=INDEX_SLUG,
                intro="新入职安监员岗前自学课程：法律法规、基础理论、执法实务和应急处置。每个课时末尾有知识检测，答对即可完成该课时。",
            ),
        )
    courses = []
    created_lessons = 0
    previous = None
    for data in _curriculum():
        course = CoursePage.objects.child_of(index).filter(slug=data["slug"]).first()
        if course is None:
            course = CoursePage(
                title=data["title"],
                slug=data["slug"],
                summary=data["summary"],
                category=data["category"],
                objectives=list(data["objectives"]),
                study_hours=Decimal(data["study_hours"]),
                target_categories=list(data["target_categories"]),
                is_open=data["slug"] in OPEN_COURSES,
            )
            index.add_child(instance=course)
            if previous is not None and data["slug"] == "enforcement-procedure":
                course.prerequisites.add(previous)
            course.save_revision().publish()
        courses.append(course)
        previous = course
        for lesson in data["lessons"]:
            if LessonPage.objects.child_of(course).filter(slug=lesson["slug"]).exists():
                continue
            _publish(
                course,
                LessonPage(
                    title=lesson["title"],
                    slug=lesson["slug"],
                    estimated_minutes=lesson["minutes"],
                    body=_body(lesson["body"]),
                ),
            )
            created_lessons += 1
    _grant_editing(index)
    stdout.write(
        _("Curriculum: %(courses)s courses, %(lessons)s new lessons.")
        % {"courses": len(courses), "lessons": created_lessons}
    )
    return courses


def _grant_editing(index) -> None:
    """Training admins edit the curriculum; publishing goes through the default moderation workflow."""
    group = Group.objects.filter(name="training_admin").first()
    if group is None:
        return
    for codename in ("add_page", "change_page", "publish_page"):
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=group, page=index, permission=permission)


def _trainees() -> list[Officer]:
    return list(
        Officer.objects.filter(user__groups__name="trainee", status=Officer.Status.ACTIVE)
        .select_related("unit", "user")
        .prefetch_related("spells")
        .order_by("employee_no")
        .distinct()
    )


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def seed_progress(courses: list[CoursePage], trainees: list[Officer], rng: random.Random, stdout) -> None:
    """Enrol each trainee in the courses of their category; newly created enrolments get plausible progress.

    Rows are collected first and written in two bulk inserts (≈500 enrolments, ≈3000 lesson progress rows); the
    enrolments whose lessons are all done are then completed together (`_complete_enrolments`)."""
    today = timezone.localdate()
    lessons_of = {c.pk: list(LessonPage.objects.child_of(c).live().order_by("path")) for c in courses}
    existing = set(
        Enrolment.objects.filter(officer__in=trainees, course__in=courses).values_list(
            "officer_id", "course_id"
        )
    )
    enrolments, progress, finished = [], [], []
    for officer in trainees:
        hired = officer.first_hire_date or today
        for n, course in enumerate(courses):
            if course.target_categories and officer.staff_category not in course.target_categories:
                continue
            if (officer.pk, course.pk) in existing:
                continue
            lessons = lessons_of[course.pk]
            days_in = max((today - hired).days, 0)
            # Longer-serving trainees are further on; demo_trainee (hired in September) is part-way.
            expected = min(1.0, days_in / (60 + 20 * n))
            share = min(1.0, max(0.0, rng.gauss(expected, 0.25)))
            done = round(share * len(lessons))
            if officer.user.username == "demo_trainee":
                done = {0: len(lessons), 1: 2, 2: 1}.get(n, 0)
            enrolment = Enrolment(
                officer=officer,
                course=course,
                source=Enrolment.Source.UNIT,
                due_date=hired + datetime.timedelta(days=45 + 15 * n),
                enrolled_at=_at(hired, 9),
                status=Enrolment.Status.IN_PROGRESS if done else Enrolment.Status.ENROLLED,
            )
            enrolments.append(enrolment)
            last_completed = None
            for k, lesson in enumerate(lessons[: done + (1 if done < len(lessons) else 0)]):
                when = _at(min(today, hired + datetime.timedelta(days=3 + 4 * n + k)), 20, rng.randrange(60))
                is_done = k < done
                seconds = int(
                    lesson.estimated_minutes
                    * 60
                    * (rng.uniform(0.85, 1.3) if is_done else rng.uniform(0.1, 0.5))
                )
                completed_at = when + datetime.timedelta(seconds=seconds) if is_done else None
                if completed_at and (last_completed is None or completed_at > last_completed):
                    last_completed = completed_at
                progress.append(
                    LessonProgress(
                        officer=officer,
                        lesson=lesson,
                        course=course,
                        started_at=when,
                        completed_at=completed_at,
                        seconds_spent=seconds,
                        reached_end=is_done,
                        last_position=1.0 if is_done else 0.4,
                        last_heartbeat_at=when + datetime.timedelta(seconds=seconds),
                    )
                )
            if done == len(lessons) and lessons:
                finished.append((enrolment, last_completed))
    Enrolment.objects.bulk_create(enrolments, batch_size=500)
    LessonProgress.objects.bulk_create(progress, batch_size=500)
    _complete_enrolments(finished)
    stdout.write(
        _("Enrolments: %(new)s new for %(trainees)s trainees.")
        % {"new": len(enrolments), "trainees": len(trainees)}
    )


def _complete_enrolments(finished: list[tuple[Enrolment, datetime.datetime]]) -> None:
    """What `services.evaluate_enrolment(enrolment=e, now=at)` does for each (e, at), in a handful of statements
    instead of ten or so per enrolment: the same completion rule (every required live lesson complete, the course's
    quiz passed if it has one), the same rows (status and completion time, the study-hours line that brings the
    course's net hours to its hours, the audit event and its Wagtail log mirror) and the same `course_completed`
    signal per enrolment after the commit. tests/courses/test_demo_completion.py holds the two to the same result
    on the demo data. For new enrolments only (the seed's): the service's exactly-once guard, a conditional UPDATE
    per enrolment, is for enrolments a learner's request may complete at the same moment."""
    pending = [(e, at) for e, at in finished if e.completed_at is None]
    if not pending:
        return
    courses = {c.pk: c for c in CoursePage.objects.filter(pk__in={e.course_id for e, _at in pending})}
    required = selectors._required_lessons_by_course(list(courses.values()))
    officer_ids = {e.officer_id for e, _at in pending}
    done = set(
        LessonProgress.objects.filter(
            officer_id__in=officer_ids,
            lesson_id__in={pk for ids in required.values() for pk in ids},
            completed_at__isnull=False,
        ).values_list("officer_id", "lesson_id")
    )
    quiz_ids = {c.quiz_id for c in courses.values() if c.quiz_id}
    passed = set(
        Attempt.objects.filter(
            officer_id__in=officer_ids, exam_id__in=quiz_ids, passed=True, is_mock=False, exam__is_mock=False
        ).values_list("officer_id", "exam_id")
    )

    def met(enrolment) -> bool:
        course = courses[enrolment.course_id]
        lessons = required[course.pk]
        if any((enrolment.officer_id, pk) not in done for pk in lessons):
            return False
        if course.quiz_id and (enrolment.officer_id, course.quiz_id) not in passed:
            return False
        return bool(lessons) or bool(course.quiz_id)

    completing = [(e, at) for e, at in pending if met(e)]
    if not completing:
        return
    officers = {o.pk: o for o in Officer.objects.select_related("unit").filter(pk__in=officer_ids)}
    for enrolment, at in completing:
        enrolment.status, enrolment.completed_at = Enrolment.Status.COMPLETED, at
    Enrolment.objects.bulk_update([e for e, _at in completing], ["status", "completed_at"], batch_size=500)

    # The ledger: each (officer, course) source's net hours brought to the course's hours (services.sync_hours).
    lines: dict[tuple[int, int], list[tuple[int, Decimal]]] = {}
    for officer_id, source_id, seq, hours in StudyHoursEntry.objects.filter(
        officer_id__in=officer_ids,
        source_kind=StudyHoursEntry.SourceKind.COURSE,
        source_id__in=list(courses),
    ).values_list("officer_id", "source_id", "seq", "hours"):
        lines.setdefault((officer_id, source_id), []).append((seq, hours))
    entries = []
    for enrolment, at in completing:
        course = courses[enrolment.course_id]
        previous = lines.get((enrolment.officer_id, course.pk), [])
        delta = Decimal(course.study_hours) - sum((h for _s, h in previous), Decimal("0"))
        if delta == 0:
            continue
        entries.append(
            StudyHoursEntry(
                officer_id=enrolment.officer_id,
                hours=delta,
                source_kind=StudyHoursEntry.SourceKind.COURSE,
                source_id=course.pk,
                seq=max((s for s, _h in previous), default=0) + 1,
                description=course.title[:255],
                earned_on=timezone.localdate(at),
                context_id=course.pk,
            )
        )
    StudyHoursEntry.objects.bulk_create(entries, batch_size=500)

    for enrolment, _at in completing:
        enrolment.officer = officers[enrolment.officer_id]  # str(enrolment) names the officer
    audit.record_many(
        [
            {
                "actor": None,
                "action": "courses.course_complete",
                "obj": enrolment,
                "unit": enrolment.officer.unit,
                "object_repr": f"{enrolment.officer} · {courses[enrolment.course_id].title}",
            }
            for enrolment, _at in completing
        ]
    )

    def send():
        for enrolment, _at in completing:
            course_completed.send(
                sender=Enrolment,
                enrolment=enrolment,
                officer=officers[enrolment.officer_id],
                course=courses[enrolment.course_id],
            )

    transaction.on_commit(send)


SESSIONS = [
    {
        "title": "2026年秋季新入职安监员岗前集训（第一期）",
        "organizer": "C01",
        "location": "示范市应急管理局培训中心二楼报告厅",
        "capacity": 60,
        "hours_per_day": Decimal("6"),
        "first_day": datetime.date(2026, 9, 21),
        "days": 3,
        "status": TrainingSession.Status.FINISHED,
        "courses": ["aqf-duties", "enforcement-procedure"],
        "description": "岗前集中培训：安全生产法律法规、行政执法程序与文书、现场检查演练，结业考核。",
    },
    {
        "title": "东城区危险化学品和有限空间专项培训",
        "organizer": "D01",
        "location": "东城区应急管理局三楼会议室",
        "capacity": 30,
        "hours_per_day": Decimal("4"),
        "first_day": datetime.date(2026, 10, 22),
        "days": 2,
        "status": TrainingSession.Status.FINISHED,
        "courses": ["hazchem-basics", "confined-space-hot-work"],
        "description": "危险化学品基础知识、有限空间和动火作业检查要点，含现场观摩。",
    },
    {
        "title": "2026年冬季新入职安监员岗前集训（第二期）",
        "organizer": "C01",
        "location": "示范市应急管理局培训中心二楼报告厅",
        "capacity": 40,
        "hours_per_day": Decimal("6"),
        "first_day": None,  # two weeks from today, so it stays upcoming
        "days": 3,
        "status": TrainingSession.Status.OPEN,
        "courses": ["hazard-inspection", "accident-reporting-response"],
        "description": "隐患排查方法、事故报告和应急处置，情景模拟演练。报名截止前可自行取消。",
    },
]


def seed_sessions(trainees: list[Officer], rng: random.Random, stdout) -> None:
    today = timezone.localdate()
    units = {u.code: u for u in Unit.objects.filter(code__in={s["organizer"] for s in SESSIONS})}
    by_slug = {c.slug: c for c in CoursePage.objects.all()}
    for spec in SESSIONS:
        organizer = units.get(spec["organizer"])
        if organizer is None:
            continue
        session = TrainingSession.objects.filter(title=spec["title"]).first()
        if session is not None:
            continue
        first = spec["first_day"] or today + datetime.timedelta(days=14)
        past = spec["first_day"] is not None
        session = TrainingSession.objects.create(
            title=spec["title"],
            organizer=organizer,
            location=spec["location"],
            capacity=spec["capacity"],
            hours_per_day=spec["hours_per_day"],
            status=TrainingSession.Status.OPEN,
            description=spec["description"],
            registration_opens=_at(first - datetime.timedelta(days=30), 9),
            registration_closes=_at(first - datetime.timedelta(days=3), 18),
        )
        session.courses.set([by_slug[s] for s in spec["courses"] if s in by_slug])
        days = [
            TrainingDay.objects.create(
                session=session,
                date=first + datetime.timedelta(days=i),
                start=datetime.time(8, 30),
                end=datetime.time(17, 0),
            )
            for i in range(spec["days"])
        ]
        eligible = [
            o
            for o in trainees
            if o.unit.path.startswith(organizer.path) and (o.first_hire_date or today) < first
        ]
        if not past:
            eligible = [o for o in eligible if o.user.username != "demo_trainee"][: spec["capacity"] // 3]
        for officer in eligible[: spec["capacity"] + 3]:
            services.register(
                session=session,
                officer=officer,
                by=None,
                now=session.registration_opens + datetime.timedelta(hours=rng.randrange(1, 400)),
            )
        if past:
            registered = list(
                Registration.objects.filter(
                    session=session, status=Registration.Status.REGISTERED
                ).values_list("officer_id", flat=True)
            )
            for day in days:
                statuses = {}
                for officer_id in registered:
                    statuses[officer_id] = rng.choices(
                        ["present", "late", "left_early", "absent", "excused"], [82, 7, 4, 4, 3]
                    )[0]
                services.record_attendance(day=day, statuses=statuses, by=None, now=_at(day.date, 17, 30))
            scores = {oid: Decimal(str(round(rng.uniform(62, 98) * 2) / 2)) for oid in registered}
            services.record_attendance(day=days[-1], statuses={}, by=None, scores=scores)
            session.status = spec["status"]
            session.save(update_fields=["status"])
        stdout.write(
            _("Training session %(title)s (%(status)s).")
            % {"title": session.title, "status": session.get_status_display()}
        )


def seed(*, stdout, rng: random.Random) -> None:
    with transaction.atomic():
        courses = build_pages(stdout)
        trainees = _trainees()
        if courses:
            seed_progress(courses, trainees, rng, stdout)
        seed_sessions(trainees, rng, stdout)
        # The annual study-hours requirements apply city-wide, so they are the city's: HR at city scope (here the
        # superuser "admin") changes them; demo_hr, HR of 东城区, only reads them.
        AnnualHoursRequirement.objects.filter(unit__isnull=True).update(unit=Unit.get_first_root_node())
        apply_schedules()
