"""Structure of the must-know demo bank (exams.demo_bank): pure data checks, no database."""

import math
import re
from collections import Counter

import pytest

from exams.demo_bank import CATEGORIES, QUESTIONS

TYPES = {"single_choice", "multiple_choice", "true_false", "short_answer"}
COMMON_KEYS = {
    "type",
    "title",
    "stem",
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
    "true_false": {"answer"},
    "short_answer": {"answers"},
}
# A legal basis names a law, regulation, rule or national standard in 《…》.
SOURCE = re.compile(r"《[^》]+》")


def _ids(q):
    return q["stem"][:30]


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
    assert math.isclose(sum(right), 1.0, abs_tol=1e-9)
    assert all(math.isclose(f, 1.0 / len(right)) for f in right)
    _check_choice_texts(choices)


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q["type"] == "true_false"], ids=_ids)
def test_true_false_answer_is_bool(q):
    assert isinstance(q["answer"], bool)


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q["type"] == "short_answer"], ids=_ids)
def test_short_answer_has_full_mark_answers(q):
    assert q["answers"]
    for a in q["answers"]:
        assert set(a) == {"text", "fraction"}
        assert a["text"].strip()
        assert a["fraction"] == 1.0


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
