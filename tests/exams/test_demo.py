"""exams.demo.seed: the must-know bank, a qualifying exam and historic attempts; idempotent."""

import io
import random

import pytest

from exams import demo
from exams.models import Attempt, Exam, Qualification, Question, QuestionBank
from exams.selectors import question_data

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_builds_history(street_east, make_officer):
    for i in range(6):
        make_officer(street_east, username=f"demo_officer_{i}")
    out = io.StringIO()
    demo.seed(stdout=out, rng=random.Random(7))
    bank = QuestionBank.objects.get(code="YZYH")
    n_questions = bank.questions.count()
    assert n_questions >= 150
    assert not Question.objects.filter(current_version__isnull=True).exists()
    # The importer stored the bank file's questions as they are, in file order, with the default 1 point.
    expected = demo.questions()
    stored = [question_data(q) for q in bank.questions.select_related("category").order_by("id")]
    assert n_questions == len(expected) == 209
    assert stored == [{**q, "points": 1.0, "tags": sorted(q["tags"])} for q in expected]
    assert all(
        q.current_version.data == d for q, d in zip(bank.questions.order_by("id"), stored, strict=True)
    )
    exam = Exam.objects.get(title=demo.EXAM_TITLE)
    assert exam.is_qualifying and sum(r.count for r in exam.rules.all()) == 50
    attempts = Attempt.objects.filter(exam=exam)
    assert attempts.count() >= 6 and not attempts.exclude(status=Attempt.Status.GRADED).exists()
    assert (
        Qualification.objects.filter(exam=exam).count()
        == attempts.filter(passed=True).values("officer").distinct().count()
    )
    before = (attempts.count(), Qualification.objects.count())
    demo.seed(stdout=out, rng=random.Random(7))
    assert bank.questions.count() == n_questions
    assert (Attempt.objects.filter(exam=exam).count(), Qualification.objects.count()) == before
