"""Follow-up study: a low finding on an item tagged with knowledge points sends the handler to lessons covering the
point (enrolled) or to practise it, due in the round's days; a mentor's 出题目 task when the handler has a mentor; the
handler is notified; closing twice sets nothing twice; done when the study is done."""

import datetime

import pytest
from django.utils import timezone

from appraisal.models import FollowUp
from appraisal.services import follow_ups, reviews, rounds
from cms.models import AuditEvent, HomePage, Notification
from courses.models import CoursePage, CurriculumIndexPage, Enrolment, LessonPage, LessonProgress
from exams import services as exam_services
from exams.models import Category, PracticeProgress, QuestionBank
from mentorship.models import Apprenticeship, Assignment, Pairing, Programme, Stage
from tests.appraisal.review_factories import make_setup, scores_for, submit, uniform

pytestmark = pytest.mark.django_db


def _question(stem, category):
    return {
        "type": "true_false",
        "title": None,
        "stem": stem,
        "category": category,
        "explanation": "",
        "difficulty": 1,
        "tags": [],
        "answer": True,
    }


@pytest.fixture
def bank(db):
    bank = QuestionBank.objects.create(code="ZF", name="执法题库", practice_allowed=True)
    exam_services.import_questions(
        bank=bank,
        questions=[
            _question("程序题一", "办案程序"),
            _question("程序题二", "办案程序"),
            _question("文书题", "文书制作"),
        ],
        by=None,
    )
    return bank


