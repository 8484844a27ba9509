"""Courses fixtures: a curriculum (index → course → lessons, one with a knowledge check) under the home page, a
small question bank, enrolments, and a training session organised by the east district."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cms.models import HomePage
from courses.models import CoursePage, CurriculumIndexPage, LessonPage, TrainingDay, TrainingSession
from exams import services as exam_services
from exams.models import QuestionBank

QUESTIONS = [
    {
        "type": "single_choice",
        "title": None,
        "stem": "主要负责人对本单位安全生产工作负有什么责任？",
        "category": "法律法规",
        "explanation": "EXPLAIN-ONE",
        "legal_basis": "《安全生产法》第五条",
        "difficulty": 2,
        "tags": [],
        "choices": [
            {"text": "全面负责", "fraction": 1.0, "feedback": ""},
            {"text": "部分负责", "fraction": 0.0, "feedback": ""},
            {"text": "不负责任", "fraction": 0.0, "feedback": ""},
        ],
    },
    {
        "type": "true_false",
        "title": None,
        "stem": "安全生产工作坚持安全第一、预防为主、综合治理的方针。",
        "category": "法律法规",
        "explanation": "EXPLAIN-TWO",
        "difficulty": 1,
        "tags": [],
        "answer": True,
    },
    {
        "type": "single_choice",
        "title": None,
        "stem": "一般事故的死亡人数上限？",
        "category": "事故",
        "explanation": "EXPLAIN-THREE",
        "difficulty": 2,
        "tags": [],
        "choices": [
            {"text": "3人以下", "fraction": 1.0, "feedback": ""},
            {"text": "10人以下", "fraction": 0.0, "feedback": ""},
        ],
    },
]


@pytest.fixture
def home(db):
    return HomePage.objects.get()


@pytest.fixture
def bank(db):
    bank = QuestionBank.objects.create(code="KC", name="知识检测题库", practice_allowed=True)
    exam_services.import_questions(bank=bank, questions=QUESTIONS, by=None)
    return bank


def add_page(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def curriculum(home):
    return add_page(home, CurriculumIndexPage(title="课程体系", slug="curriculum"))


@pytest.fixture
def course(curriculum):
    return add_page(
        curriculum,
        CoursePage(
            title="安全生产法",
            slug="aqf",
            summary="学习《安全生产法》",
            category="law",
            study_hours=Decimal("2.0"),
            objectives=["说出方针"],
            target_categories=[],
        ),
    )


def lesson_body(*blocks):
    return list(blocks)


@pytest.fixture
def lessons(course):
    first = add_page(
        course,
        LessonPage(
            title="方针",
            slug="l1",
            estimated_minutes=10,
            complete_on_check=False,
            body=[
                ("heading", "方针"),
                ("paragraph", "<p>安全第一、预防为主、综合治理。</p>"),
                (
                    "legal_article",
                    {
                        "law": "《安全生产法》",
                        "article": "第三条",
                        "text": "安全生产工作坚持中国共产党的领导。",
                    },
                ),
                ("callout", {"kind": "warning", "text": "注意"}),
            ],
        ),
    )
    second = add_page(
        course,
        LessonPage(
            title="责任", slug="l2", estimated_minutes=10, body=[("paragraph", "<p>主要负责人。</p>")]
        ),
    )
    optional = add_page(
        course,
        LessonPage(
            title="拓展",
            slug="l3",
            estimated_minutes=5,
            required=False,
            body=[("paragraph", "<p>拓展阅读。</p>")],
        ),
    )
    return [first, second, optional]


@pytest.fixture
def kc_lesson(course, bank):
    """A lesson whose knowledge check draws two questions from the bank's 法律法规 knowledge point."""
    category = bank.categories.get(path="法律法规")
    return add_page(
        course,
        LessonPage(
            title="检测",
            slug="kc",
            estimated_minutes=30,
            complete_on_check=True,
            body=[
                ("paragraph", "<p>做题。</p>"),
                (
                    "knowledge_check",
                    {"title": "小测", "bank": bank, "category": category, "questions": [], "count": 2},
                ),
            ],
        ),
    )


@pytest.fixture
def session(district_east):
    s = TrainingSession.objects.create(
        title="东城区岗前集训",
        organizer=district_east,
        location="区应急局三楼",
        capacity=2,
        hours_per_day=Decimal("6"),
        status=TrainingSession.Status.OPEN,
        registration_opens=timezone.now() - datetime.timedelta(days=1),
        registration_closes=timezone.now() + datetime.timedelta(days=5),
    )
    today = timezone.localdate()
    TrainingDay.objects.create(session=s, date=today, start=datetime.time(9), end=datetime.time(17))
    TrainingDay.objects.create(
        session=s, date=today + datetime.timedelta(days=1), start=datetime.time(9), end=datetime.time(17)
    )
    return s
