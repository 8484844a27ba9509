"""Item statistics computed in the database: the same figures as the pure reference (exams.stats), the minimum
sample before a question is flagged, a page whose query count does not grow with the attempts, and scope."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exams import stats, stats_sql
from exams.models import Attempt, Question, Response
from tests.exams.conftest import make_bank, make_exam
from tests.factories import OfficerFactory, make_staff, make_unit

pytestmark = pytest.mark.django_db


def graded_attempts(exam, officer, papers):
    """One graded attempt per paper: a list of (question, score, answer) rows, written directly (fast)."""
    now = timezone.now()
    attempts = Attempt.objects.bulk_create(
        Attempt(
            officer=officer,
            exam=exam,
            number=i,
            seed=i,
            started_at=now,
            deadline=now + datetime.timedelta(hours=1),
            submitted_at=now,
            status=Attempt.Status.GRADED,
            max_score=Decimal(len(p)),
            # As exams.services.marking._finalize writes it: the sum of the responses' scores.
            score=sum((Decimal(str(score)) for _q, score, _a in p), Decimal(0)),
        )
        for i, p in enumerate(papers, start=1)
    )
    Response.objects.bulk_create(
        Response(
            attempt=a,
            position=pos,
            question=q,
            version_id=q.current_version_id,
            points=Decimal(1),
            auto_score=Decimal(str(score)),
            answer=answer,
            option_order=[0, 1, 2],
        )
        for a, p in zip(attempts, papers, strict=True)
        for pos, (q, score, answer) in enumerate(p, start=1)
    )
    return attempts


@pytest.fixture
def single_bank(db):
    return make_bank(code="ST", questions=[], n_single=6)


def test_sql_figures_equal_the_reference_definition(trainee, single_bank):
    exam = make_exam(single_bank, rules=[{"count": 6}])
    questions = list(Question.objects.filter(bank=single_bank).order_by("pk"))
    rng = random.Random(7)
    papers = []
    for _ in range(45):
        drawn = rng.sample(questions, 4)  # items missing from some papers
        papers.append([(q, rng.choice([0, 0.5, 1]), rng.randrange(3)) for q in drawn])
    papers.append([(questions[5], 1, 0)] * 1)  # a question with no variance in the rest
    graded_attempts(exam, trainee, papers)
    count, result, versions = stats_sql.item_statistics(Attempt.objects.filter(exam=exam))
    reference = stats.item_statistics(
        [{q.pk: score for q, score, _a in p} for p in papers], {q.pk: 1 for q in questions}
    )
    assert count == len(papers)
    assert set(result) == {q.pk for q in questions} and set(versions) == set(result)
    for qid, ref in reference.items():
        got = result[qid]
        assert got.n == ref.n
        assert got.facility == pytest.approx(ref.facility, abs=0.011)
        assert got.sd == pytest.approx(ref.sd, abs=0.011)
        assert (got.discrimination is None) == (ref.discrimination is None)
        if ref.discrimination is not None:
            assert got.discrimination == pytest.approx(ref.discrimination, abs=0.011)


def test_answer_counts_are_grouped_per_question(trainee, single_bank):
    exam = make_exam(single_bank, rules=[{"count": 6}])
    q = Question.objects.filter(bank=single_bank).first()
    graded_attempts(exam, trainee, [[(q, 1, 0)], [(q, 1, 0)], [(q, 0, 2)], [(q, 0, None)]])
    counts = dict(stats_sql.answer_counts(Attempt.objects.filter(exam=exam), [q.pk])[q.pk])
    assert counts == {0: 2, 2: 1, None: 1}
    rows = stats.option_counts(q.current_version.data, list(counts), list(counts.values()))
    assert [r["count"] for r in rows][:3] == [2, 0, 1]


def test_answer_counts_give_back_every_kind_of_stored_answer_as_it_was_stored(trainee, single_bank):
    """Grouped on the answer's text in the database, handed back decoded: lists (multiple choice), booleans (true or
    false), strings and objects come back as the values the option counts compare, equal values counted together."""
    exam = make_exam(single_bank, rules=[{"count": 6}])
    q = Question.objects.filter(bank=single_bank).first()
    answers = [[0, 2], [0, 2], [2], True, False, True, "甲", {"a": 1, "b": [2]}]
    graded_attempts(exam, trainee, [[(q, 1, a)] for a in answers])
    got = stats_sql.answer_counts(Attempt.objects.filter(exam=exam), [q.pk])[q.pk]
    assert sorted(got, key=repr) == sorted(
        [([0, 2], 2), ([2], 1), (True, 2), (False, 1), ("甲", 1), ({"a": 1, "b": [2]}, 1)], key=repr
    )


def _negative_papers(good, bad, n):
    """n attempts where the stronger examinees (right on `good`) get `bad` wrong: a negative discrimination."""
    return [[(good, i % 2, 0), (bad, 1 - i % 2, 1)] for i in range(n)]


def test_a_negative_item_is_flagged_only_with_enough_answers(
    client, training_admin_east, trainee, single_bank
):
    exam = make_exam(single_bank, rules=[{"count": 6}])
    good, bad = Question.objects.filter(bank=single_bank).order_by("pk")[:2]
    graded_attempts(exam, trainee, _negative_papers(good, bad, stats.MIN_SAMPLE - 1))
    client.force_login(training_admin_east)
    url = reverse("exams_item_statistics", args=[exam.pk])
    body = client.get(url).content.decode()
    assert "negative-discrimination" not in body and "few-answers" in body

    exam2 = make_exam(single_bank, rules=[{"count": 6}])
    graded_attempts(exam2, trainee, _negative_papers(good, bad, stats.MIN_SAMPLE))
    body = client.get(reverse("exams_item_statistics", args=[exam2.pk])).content.decode()
    assert body.count('class="negative-discrimination"') == 2  # both items, −100 each, with 30 answers


def test_item_statistics_page_queries_do_not_grow_with_attempts(
    client, training_admin_east, trainee, single_bank, django_assert_max_num_queries
):
    questions = list(Question.objects.filter(bank=single_bank))
    client.force_login(training_admin_east)
    counts = []
    for attempt_count in (3, 60):
        exam = make_exam(single_bank, rules=[{"count": 6}])
        graded_attempts(exam, trainee, [[(q, i % 2, i % 3) for q in questions] for i in range(attempt_count)])
        url = reverse("exams_item_statistics", args=[exam.pk])
        client.get(url)
        with django_assert_max_num_queries(20) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_item_statistics_count_only_attempts_in_scope(
    client, training_admin_east, trainee, other_trainee, single_bank
):
    exam = make_exam(single_bank, rules=[{"count": 6}])
    q = Question.objects.filter(bank=single_bank).first()
    graded_attempts(exam, trainee, [[(q, 1, 0)]] * 3)
    graded_attempts(exam, other_trainee, [[(q, 0, 1)]] * 5)  # the west: outside the east admin's scope
    count, result, _v = stats_sql.item_statistics(
        Attempt.objects.filter(exam=exam, officer__unit__path__startswith=trainee.unit.path)
    )
    assert count == 3 and result[q.pk].n == 3 and result[q.pk].facility == 100.0
    client.force_login(training_admin_east)
    body = client.get(reverse("exams_item_statistics", args=[exam.pk])).content.decode()
    assert "<td>3</td>" in body and "<td>8</td>" not in body


def test_true_false_options_are_named_in_words_not_python_values(client, training_admin_east, trainee, bank):
    tf = Question.objects.get(bank=bank, type="true_false")
    exam = make_exam(bank, rules=[{"count": 1, "question_type": "true_false"}])
    graded_attempts(exam, trainee, [[(tf, 1, True)], [(tf, 0, False)], [(tf, 1, True)]])
    client.force_login(training_admin_east)
    body = client.get(reverse("exams_item_statistics", args=[exam.pk])).content.decode()
    cell = body.split('id="item-stats"')[1]
    assert "正确" in cell and "错误" in cell and "True" not in cell and "False" not in cell


def _statistics_statements(ctx):
    return [q["sql"] for q in ctx.captured_queries if "exams_response" in q["sql"]]


def test_who_sees_every_officer_gets_no_officer_filter_and_a_fixed_query_count(
    client, superuser, city, trainee, other_trainee, single_bank, django_assert_num_queries, session_queries
):
    exam = make_exam(single_bank, rules=[{"count": 6}])
    q = Question.objects.filter(bank=single_bank).first()
    graded_attempts(exam, trainee, [[(q, 1, 0)]] * 3)
    graded_attempts(exam, other_trainee, [[(q, 0, 1)]] * 5)
    url = reverse("exams_item_statistics", args=[exam.pk])
    hr_city = make_staff("hr_city", "hr", city)  # scoped to the only root: the whole city
    # The superuser: the page's 12 (as in bench/README's growth table). City HR: 6 more to learn their roles and
    # scope (permissions, groups, scope, its unit, Wagtail's group permissions) and one for "is theirs the only
    # root?".
    for user, queries in ((superuser, 12), (hr_city, 18)):
        client.force_login(user)
        client.get(url)
        with django_assert_num_queries(queries + session_queries) as ctx:
            response = client.get(url)
        assert response.context["attempt_count"] == 8
        statements = _statistics_statements(ctx)
        assert len(statements) == 2 and not any("cms_officer" in sql for sql in statements), statements


def test_a_second_root_brings_the_subtree_filter_back_for_city_staff(
    client, city, trainee, other_trainee, single_bank
):
    exam = make_exam(single_bank, rules=[{"count": 6}])
    q = Question.objects.filter(bank=single_bank).first()
    graded_attempts(exam, trainee, [[(q, 1, 0)]] * 3)
    elsewhere = make_unit("X01", "另一市", kind="city")
    outsider = OfficerFactory(unit=elsewhere, employee_no="X0001")
    graded_attempts(exam, outsider, [[(q, 0, 1)]] * 5)
    client.force_login(make_staff("hr_city", "hr", city))
    response = client.get(reverse("exams_item_statistics", args=[exam.pk]))
    assert response.context["attempt_count"] == 3  # the other city's 5 attempts are not this HR's to count


def test_a_district_user_counts_only_their_subtree_through_the_officer_filter(
    client, hr_east, trainee, other_trainee, single_bank
):
    exam = make_exam(single_bank, rules=[{"count": 6}])
    q = Question.objects.filter(bank=single_bank).first()
    graded_attempts(exam, trainee, [[(q, 1, 0)]] * 3)
    graded_attempts(exam, other_trainee, [[(q, 0, 1)]] * 5)  # the west district
    client.force_login(hr_east)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("exams_item_statistics", args=[exam.pk]))
    assert response.status_code == 200 and response.context["attempt_count"] == 3
    [row] = response.context["rows"]
    assert row["stat"].n == 3 and row["stat"].facility == 100.0  # none of the west's wrong answers
    assert all("cms_officer" in sql for sql in _statistics_statements(ctx))
