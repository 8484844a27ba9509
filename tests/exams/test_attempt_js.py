"""The exam page's script (exams/static/exams/attempt.js), run in node against a stand-in page: a save the proxy
refuses with 503 + Retry-After is kept and sent again after that delay, and only then does the page say "saved"."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).parent / "js" / "attempt_busy_harness.js"
SCRIPT = ROOT / "exams/static/exams/attempt.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs node")


def run(retry_after="5", first_status=503):
    out = subprocess.run(
        ["node", str(HARNESS), str(SCRIPT), retry_after, str(first_status)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_503_save_is_retried_after_retry_after_and_then_reported_saved():
    result = run("5", 503)
    saves = [r for r in result["requests"] if r["url"] == "/save/"]
    assert len(saves) == 2  # refused once, sent again
    # the same answer, kept on the page
    assert saves[0]["body"]["answer"] == 1 and saves[1]["body"]["answer"] == 1
    assert saves[1]["body"]["seq"] > saves[0]["body"]["seq"]
    retry_delay = result["delays"][0]
    # Retry-After: 5, plus up to half again so that a room does not return at once
    assert 5000 <= retry_delay < 7500
    assert result["statuses"] == ["SAVING", "BUSY", "SAVING", "SAVED"]
    # a busy answer never reached the application: the page does not ask for the saved answers for it
    assert not any(r["url"].startswith("/state/") for r in result["requests"])


def test_a_network_failure_is_retried_after_3_s_and_asks_for_the_saved_answers_later():
    result = run("", 500)  # a 500 is not "busy": the generic failure path
    assert len([r for r in result["requests"] if r["url"] == "/save/"]) == 2
    assert 3000 <= result["delays"][0] < 4500
    assert result["statuses"] == ["SAVING", "OFFLINE", "SAVING", "SAVED"]