def _add(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def procedure_lesson(bank):
    home = HomePage.objects.get()
    index = _add(home, CurriculumIndexPage(title="课程体系", slug="curriculum"))
    course = _add(
        index,
        CoursePage(
            title="执法程序",
            slug="zfcx",
            summary="执法程序课程",
            category="law",
            objectives=[],
            target_categories=[],
        ),
    )
    point = Category.objects.get(bank=bank, name="办案程序")
    return _add(
        course,
        LessonPage(
            title="办案程序要点",
            slug="cx1",
            body=[
                ("paragraph", "<p>立案、调查、告知、决定、送达。</p>"),
                (
                    "knowledge_check",
                    {"title": "", "bank": bank, "category": point, "questions": [], "count": 1},
                ),
            ],
        ),
    )


def _tag(round_, bank):
    procedure = round_.rubric.items.get(code="procedure")
    documents = round_.rubric.items.get(code="documents")
    # through the link table: a ParentalManyToManyField writes only when a cluster parent is saved
    through = type(procedure)._meta.get_field("knowledge_points").remote_field.through
    through.objects.create(rubricitem=procedure, category=Category.objects.get(bank=bank, name="办案程序"))
    through.objects.create(rubricitem=documents, category=Category.objects.get(bank=bank, name="文书制作"))
    return procedure, documents


def _low_reviews(s, rc):
    # procedure 5/10 and documents 4/10 are below 60 %; the rest is fine. Totals 83 and 82: within the gap.
    low = {"facts": 10, "law": 10, "procedure": 5, "evidence": 10, "documents": 4, "archiving": 10}
    submit(s, rc, 1, scores_for(s.round, low, {"procedure": "未履行告知程序"}))
    low2 = dict(low, procedure=4, documents=4, facts=10, law=10, evidence=10, archiving=9)
    submit(s, rc, 2, scores_for(s.round, low2, {"procedure": "告知书缺少陈述申辩权利"}))


def test_closing_the_round_sets_lessons_or_practice_per_knowledge_point(make_officer, bank, procedure_lesson):
    s = make_setup(make_officer, follow_up_days=14)
    rc = s.round_cases[0]
    _tag(s.round, bank)
    _low_reviews(s, rc)
    assert not FollowUp.objects.exists()  # nothing before the round closes
    rounds.close_round(by=s.leader, round_=s.round)
    rows = {
        f.knowledge_point.name: f for f in FollowUp.objects.select_related("knowledge_point", "finding__item")
    }
    assert set(rows) == {"办案程序", "文书制作"}
    lessons, practice = rows["办案程序"], rows["文书制作"]
    assert lessons.kind == "lessons" and lessons.officer == s.handler
    assert lessons.finding.score == 4  # the lowest finding on the point is linked
    assert practice.kind == "practice"
    assert lessons.due_on == timezone.localdate() + datetime.timedelta(days=14)
    enrolment = Enrolment.objects.get(officer=s.handler)
    assert enrolment.course_id == procedure_lesson.get_parent().pk and enrolment.due_date == lessons.due_on
    assert (
        Notification.objects.filter(recipient=s.handler.user, key__startswith="appraisal-follow-up:").count()
        == 2
    )
    assert AuditEvent.objects.filter(action="appraisal.follow_up").count() == 2
    assert lessons.mentor_task is None  # no mentor
    # idempotent
    assert follow_ups.create_for_round(s.round, by=s.leader) == 0
    assert FollowUp.objects.count() == 2


def test_no_follow_up_for_good_scores_or_untagged_items(make_officer, bank):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    _tag(s.round, bank)
    submit(s, rc, 1, uniform(s.round, 6))  # exactly 60 %: not low
    submit(s, rc, 2, uniform(s.round, 7))
    rounds.close_round(by=s.leader, round_=s.round)
    assert not FollowUp.objects.exists()


def test_a_mentor_gets_an_出题目_task_linked_to_the_follow_up(make_officer, bank, city):
    s = make_setup(make_officer)
    mentor = make_officer(s.streets[0], username="mentor_south", name="周师傅", roles=("mentor",))
    programme = Programme.objects.create(unit=city, name="培养方案", staff_categories=["full_time"])
    stage = Stage.objects.create(programme=programme, order=1, name="跟岗实践", due_days=30)
    app = Apprenticeship.objects.create(
        officer=s.handler,
        programme=programme,
        current_stage=stage,
        hire_date=datetime.date(2024, 3, 1),
        started_on=datetime.date(2024, 3, 1),
    )
    Pairing.objects.create(
        apprenticeship=app, mentor=mentor, started_on=datetime.date(2024, 3, 1), created_by=s.leader
    )
    rc = s.round_cases[0]
    _tag(s.round, bank)
    _low_reviews(s, rc)
    rounds.close_round(by=s.leader, round_=s.round)
    follow_up = FollowUp.objects.get(knowledge_point__name="办案程序")
    task = follow_up.mentor_task
    assert task is not None and task.apprenticeship == app and task.title == "出题目：办案程序"
    assert task.set_by == mentor.user and task.status == Assignment.Status.OPEN
    assert Assignment.objects.count() == 2  # one per knowledge point


def test_follow_ups_are_done_when_the_lesson_is_completed_or_the_point_practised(
    make_officer, bank, procedure_lesson
):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    _tag(s.round, bank)
    _low_reviews(s, rc)
    rounds.close_round(by=s.leader, round_=s.round)
    assert follow_ups.refresh_status(s.handler) == 0
    LessonProgress.objects.create(
        officer=s.handler,
        lesson=procedure_lesson,
        course_id=procedure_lesson.get_parent().pk,
        completed_at=timezone.now(),
    )
    documents_point = Category.objects.get(bank=bank, name="文书制作")
    PracticeProgress.objects.create(
        officer=s.handler, bank=bank, category=documents_point, scope_key=f"c{documents_point.pk}", answered=1
    )
    assert follow_ups.refresh_status(s.handler) == 2  # the point has one question: answering it is enough
    assert set(FollowUp.objects.values_list("status", flat=True)) == {"done"}


def test_a_correction_after_close_sets_the_follow_ups_of_new_low_findings(make_officer, bank):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    _tag(s.round, bank)
    first = submit(s, rc, 1, uniform(s.round, 8))
    submit(s, rc, 2, uniform(s.round, 8))
    rounds.close_round(by=s.leader, round_=s.round)
    assert not FollowUp.objects.exists()
    values = {"facts": 8, "law": 8, "procedure": 3, "evidence": 8, "documents": 8, "archiving": 8}
    reviews.correct_review(
        by=s.leader, review=first, scores=scores_for(s.round, values), reason="复核发现程序问题"
    )
    assert list(FollowUp.objects.values_list("knowledge_point__name", flat=True)) == ["办案程序"]
