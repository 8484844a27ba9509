"""Demo data for exams: the must-know bank (应知应会题库), a qualifying exam, a mock exam and historic attempts.

Called by cms's seed_demo after the city and people exist. Idempotent and deterministic for a given rng.

The bank's questions are data: `bank.json` next to this module, in the format of the JSON question export
(`manage.py export_questions --format json`), loaded through the product's own importer (`services.plan_import`
+ `services.import_questions`, as the admin upload and `manage.py import_questions` do). Reviewers of the legal
content edit that file; README.md beside it names the sources and the rules it was written by.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Officer, Unit
from cms.schedules import apply_schedules
from exams import formats, paper, services
from exams.models import Attempt, Exam, ExamRule, Question, QuestionBank, QuestionType

BANK_CODE = "YZYH"
BANK_FILE = Path(__file__).with_name("bank.json")
EXAM_TITLE = "应知应会资格考试（2026年度）"
MOCK_TITLE = "应知应会模拟测验"
HISTORIC_OFFICERS = 24


@cache
def _bank_bytes() -> bytes | None:
    try:
        return BANK_FILE.read_bytes()
    except FileNotFoundError:
        return None


def questions() -> list[dict]:
    """The bank file's questions as exams.formats dicts (parsed, no database); [] when the file is missing."""
    data = _bank_bytes()
    if data is None:
        return []
    result = formats.parse(data, "json", filename=BANK_FILE.name)
    if result.errors:
        raise ValueError("; ".join(str(e) for e in result.errors))
    return result.questions


def _import_bank(bank: QuestionBank, stdout) -> None:
    data = _bank_bytes()
    if data is None:
        stdout.write(
            _("Question bank %(code)s: %(file)s is not available, so it has no questions.")
            % {"code": BANK_CODE, "file": BANK_FILE.name}
        )
        return
    plan = services.plan_import(bank=bank, data=data, fmt="json", filename=BANK_FILE.name)
    if not plan.ok:
        for error in plan.errors:
            stdout.write(f"{BANK_FILE.name}: {error}")
        return
    services.import_questions(
        bank=bank, questions=plan.questions, by=None, source=f"exams/demo/{BANK_FILE.name}"
    )
    stdout.write(
        _("Question bank %(code)s: %(n)s must-know questions imported.")
        % {"code": BANK_CODE, "n": len(plan.questions)}
    )


def seed(*, stdout, rng) -> None:
    # The must-know bank and its exams are the city's: only a city-scope training admin (demo_training) changes
    # them; district staff read them.
    city = Unit.get_first_root_node()
    bank, created = QuestionBank.objects.get_or_create(
        code=BANK_CODE,
        defaults={
            "unit": city,
            # The published must-know study bank (应知应会 banks are study material by design): practice and the
            # lessons quiz from it. A bank kept secret for an exam is created with practice_allowed=False.
            "practice_allowed": True,
            "name": "应知应会题库",
            "description": "安全生产法律法规、执法程序、隐患排查、危险化学品、应急处置等应知应会内容。",
        },
    )
    if bank.unit_id is None and city is not None:
        QuestionBank.objects.filter(pk=bank.pk).update(unit=city)
    if not bank.questions.exists():
        _import_bank(bank, stdout)
    else:
        stdout.write(
            _("Question bank %(code)s already holds %(n)s questions.")
            % {"code": BANK_CODE, "n": bank.questions.count()}
        )
    apply_schedules()

    published = Question.objects.filter(bank=bank, status=Question.Status.PUBLISHED)
    counts = {
        t: published.filter(type=t).count()
        for t in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE)
    }
    if sum(counts.values()) == 0:
        stdout.write(_("No published questions, so no demo exam."))
        return
    now = timezone.now()
    exam = Exam.objects.filter(title=EXAM_TITLE).first()
    if exam is None:
        exam = Exam.objects.create(
            title=EXAM_TITLE,
            unit=city,
            description="新入职安监员应知应会资格考试：50 题，60 分钟，80 分合格，合格后取得三年有效的资格证书。",
            is_published=True,
            time_limit_minutes=60,
            attempts_allowed=3,
            pass_percent=Decimal("80"),
            grading_method=Exam.GradingMethod.HIGHEST,
            multiple_choice_rule=Exam.MultipleChoiceRule.PARTIAL,
            opens_at=now - datetime.timedelta(days=90),
            closes_at=now + datetime.timedelta(days=60),
            is_qualifying=True,
            qualification_years=3,
            after_submit_score=True,
            after_submit_correctness=True,
            after_close_answers=True,
            after_close_explanations=True,
        )
        exam.banks.add(bank)
        plan = [
            (QuestionType.SINGLE_CHOICE, 30, "2"),
            (QuestionType.MULTIPLE_CHOICE, 10, "2"),
            (QuestionType.TRUE_FALSE, 10, "2"),
        ]
        for i, (qtype, count, points) in enumerate(plan):
            ExamRule.objects.create(
                exam=exam,
                sort_order=i,
                question_type=qtype,
                count=min(count, counts[qtype]),
                points=Decimal(points),
            )
    mock = Exam.objects.filter(title=MOCK_TITLE).first()
    if mock is None:
        mock = Exam.objects.create(
            title=MOCK_TITLE,
            unit=city,
            description="随时可做的 20 题模拟测验，不计入资格。",
            is_published=True,
            time_limit_minutes=20,
            attempts_allowed=0,
            pass_percent=Decimal("80"),
            is_mock=True,
            after_submit_correctness=True,
            after_submit_answers=True,
            after_submit_explanations=True,
        )
        mock.banks.add(bank)
        ExamRule.objects.create(exam=mock, count=min(20, sum(counts.values())), points=Decimal("5"))
    if city is not None:
        Exam.objects.filter(pk__in=[exam.pk, mock.pk], unit__isnull=True).update(unit=city)
    made = _historic_attempts(exam, rng=rng, now=now)
    stdout.write(_("Exam “%(title)s” ready; %(n)s past attempts added.") % {"title": exam.title, "n": made})


