"""Structure of the must-know demo bank (exams/demo/bank.json, read by the JSON question format): pure data
checks, no database."""

import hashlib
import json
import math
import re
from collections import Counter

import pytest

from exams import demo, formats

QUESTIONS = demo.questions()
CATEGORIES = (
    "法律法规/安全生产法",
    "法律法规/突发事件应对法",
    "法律法规/行政处罚法",
    "法律法规/事故报告和调查处理",
    "执法程序",
    "隐患排查",
    "危险化学品",
    "应急处置",
)
TYPES = {"single_choice", "multiple_choice", "true_false", "short_answer"}
COMMON_KEYS = {
    "type",
    "title",
    "stem",
    "stem_format",
    "category",
    "explanation",
    "legal_basis",
    "difficulty",
    "points",
    "tags",
}
TYPE_KEYS = {
    "single_choice": {"choices"},
    "multiple_choice": {"choices"},
    "true_false": {"answer", "feedback"},
    "short_answer": {"answers"},
}
# The bank as the old Python module (exams/demo_bank.py) defined it, read through exams.formats.normalise: the JSON
# file must hold exactly these questions (sha256 of the canonical JSON of the parsed list).
BANK_DIGEST = "33ef91b0a091c99dc601b2d575113a895b9971ed514b0d846b330fd6b8dce95c"
# A legal basis names a law, regulation, rule or national standard in 《…》.
SOURCE = re.compile(r"《[^》]+》")


def _ids(q):
    return q["stem"][:30]


def test_file_is_the_json_export_format():
    """bank.json is what `export_questions --format json` writes for these questions, and it parses cleanly."""
    data = demo.BANK_FILE.read_bytes()
    result = formats.parse(data, "json")
    assert not result.errors and not result.warnings
    assert json.loads(data)["bank"] == demo.BANK_CODE
    assert formats.dump(result.questions, "json", bank_code=demo.BANK_CODE) == data


def test_bank_is_the_one_the_python_module_held():
    canonical = json.dumps(QUESTIONS, ensure_ascii=False, sort_keys=True).encode()
    assert hashlib.sha256(canonical).hexdigest() == BANK_DIGEST
    assert len(QUESTIONS) == 209
    assert Counter(q["type"] for q in QUESTIONS) == {
        "single_choice": 136,
        "multiple_choice": 29,
        "true_false": 40,
        "short_answer": 4,
    }
    assert Counter(q["category"] for q in QUESTIONS) == {
        "法律法规/安全生产法": 62,
        "法律法规/突发事件应对法": 13,
        "法律法规/行政处罚法": 40,
        "法律法规/事故报告和调查处理": 25,
        "执法程序": 19,
        "隐患排查": 24,
        "危险化学品": 14,
        "应急处置": 12,
    }
    assert Counter(q["difficulty"] for q in QUESTIONS) == {1: 68, 2: 96, 3: 43, 4: 2}
    assert len({t for q in QUESTIONS for t in q["tags"]}) == 178
    assert sum(len(q["tags"]) for q in QUESTIONS) == 335
    first = QUESTIONS[0]
    assert first["stem"] == "《安全生产法》规定，安全生产工作坚持的方针是（ ）。"
    assert first["category"] == "法律法规/安全生产法" and first["difficulty"] == 1
    assert first["tags"] == ["方针", "总则"]
    assert [(c["text"], c["fraction"]) for c in first["choices"]] == [
        ("安全第一、预防为主、综合治理", 1.0),
        ("预防为主、防消结合", 0.0),
        ("以人为本、安全发展、科学监管", 0.0),
        ("统一领导、分级负责、属地管理", 0.0),
    ]
    assert first["legal_basis"].startswith("《中华人民共和国安全生产法》第三条")
    last = QUESTIONS[-1]
    assert last["type"] == "short_answer" and last["stem"].startswith("突发事件预警级别中的一级为最高级别")
    assert [a["text"] for a in last["answers"]] == ["红"]
    # Read through the importer, a plain fill-in stem's blank is the canonical "____" (the module had "______").
    sds = next(q for q in QUESTIONS if q["stem"].startswith("危险化学品“一书一签”"))
    assert sds["stem"] == "危险化学品“一书一签”中的“一书”是指____。"
    assert [a["text"] for a in sds["answers"]] == ["化学品安全技术说明书", "安全技术说明书", "SDS"]
    # Three right options weigh 1/3 each, rounded as the formats store it.
    special = next(
        q
        for q in QUESTIONS
        if q["stem"].startswith("依照《生产安全事故报告和调查处理条例》，下列事故中属于特别重大")
    )
    assert sorted({c["fraction"] for c in special["choices"]}) == [0.0, 0.3333333]


