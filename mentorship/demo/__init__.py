"""Demo mentoring data: the pre-service programme and ≥ 20 apprenticeships at different stages (deterministic)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Officer, StaffCategory, Unit
from courses.models import CoursePage, TrainingSession
from exams.models import Exam
from mentorship.models import (
    Apprenticeship,
    Assignment,
    AssignmentReport,
    AssignmentReview,
    Decision,
    Evaluation,
    MentorshipSettings,
    Milestone,
    Pairing,
    Programme,
    Stage,
    StageProgress,
    StageRequirement,
    Submission,
)

PROGRAMME_NAME = "新录用专职安监员岗前培养方案"
STAGES = [
    ("岗前自学", 30, "hire", 0, "在线学习用人单位指定的法律法规、基础理论和执法实务课程。"),
    ("集中培训", 60, "hire", 0, "参加市、区组织的集中培训，考勤合格并通过考核。"),
    ("应知应会考试", 75, "hire", 0, "通过应知应会资格考试，取得上岗资格。"),
    ("跟岗实践（以老带新）", 90, "stage_start", 30, "在导师带领下跟岗实践，完成里程碑并经导师签字确认。"),
    ("考核选用", 30, "stage_start", 0, "导师考评、单位考核，提交择优选用。"),
]
MILESTONES = {
    3: [
        ("独立完成一次企业安全检查", "检查记录表、现场照片，注明检查企业和发现的问题"),
        ("起草一份执法文书", "起草的责令限期整改指令书或现场检查记录（隐去企业敏感信息）"),
        ("参与一次隐患复查", "复查记录和整改前后对比照片"),
    ],
    4: [("独立完成一次执法检查并制作全套文书", "全套检查文书扫描件")],
}
TASKS = [
    ("梳理辖区危险化学品企业清单", "按行业、规模和风险等级整理辖区危化品企业，标注重点监管企业。"),
    (
        "学习《安全生产法》第二十一条并讲给我听",
        "用自己的话说明生产经营单位主要负责人的七项职责，下次碰面时讲解。",
    ),
    ("跟我一起查一家小微企业", "周三上午一起检查，重点看消防通道、电气线路和有限空间作业管理。"),
    ("起草一份现场检查记录", "根据上周检查的五金厂情况起草现场检查记录，注意描述隐患的具体位置和依据。"),
    ("整理一次隐患复查材料", "对上月下达整改指令的企业开展复查，整理整改前后照片。"),
]
COMMENTS_APPROVE = [
    "能够独立完成，检查要点把握准确。",
    "文书要素齐全，依据引用正确。",
    "复查认真，对比照片清楚。",
]
COMMENTS_RETURN = ["照片不够清楚，请补充隐患部位特写。", "文书缺少法律依据条款，请补充后重新提交。"]


def _course_requirements():
    return list(CoursePage.objects.live().order_by("path")[:3])


def _session():
    return TrainingSession.objects.order_by("id").first()


def _exam():
    return Exam.objects.filter(is_qualifying=True, is_mock=False).order_by("id").first()


def _programme(city: Unit) -> Programme:
    programme, created = Programme.objects.get_or_create(
        unit=city,
        name=PROGRAMME_NAME,
        version=1,
        defaults={
            "staff_categories": [StaffCategory.FULL_TIME, StaffCategory.AUXILIARY],
            "description": "岗前自学 → 集中培训 → 应知应会考试 → 跟岗实践(以老带新) → 考核选用",
        },
    )
    if not created:
        return programme
    stages = []
    for i, (name, due, due_from, min_days, description) in enumerate(STAGES):
        stages.append(
            Stage.objects.create(
                programme=programme,
                order=i + 1,
                name=name,
                due_days=due,
                due_from=due_from,
                min_days=min_days,
                description=description,
            )
        )
    for course in _course_requirements():
        StageRequirement.objects.create(stage=stages[0], kind="course", course=course)
    session = _session()
    if session is not None:
        StageRequirement.objects.create(stage=stages[1], kind="session", session=session, min_score=60)
    exam = _exam()
    if exam is not None:
        StageRequirement.objects.create(stage=stages[2], kind="exam", exam=exam)
    for index, items in MILESTONES.items():
        for order, (title, evidence) in enumerate(items):
            Milestone.objects.create(
                stage=stages[index], order=order + 1, title=title, evidence_required=evidence
            )
    return programme


def seed(*, stdout, rng) -> None:
    city = Unit.objects.filter(kind=Unit.Kind.CITY).order_by("path").first()
    if city is None:
        stdout.write(_("Mentoring: no city, skipped."))
        return
    with transaction.atomic():
        cfg = MentorshipSettings.load()
        cfg.mentor_requires_qualification = False  # demo mentors pre-date the platform's exams
        cfg.save()
        programme = _programme(city)
        if Apprenticeship.objects.filter(programme=programme).exists():
            stdout.write(_("Mentoring: already loaded."))
            return
        _seed_apprenticeships(programme, rng)
    stdout.write(
        _("Mentoring: programme with %(stages)s stages, %(apprenticeships)s apprenticeships.")
        % {
            "stages": programme.stages.count(),
            "apprenticeships": Apprenticeship.objects.filter(programme=programme).count(),
        }
    )


def _seed_apprenticeships(programme: Programme, rng) -> None:
    User = get_user_model()
    today = timezone.localdate()
    stages = list(programme.stages.order_by("order"))
    milestones = {s.pk: list(s.milestones.all()) for s in stages}
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    cutoff = today - datetime.timedelta(days=420)
    apprentices = list(
        Officer.objects.filter(
            status=Officer.Status.ACTIVE,
            staff_category__in=programme.staff_categories,
            spells__leave_date__isnull=True,
            spells__hire_date__gte=cutoff,
        )
        .select_related("unit", "user")
        .distinct()
        .order_by("employee_no")
    )
    demo = Officer.objects.filter(user__username="demo_trainee").first()
    if demo:
        apprentices = [demo] + [o for o in apprentices if o.pk != demo.pk]
    apprentices = apprentices[:32]
    mentors = list(
        Officer.objects.filter(status=Officer.Status.ACTIVE, user__groups__name="mentor")
        .select_related("unit", "user")
        .order_by("employee_no")
    )
    demo_mentor = Officer.objects.filter(user__username="demo_mentor").first()
    load: dict[int, int] = {}

    def pick_mentor(officer):
        # The demo mentor takes the demo trainee and fills their quota from the same district first.
        if demo_mentor and (
            officer == demo
            or (
                officer.unit.path.startswith(demo_mentor.unit.path[: 2 * Unit.steplen])
                and load.get(demo_mentor.pk, 0) < 3
                and officer.pk != demo_mentor.pk
            )
        ):
            return demo_mentor
        district = officer.unit.path[: 2 * Unit.steplen]
        same = [
            m
            for m in mentors
            if m.unit.path.startswith(district) and m.pk != officer.pk and load.get(m.pk, 0) < 3
        ]
        pool = [m for m in same if m.unit_id == officer.unit_id] or same
        return rng.choice(pool) if pool else None

    for officer in apprentices:
        hire = (
            officer.spells.filter(leave_date__isnull=True)
            .order_by("-hire_date")
            .values_list("hire_date", flat=True)
            .first()
            or today
        )
        # Place apprentices on the stage their time since hire suggests (typical days from hire per stage end).
        elapsed = (today - hire).days
        pace = rng.uniform(1.0, 3.2)  # some move through the programme faster than others
        reached = sum(1 for threshold in (30, 60, 80, 170) if elapsed > threshold * pace)
        if officer == demo:
            reached = 3  # the demo trainee is in mentored practice, so milestones and tasks are there to try
        completed_all = elapsed > 400 and rng.random() < 0.5
        current = stages[min(reached, len(stages) - 1)]
        a = Apprenticeship.objects.create(
            officer=officer,
            programme=programme,
            current_stage=None if completed_all else current,
            status=Apprenticeship.Status.COMPLETED if completed_all else Apprenticeship.Status.IN_PROGRESS,
            hire_date=hire,
            started_on=hire,
            ended_on=today - datetime.timedelta(days=rng.randint(1, 30)) if completed_all else None,
            last_activity_at=timezone.now() - datetime.timedelta(days=rng.randint(0, 20)),
        )
        start = hire
        last = len(stages) if completed_all else reached + 1
        for index, stage in enumerate(stages[:last]):
            due = stage.due_date(hire_date=hire, started_on=start)
            done = index < reached or completed_all
            end = (
                min(
                    start + datetime.timedelta(days=max(stage.min_days, rng.randint(10, stage.due_days + 8))),
                    today,
                )
                if done
                else None
            )
            StageProgress.objects.create(
                apprenticeship=a, stage=stage, started_on=start, due_on=due, completed_on=end
            )
            if end:
                start = end
        mentor = pick_mentor(officer)
        if mentor is None:
            continue
        load[mentor.pk] = load.get(mentor.pk, 0) + 1
        Pairing.objects.create(
            apprenticeship=a, mentor=mentor, started_on=hire + datetime.timedelta(days=3), created_by=admin
        )
        _seed_practice(a, mentor, stages, milestones, reached, completed_all, rng, today)


def _seed_practice(a, mentor, stages, milestones, reached, completed_all, rng, today):
    for index, stage in enumerate(stages):
        if index > reached and not completed_all:
            break
        for m in milestones[stage.pk]:
            finished = index < reached or completed_all
            if not finished and rng.random() < 0.4:
                continue
            when = max(a.started_on, today - datetime.timedelta(days=rng.randint(2, 40)))
            sub = Submission.objects.create(
                apprenticeship=a,
                milestone=m,
                happened_on=when,
                place=f"{a.officer.unit.name}辖区企业",
                text=f"按导师要求完成：{m.title}。{m.evidence_required}已整理。",
                submitted_at=timezone.make_aware(
                    datetime.datetime.combine(when + datetime.timedelta(days=1), datetime.time(16, 30))
                ),
            )
            if finished:
                if rng.random() < 0.3:
                    Decision.objects.create(
                        submission=sub,
                        outcome="returned",
                        comment=rng.choice(COMMENTS_RETURN),
                        decided_by=mentor.user,
                        decided_at=sub.submitted_at + datetime.timedelta(days=1),
                    )
                    sub = Submission.objects.create(
                        apprenticeship=a,
                        milestone=m,
                        happened_on=when,
                        place=sub.place,
                        text=sub.text + "（已补充材料）",
                        submitted_at=sub.submitted_at + datetime.timedelta(days=2),
                    )
                Decision.objects.create(
                    submission=sub,
                    outcome="approved",
                    comment=rng.choice(COMMENTS_APPROVE),
                    decided_by=mentor.user,
                    decided_at=sub.submitted_at + datetime.timedelta(days=1),
                )
                Submission.objects.filter(pk=sub.pk).update(status="approved")
        if index >= 3 or completed_all:
            for title, description in rng.sample(TASKS, 2):
                task = Assignment.objects.create(
                    apprenticeship=a,
                    stage=stage,
                    title=title,
                    description=description,
                    due_on=today + datetime.timedelta(days=rng.randint(-5, 14)),
                    set_by=mentor.user,
                )
                if rng.random() < 0.6:
                    AssignmentReport.objects.create(assignment=task, text="已按要求完成，材料附后。")
                    if rng.random() < 0.6:
                        AssignmentReview.objects.create(
                            assignment=task,
                            rating=rng.randint(3, 5),
                            comment="完成较好。",
                            reviewed_by=mentor.user,
                        )
                        task.status = Assignment.Status.REVIEWED
                    else:
                        task.status = Assignment.Status.REPORTED
                    task.save(update_fields=["status"])
        if index < reached or completed_all:
            scores = {
                k: rng.randint(3, 5)
                for k in [
                    "law_knowledge",
                    "inspection_skill",
                    "enforcement_procedure",
                    "document_writing",
                    "communication",
                    "attitude",
                ]
            }
            Evaluation.objects.create(
                apprenticeship=a,
                stage=stage,
                direction="of_apprentice",
                mentor=mentor,
                scores=scores,
                overall_comment="进步明显，能够胜任。",
                evaluator=mentor.user,
            )
            if a.officer.user_id:
                Evaluation.objects.create(
                    apprenticeship=a,
                    stage=stage,
                    direction="of_mentor",
                    mentor=mentor,
                    scores={k: rng.randint(4, 5) for k in ["guidance", "expertise", "clarity", "role_model"]},
                    overall_comment="导师指导耐心细致。",
                    evaluator=a.officer.user,
                )
