"""The autosave endpoint's session fast path (exams.autosave) and the domain service (services.save_answer) store
the same Response row for every question type."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exams import services
from tests.exams.conftest import make_exam

RAW = {
    "single_choice": 1,
    "multiple_choice": [0, 2],
    "true_false": "false",
    "short_answer": ["简易"],
    "numerical": "3",
    "matching": {"0": "1"},
    "essay": "先排查，再治理。",
}


@pytest.mark.django_db
def test_fast_path_and_service_store_the_same_row(client, bank, street_east, make_officer):
    exam = make_exam(bank, shuffle_options=True)
    one = make_officer(street_east, username="equiv_one")
    two = make_officer(street_east, username="equiv_two")
    via_page = services.start_attempt(exam=exam, officer=one, by=one.user, seed=7)
    via_service = services.start_attempt(exam=exam, officer=two, by=two.user, seed=7)
    page_rows = list(via_page.responses.select_related("version").order_by("position"))
    service_rows = {r.position: r for r in via_service.responses.all()}
    assert {t for t in (r.version.data["type"] for r in page_rows)} == set(RAW)
    client.force_login(one.user)
    client.get(reverse("exams:attempt", args=[via_page.pk]))  # leaves the paper in the session
    url = reverse("exams:attempt_save", args=[via_page.pk])
    warm = client.post(url, json.dumps({"position": 1, "seq": 1}), content_type="application/json")
    assert (
        warm.status_code == 200
    )  # the session is now verified in this process: the next saves take the fast path
    fast = 0
    for r in page_rows:
        raw, flagged = RAW[r.version.data["type"]], r.position % 2 == 0
        assert service_rows[r.position].question_id == r.question_id
        assert service_rows[r.position].option_order == r.option_order
        with CaptureQueriesContext(connection) as queries:
            resp = client.post(
                url,
                json.dumps({"position": r.position, "seq": 2, "answer": raw, "flagged": flagged}),
                content_type="application/json",
            )
        assert resp.status_code == 200, resp.content
        fast += any("RETURNING" in q["sql"] for q in queries.captured_queries)
        services.save_answer(
            attempt_id=via_service.pk, officer=two, position=r.position, raw=raw, seq=2, flagged=flagged
        )
    if connection.features.can_return_columns_from_insert:
        assert fast == len(page_rows) - sum(1 for r in page_rows if r.version.data["type"] == "matching")
    fields = ("question_id", "version_id", "option_order", "answer", "seq", "flagged", "auto_score")
    stored = [{f: getattr(r, f) for f in fields} for r in via_page.responses.order_by("position")]
    expected = [{f: getattr(r, f) for f in fields} for r in via_service.responses.order_by("position")]
    assert stored == expected
    assert any(row["answer"] is not None for row in stored)


@pytest.mark.django_db
def test_attempt_page_query_count(client, bank, trainee, session_queries, django_assert_num_queries):
    """The examinee's exam-taking page (all seven question types): a fixed number of queries, whatever the paper."""
    exam = make_exam(bank)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user, seed=7)
    client.force_login(trainee.user)
    with django_assert_num_queries(8 + session_queries):  # 10 until the shell stopped reading tabs (5fd2739)
        response = client.get(reverse("exams:attempt", args=[attempt.pk]))
    assert response.status_code == 200