def test_bank_is_large_enough_and_mixed():
    assert len(QUESTIONS) >= 150
    counts = Counter(q["type"] for q in QUESTIONS)
    assert set(counts) == TYPES
    assert counts["single_choice"] >= 80
    assert counts["multiple_choice"] >= 25
    assert counts["true_false"] >= 25
    assert counts["short_answer"] >= 2


def test_every_category_of_the_tree_is_used_and_nothing_else():
    used = {q["category"] for q in QUESTIONS}
    assert used == set(CATEGORIES)
    assert CATEGORIES == (
        "法律法规/安全生产法",
        "法律法规/突发事件应对法",
        "法律法规/行政处罚法",
        "法律法规/事故报告和调查处理",
        "执法程序",
        "隐患排查",
        "危险化学品",
        "应急处置",
    )


def test_stems_are_unique():
    dupes = [stem for stem, n in Counter(q["stem"].strip() for q in QUESTIONS).items() if n > 1]
    assert not dupes, dupes


@pytest.mark.parametrize("q", QUESTIONS, ids=_ids)
def test_common_fields(q):
    assert q["type"] in TYPES
    assert set(q) == COMMON_KEYS | TYPE_KEYS[q["type"]]
    assert q["title"] is None
    assert q["stem_format"] == "plain"
    assert q["points"] is None
    assert isinstance(q["stem"], str) and len(q["stem"].strip()) >= 8
    assert isinstance(q["explanation"], str) and q["explanation"].strip()
    assert isinstance(q["legal_basis"], str) and len(q["legal_basis"].strip()) >= 15
    assert SOURCE.search(q["legal_basis"]), q["legal_basis"]
    assert isinstance(q["difficulty"], int) and 1 <= q["difficulty"] <= 5
    assert isinstance(q["tags"], list) and q["tags"]
    assert all(isinstance(t, str) and t.strip() for t in q["tags"])


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q["type"] == "single_choice"], ids=_ids)
def test_single_choice_has_exactly_one_correct(q):
    choices = q["choices"]
    assert 3 <= len(choices) <= 6
    fractions = [c["fraction"] for c in choices]
    assert fractions.count(1.0) == 1
    assert all(f in (0.0, 1.0) for f in fractions)
    _check_choice_texts(choices)


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q["type"] == "multiple_choice"], ids=_ids)
def test_multiple_choice_fractions_sum_to_one(q):
    choices = q["choices"]
    right = [c["fraction"] for c in choices if c["fraction"] > 0]
    wrong = [c["fraction"] for c in choices if c["fraction"] <= 0]
    assert len(right) >= 2, "a multiple choice needs at least two correct options"
    assert wrong, "a multiple choice needs at least one wrong option"
    assert all(f == 0.0 for f in wrong)
    assert math.isclose(sum(right), 1.0, abs_tol=1e-6)
    assert all(f == round(1.0 / len(right), 7) for f in right)  # as exams.formats stores weights
    _check_choice_texts(choices)


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q["type"] == "true_false"], ids=_ids)
def test_true_false_answer_is_bool(q):
    assert isinstance(q["answer"], bool)
    assert q["feedback"] == {"true": None, "false": None}


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q["type"] == "short_answer"], ids=_ids)
def test_short_answer_has_full_mark_answers(q):
    assert q["answers"]
    for a in q["answers"]:
        assert set(a) == {"text", "fraction", "feedback"}
        assert a["text"].strip()
        assert a["fraction"] == 1.0
        assert a["feedback"] is None


def test_true_false_answers_are_not_all_the_same():
    answers = Counter(q["answer"] for q in QUESTIONS if q["type"] == "true_false")
    assert answers[True] >= 8 and answers[False] >= 8


def test_correct_option_position_varies():
    positions = Counter(
        next(i for i, c in enumerate(q["choices"]) if c["fraction"] == 1.0)
        for q in QUESTIONS
        if q["type"] == "single_choice"
    )
    assert len(positions) >= 4


def _check_choice_texts(choices):
    texts = [c["text"].strip() for c in choices]
    assert all(texts)
    assert len(set(texts)) == len(texts), texts
    for c in choices:
        assert set(c) == {"text", "fraction", "feedback"}
        assert c["feedback"] is None