def _historic_attempts(exam: Exam, *, rng, now) -> int:
    """Graded past attempts for demo officers (not demo_trainee, who keeps the exam to take)."""
    officers = list(
        Officer.objects.filter(status=Officer.Status.ACTIVE, user__isnull=False)
        .exclude(user__username="demo_trainee")
        .select_related("unit", "user")
        .order_by("employee_no")
    )
    if not officers:
        return 0
    chosen = rng.sample(officers, min(HISTORIC_OFFICERS, len(officers)))
    made = 0
    for n, officer in enumerate(sorted(chosen, key=lambda o: o.employee_no)):
        if Attempt.objects.filter(officer=officer, exam=exam).exists():
            continue
        ability = rng.uniform(0.55, 0.98)
        start = now - datetime.timedelta(days=80 - n * 3, hours=rng.randint(0, 6))
        tries = 2 if ability < 0.8 and rng.random() < 0.5 else 1
        for t in range(tries):
            at = start + datetime.timedelta(days=7 * t)
            with transaction.atomic():
                attempt = services.start_attempt(
                    exam=exam, officer=officer, by=officer.user, now=at, seed=rng.getrandbits(62)
                )
                answer_paper(attempt, rng=rng, ability=min(0.99, ability + 0.08 * t), at=at)
                services.submit_attempt(
                    attempt=attempt, by=officer.user, now=at + datetime.timedelta(minutes=rng.randint(25, 55))
                )
            made += 1
    return made


def answer_paper(attempt: Attempt, *, rng, ability: float, at) -> None:
    """Answer an attempt's objective questions as an examinee of the given ability would (demo data)."""
    for r in attempt.responses.select_related("version").order_by("position"):
        data = r.version.data
        right = rng.random() < ability
        order = r.option_order
        if data["type"] == QuestionType.TRUE_FALSE:
            raw = data["answer"] if right else not data["answer"]
        elif data["type"] == QuestionType.SINGLE_CHOICE:
            good = [i for i, c in enumerate(data["choices"]) if c["fraction"] >= 1]
            bad = [i for i, c in enumerate(data["choices"]) if c["fraction"] <= 0]
            raw = order.index(rng.choice(good if right or not bad else bad))
        elif data["type"] == QuestionType.MULTIPLE_CHOICE:
            good = [i for i, c in enumerate(data["choices"]) if c["fraction"] > 0]
            picked = good if right else good[: max(1, len(good) - 1)]
            raw = [order.index(i) for i in picked]
        else:
            continue
        if paper.answer_from_display(data, order, raw) is None:
            continue
        services.save_answer(
            attempt_id=attempt.pk,
            officer=attempt.officer,
            position=r.position,
            raw=raw,
            seq=1,
            now=at + datetime.timedelta(minutes=1),
        )
