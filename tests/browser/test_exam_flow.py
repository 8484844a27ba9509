"""A trainee on a 360×740 phone takes an exam: answers autosave, a reload keeps them, submitting shows only what
the review policy allows."""

import os
from decimal import Decimal

import pytest

from exams.models import Attempt, Response
from tests.exams.conftest import make_bank, make_exam
from tests.factories import restore_migrated_rows

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def role_groups(transactional_db):
    restore_migrated_rows()


def answer_current(page):
    section = page.locator("section.question.current")
    qtype = section.get_attribute("data-type")
    if qtype in ("single_choice", "multiple_choice", "true_false"):
        section.locator("label.opt").first.click()
    elif qtype in ("short_answer", "numerical"):
        section.locator("input[type=text]").first.fill("3")
    elif qtype == "essay":
        section.locator("textarea").fill("先排查，后治理")
    elif qtype == "matching":
        for select in section.locator("select").all():
            select.select_option(index=1)
    page.wait_for_selector("#save-status.ok")


@pytest.mark.django_db(transaction=True)
def test_trainee_takes_exam_on_a_phone(role_groups, phone, login, live_server, trainee):
    bank = make_bank(n_single=6)
    exam = make_exam(
        bank,
        rules=[
            {"question_type": "single_choice", "count": 3, "points": Decimal("10")},
            {"question_type": "true_false", "count": 1, "points": Decimal("10")},
            {"question_type": "short_answer", "count": 1, "points": Decimal("10")},
        ],
        after_submit_score=True,
        after_submit_correctness=False,
        after_submit_answers=False,
        after_submit_explanations=False,
    )
    login(phone, trainee.user.username, "Passw0rd!2026")
    phone.goto(f"{live_server.url}/exams/{exam.pk}/")
    phone.click("#start-exam")
    phone.wait_for_selector("body.js section.question.current")  # after attempt.js has run
    attempt = Attempt.objects.get(officer=trainee)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator("section.question:visible").count() == 1  # one question per screen

    answer_current(phone)
    first_position = phone.locator("section.question.current").get_attribute("data-position")
    phone.click("#next-q")
    answer_current(phone)
    assert Response.objects.filter(attempt=attempt, answer__isnull=False).count() == 2

    phone.reload()
    phone.wait_for_selector("body.js section.question.current")  # after attempt.js has run
    phone.click(f"#q-map a[data-goto='{first_position}']")
    kept = phone.locator(f"#q{first_position} input:checked, #q{first_position} input[type=text]")
    assert kept.count() >= 1
    assert phone.locator("#q-map a.answered").count() == 2
    timer = phone.locator("#timer").inner_text()
    assert ":" in timer

    for n in range(1, 6):
        phone.click(f"#q-map a[data-goto='{n}']")
        if phone.locator(f"#q-map a[data-goto='{n}'].answered").count() == 0:
            answer_current(phone)
    errors = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.click("#submit-btn")
    phone.wait_for_selector("#result-summary")
    body = phone.content()
    assert phone.locator("#score").count() == 1
    assert "EXPLAIN" not in body and phone.locator(".right-answer").count() == 0
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.score is not None
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.external_requests == []
    assert errors == []
