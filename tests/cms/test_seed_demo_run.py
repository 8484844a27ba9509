"""`seed_demo` as a newcomer sees it in `make run`: progress per app, a summary in one language (zh-hans), no line per
saved page or background task, and a demo board with one appointment decision, recorded once."""

import io
import logging
import re

import pytest
from django.core.management import call_command
from django.utils import translation
from wagtail.models import ReferenceIndex

from analytics import selectors
from analytics.models import AppointmentDecision

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def seeded_output(caplog):
    out = io.StringIO()
    with caplog.at_level(logging.INFO), translation.override("zh-hans"):
        call_command("seed_demo", stdout=out)
    return out.getvalue(), caplog.text


def test_seed_prints_progress_and_a_chinese_summary_without_task_or_page_lines(seeded_output):
    output, logs = seeded_output
    lines = [line for line in output.splitlines() if line.strip()]
    assert [line for line in lines if line.startswith("[")][:2] == [
        "[1/6] 组织与人员 …",
        "[2/6] 应知应会考试 …",
    ]
    assert "update_reference_index_task" not in output + logs
    assert "Page created" not in output + logs and "Published:" not in output + logs
    for line in lines:  # one language: no English sentence left
        assert not re.search(r"\b(imported|created|ready|seeded|already|skipped|new)\b", line), line
    assert lines[-1].startswith("演示数据已就绪")
    assert ReferenceIndex.objects.exists()  # rebuilt once at the end instead of per saved object


def test_demo_board_records_one_decision_once(seeded_output):
    decision = AppointmentDecision.objects.get()
    assert decision.outcome == AppointmentDecision.Outcome.APPOINT and decision.post is not None
    assert decision.decided_by.username == "demo_hr" and decision.rationale
    # the appointed officer's record is complete on the board (nobody is appointed on missing data)
    ranking = selectors.board_ranking(decision.board, decision.decided_by)
    [appointed] = [row for row in ranking["rows"] if row["officer"] == decision.officer]
    assert appointed["complete"] and appointed["rank"] == 1 and appointed["missing"] == []
    call_command("seed_demo", stdout=io.StringIO())
    assert AppointmentDecision.objects.count() == 1
