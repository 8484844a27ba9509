"""import_questions / export_questions: the DESIGN.md interface, all-or-nothing, duplicates, round trips."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exams.models import Category, Question, QuestionBank

DATA = Path(__file__).parent / "data" / "formats"
pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", ["bank.json", "anquan.gift", "moodle_export.xml", "aiken.txt"])
def test_import_each_format_then_export_import_gives_the_same_questions(name, tmp_path):
    run("import_questions", str(DATA / name), "--bank", "A1")
    bank = QuestionBank.objects.get(code="A1")
    n = bank.questions.count()
    assert n > 0 and bank.questions.filter(current_version__isnull=True).count() == 0
    for fmt in ("json", "moodle-xml"):
        target = tmp_path / f"out.{fmt}"
        run("export_questions", "--bank", "A1", "--format", fmt, "-o", str(target))
        code = f"B{fmt}"
        run("import_questions", str(target), "--bank", code, "--format", fmt)
        again = QuestionBank.objects.get(code=code)
        first = sorted((q.type, q.stem, json.dumps(q.content, sort_keys=True)) for q in bank.questions.all())
        second = sorted(
            (q.type, q.stem, json.dumps(q.content, sort_keys=True)) for q in again.questions.all()
        )
        assert first == second


def test_json_export_schema(tmp_path):
    run("import_questions", str(DATA / "bank.json"), "--bank", "J1")
    out, _err = run("export_questions", "--bank", "J1", "--format", "json")
    body = json.loads(out)
    assert body["bank"] == "J1"
    assert len(body["questions"]) == QuestionBank.objects.get(code="J1").questions.count()
    for q in body["questions"]:
        assert {"type", "title", "stem", "category", "explanation", "tags"} <= set(q)


def test_dry_run_writes_nothing():
    out, _err = run("import_questions", str(DATA / "anquan.gift"), "--bank", "D1", "--dry-run")
    assert "D1" in out
    assert not QuestionBank.objects.filter(code="D1").exists() and not Question.objects.exists()


def test_malformed_file_writes_nothing_and_names_the_line(tmp_path):
    bad = tmp_path / "bad.gift"
    bad.write_text("::Q1:: 正确的题目 {=对 ~错}\n\n::Q2:: 缺少答案的题目 {=\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("import_questions", str(bad), "--bank", "E1", "--format", "gift")
    assert not Question.objects.exists() and not Category.objects.exists()


def test_duplicate_stems_reported_and_skipped():
    run("import_questions", str(DATA / "bank.json"), "--bank", "R1")
    n = Question.objects.count()
    out, err = run("import_questions", str(DATA / "bank.json"), "--bank", "R1")
    assert Question.objects.count() == n
    assert err.count("\n") >= n


def test_missing_file_and_missing_bank_fail():
    with pytest.raises(CommandError):
        run("import_questions", "/nonexistent.gift", "--bank", "X")
    with pytest.raises(CommandError):
        run("export_questions", "--bank", "NOPE", "--format", "json")
