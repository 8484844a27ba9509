"""Exam fixtures: a bank with questions of every type, published, and an exam drawing from it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from exams import services
from exams.models import Exam, ExamRule, QuestionBank

SAMPLE = [
    {
        "type": "single_choice",
        "title": None,
        "stem": "生产经营单位的主要负责人对本单位安全生产工作负有什么责任？",
        "category": "法律法规/安全生产法",
        "explanation": "EXPLAIN-SINGLE 主要负责人是第一责任人。",
        "legal_basis": "《安全生产法》第五条",
        "difficulty": 2,
        "tags": ["安全生产法"],
        "choices": [
            {"text": "全面负责", "fraction": 1.0, "feedback": "FEEDBACK-RIGHT-1"},
            {"text": "部分负责", "fraction": 0.0, "feedback": "FEEDBACK-WRONG-1"},
            {"text": "不负责任", "fraction": 0.0, "feedback": ""},
        ],
    },
    {
        "type": "multiple_choice",
        "title": None,
        "stem": "下列属于从业人员权利的有？",
        "category": "法律法规/安全生产法",
        "explanation": "EXPLAIN-MULTI",
        "difficulty": 3,
        "tags": [],
        "choices": [
            {"text": "知情权", "fraction": 0.5, "feedback": ""},
            {"text": "拒绝违章指挥", "fraction": 0.5, "feedback": ""},
            {"text": "擅离职守", "fraction": -1.0, "feedback": ""},
            {"text": "随意停产", "fraction": 0.0, "feedback": ""},
        ],
    },
    {
        "type": "true_false",
        "title": None,
        "stem": "安全生产工作坚持安全第一、预防为主、综合治理的方针。",
        "category": "法律法规/安全生产法",
        "explanation": "EXPLAIN-TF",
        "difficulty": 1,
        "tags": [],
        "answer": True,
    },
    {
        "type": "short_answer",
        "title": None,
        "stem": "行政处罚的简易程序适用于当场作出的处罚，该程序又称____程序。",
        "category": "执法程序",
        "explanation": "EXPLAIN-SHORT",
        "difficulty": 2,
        "tags": [],
        "answers": [{"text": "当场处罚", "fraction": 1.0}, {"text": "简易", "fraction": 1.0}],
    },
    {
        "type": "numerical",
        "title": None,
        "stem": "一般事故的死亡人数上限是几人（不含）？",
        "category": "隐患排查",
        "explanation": "EXPLAIN-NUM",
        "difficulty": 3,
        "tags": [],
        "answers": [{"value": 3, "tolerance": 0, "fraction": 1.0}],
    },
    {
        "type": "matching",
        "title": None,
        "stem": "将法律与其施行年份配对",
        "category": "法律法规",
        "explanation": "EXPLAIN-MATCH",
        "difficulty": 4,
        "tags": [],
        "pairs": [
            {"left": "安全生产法（2021修正）", "right": "2021年9月1日"},
            {"left": "突发事件应对法（修订）", "right": "2024年11月1日"},
            {"left": "", "right": "2000年1月1日"},
        ],
    },
    {
        "type": "essay",
        "title": None,
        "stem": "简述隐患排查治理的基本流程。",
        "category": "隐患排查",
        "explanation": "EXPLAIN-ESSAY",
        "difficulty": 4,
        "tags": [],
    },
]


def make_bank(code="YZYH", questions=None, *, n_single=0, user=None, practice_allowed=True):
    bank = QuestionBank.objects.create(code=code, name="应知应会题库", practice_allowed=practice_allowed)
    data = list(questions if questions is not None else SAMPLE)
    for i in range(n_single):
        data.append(
            {
                "type": "single_choice",
                "title": None,
                "stem": f"第{i}题 单选题干 {code}",
                "category": "法律法规/安全生产法" if i % 2 else "隐患排查",
                "explanation": f"EXPLAIN-GEN-{i}",
                "difficulty": 1 + i % 5,
                "tags": ["常考"] if i % 3 == 0 else [],
                "choices": [
                    {"text": f"正确项{i}", "fraction": 1.0, "feedback": ""},
                    {"text": f"干扰项{i}a", "fraction": 0.0, "feedback": ""},
                    {"text": f"干扰项{i}b", "fraction": 0.0, "feedback": ""},
                ],
            }
        )
    services.import_questions(bank=bank, questions=data, by=user)
    return bank


def make_exam(bank, *, count=None, rules=None, **kwargs):
    defaults = {
        "title": "应知应会资格考试",
        "is_published": True,
        "time_limit_minutes": 60,
        "pass_percent": Decimal("60"),
        "attempts_allowed": 2,
    }
    defaults.update(kwargs)
    exam = Exam.objects.create(**defaults)
    exam.banks.add(bank)
    for i, rule in enumerate(rules or [{"count": count if count is not None else bank.questions.count()}]):
        ExamRule.objects.create(exam=exam, sort_order=i, **rule)
    return exam


@pytest.fixture
def role_groups(transactional_db):
    ensure_role_groups()


@pytest.fixture
def bank(db):
    return make_bank(n_single=10)


@pytest.fixture
def exam(bank):
    return make_exam(bank)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def later():
    return lambda minutes: timezone.now() + datetime.timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def _english_format_messages(request):
    """The format tests match the English msgids; the UI default (zh-hans) would give the Chinese translations."""
    if not request.module.__name__.split(".")[-1].startswith("test_formats"):
        yield
        return
    from django.utils import translation

    with translation.override("en"):
        yield


def ensure_role_groups():
    """Transactional tests flush the database, role groups from data migrations included: put them back."""
    import importlib

    from django.apps import apps

    from cms.roles import ROLE_PERMISSIONS, grant_permissions

    grant_permissions(apps, ROLE_PERMISSIONS)
    importlib.import_module("exams.migrations.0002_permissions_and_schedules").grant(apps, None)
