"""A trainee answers a Cloze question on a phone: the parts' inputs inside the stem autosave (exams/cloze.js keeps
the question's one field in step, attempt.js saves it), a reload shows them again, and submitting grades each
part with its weight."""

import os
from decimal import Decimal

import pytest

from exams.formats import parse
from exams.models import Attempt
from tests.exams.conftest import make_bank, make_exam
from tests.exams.test_cloze import CLOZE_XML
from tests.factories import restore_migrated_rows

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def role_groups(transactional_db):
    restore_migrated_rows()


@pytest.mark.django_db(transaction=True)
def test_trainee_answers_a_cloze_on_a_phone(role_groups, phone, login, live_server, trainee):
    [cloze] = parse(CLOZE_XML.encode(), "moodle-xml").questions
    bank = make_bank("CLOZEB", [cloze])
    exam = make_exam(bank, rules=[{"count": 1, "points": Decimal("4")}])
    login(phone, trainee.user.username, "Passw0rd!2026")
    phone.goto(f"{live_server.url}/exams/{exam.pk}/")
    phone.click("#start-exam")
    phone.wait_for_selector("body.js section.question.current")  # after attempt.js has run
    section = phone.locator("section.question.current")
    section.locator("input.cloze-part[data-kind=text]").nth(0).fill("救援")
    phone.wait_for_selector("#save-status.ok")
    section.locator("input.cloze-part[data-kind=text]").nth(1).fill("3")
    section.locator("select.cloze-part").select_option("1")
    # "已保存" may still be the first save's: wait (up to 10 s) for the stored row itself
    attempt = Attempt.objects.get(officer=trainee)
    for _ in range(50):
        if attempt.responses.get().answer == ["救援", "3", 1]:
            break
        phone.wait_for_timeout(200)
    assert attempt.responses.get().answer == ["救援", "3", 1]

    phone.reload()
    phone.wait_for_selector("body.js section.question.current")  # after attempt.js has run
    assert phone.locator("input.cloze-part[data-kind=text]").nth(0).input_value() == "救援"
    assert phone.locator("select.cloze-part").input_value() == "1"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
