"""Pure grading: each type and each multiple-choice scoring rule."""

from decimal import Decimal

import pytest

from exams import grading

SINGLE = {
    "type": "single_choice",
    "choices": [
        {"text": "a", "fraction": 1.0},
        {"text": "b", "fraction": 0.0},
        {"text": "c", "fraction": 0.5},
    ],
}
MULTI = {
    "type": "multiple_choice",
    "choices": [
        {"text": "a", "fraction": 0.5},
        {"text": "b", "fraction": 0.5},
        {"text": "c", "fraction": -1.0},
        {"text": "d", "fraction": 0},
    ],
}
MULTI_FLAT = {
    "type": "multiple_choice",
    "choices": [
        {"text": "a", "fraction": 1},
        {"text": "b", "fraction": 1},
        {"text": "c", "fraction": 1},
        {"text": "d", "fraction": 0},
    ],
}


def test_single_choice():
    assert grading.grade(SINGLE, 0).fraction == 1.0
    assert grading.grade(SINGLE, 1).fraction == 0.0
    assert grading.grade(SINGLE, 2).fraction == 0.5
    assert grading.grade(SINGLE, None).answered is False
    assert grading.grade(SINGLE, 7).fraction == 0.0
    assert grading.grade(SINGLE, True).fraction == 0.0  # a bool is not an index


@pytest.mark.parametrize(
    ("answer", "expected"),
    [([0, 1], 1.0), ([1, 0], 1.0), ([0], 0.0), ([0, 1, 3], 0.0), ([0, 2], 0.0), ([], 0.0)],
)
def test_multiple_all_or_nothing(answer, expected):
    assert grading.grade(MULTI, answer, multiple_rule=grading.ALL_OR_NOTHING).fraction == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [([0, 1], 1.0), ([0], 0.5), ([1], 0.5), ([0, 3], 0.0), ([0, 1, 2], 0.0), ([3], 0.0)],
)
def test_multiple_partial(answer, expected):
    assert grading.grade(MULTI, answer, multiple_rule=grading.PARTIAL).fraction == pytest.approx(expected)


def test_multiple_partial_equal_shares_when_every_right_choice_is_marked_fully_correct():
    assert grading.grade(MULTI_FLAT, [0, 1], multiple_rule=grading.PARTIAL).fraction == pytest.approx(2 / 3)
    assert grading.grade(MULTI_FLAT, [0, 1, 2], multiple_rule=grading.PARTIAL).fraction == pytest.approx(1.0)
    assert grading.grade(MULTI_FLAT, [0, 3], multiple_rule=grading.PARTIAL).fraction == 0.0


def test_true_false():
    data = {"type": "true_false", "answer": False}
    assert grading.grade(data, False).fraction == 1.0
    assert grading.grade(data, True).fraction == 0.0
    assert grading.grade(data, "false").answered is False


def test_short_answer_alternatives_case_width_and_space_insensitive():
    data = {
        "type": "short_answer",
        "answers": [
            {"text": "Safety First", "fraction": 1.0},
            {"text": "安全 第一", "fraction": 1.0},
            {"text": "安全", "fraction": 0.5},
        ],
    }
    assert grading.grade(data, ["safetyfirst"]).fraction == 1.0
    assert grading.grade(data, ["ＳＡＦＥＴＹ  first"]).fraction == 1.0
    assert grading.grade(data, ["安全第一"]).fraction == 1.0
    assert grading.grade(data, "安全").fraction == 0.5
    assert grading.grade(data, ["安全生产"]).fraction == 0.0


def test_short_answer_wildcard():
    data = {"type": "short_answer", "answers": [{"text": "*应急预案*", "fraction": 1.0}]}
    assert grading.grade(data, ["生产安全事故应急预案"]).fraction == 1.0


def test_short_answer_several_blanks_each_scored():
    data = {
        "type": "short_answer",
        "blanks": [
            [{"text": "安全第一", "fraction": 1}],
            [{"text": "预防为主", "fraction": 1}],
            [{"text": "综合治理", "fraction": 1}, {"text": "综合", "fraction": 0.5}],
        ],
    }
    assert grading.grade(data, ["安全第一", "预防为主", "综合治理"]).fraction == pytest.approx(1.0)
    assert grading.grade(data, ["安全第一", "x", "综合"]).fraction == pytest.approx(0.5)
    assert grading.grade(data, ["", "预防为主", ""]).fraction == pytest.approx(1 / 3)


def test_numerical_tolerance_partial_and_catch_all():
    data = {
        "type": "numerical",
        "answers": [
            {"value": 3.0, "tolerance": 0.1, "fraction": 1.0},
            {"value": 3.0, "tolerance": 1.0, "fraction": 0.5},
            {"value": None, "tolerance": 0, "fraction": 0.0},
        ],
    }
    assert grading.grade(data, "3").fraction == 1.0
    assert grading.grade(data, "3.1").fraction == 1.0
    assert grading.grade(data, "２.５").fraction == 0.5
    assert grading.grade(data, "5").fraction == 0.0
    assert grading.grade(data, "abc").fraction == 0.0
    assert grading.grade(data, "").answered is False


def test_matching_each_pair_a_share():
    data = {
        "type": "matching",
        "pairs": [
            {"left": "a", "right": "1"},
            {"left": "b", "right": "2"},
            {"left": "c", "right": "3"},
            {"left": "", "right": "4"},
        ],
    }
    assert grading.grade(data, {"0": "1", "1": "2", "2": "3"}).fraction == 1.0
    assert grading.grade(data, {"0": "1", "1": "4"}).fraction == pytest.approx(1 / 3)
    assert grading.matching_options(data) == ["1", "2", "3", "4"]


def test_essay_needs_marking_unless_blank():
    assert grading.grade({"type": "essay"}, "文字").needs_marking is True
    assert grading.grade({"type": "essay"}, "  ").needs_marking is False


def test_score_rounds_to_cents():
    assert grading.score(Decimal("3"), 1 / 3) == Decimal("1.00")
    assert grading.score(Decimal("2"), 0.5) == Decimal("1.00")


def test_grade_paper_flags_wrong_short_answers_when_asked():
    data = {"type": "short_answer", "answers": [{"text": "x", "fraction": 1}]}
    results, total = grading.grade_paper(
        [(data, ["y"], Decimal("2")), (data, ["x"], Decimal("2"))], review_short_answers=True
    )
    assert [needs for _g, _s, needs in results] == [True, False]
    assert total == Decimal("2.00")


def test_grading_a_100_question_attempt_totals_every_type():
    """How fast is measured by bench/exams_bench.py (section 1), not here."""
    items = []
    for i in range(100):
        kind = i % 4
        if kind == 0:
            items.append((SINGLE, 0, Decimal("1")))
        elif kind == 1:
            items.append((MULTI, [0, 1], Decimal("2")))
        elif kind == 2:
            items.append(
                (
                    {"type": "short_answer", "answers": [{"text": "安全第一", "fraction": 1}]},
                    ["安全第一"],
                    Decimal("1"),
                )
            )
        else:
            items.append(({"type": "true_false", "answer": True}, True, Decimal("1")))
    results, total = grading.grade_paper(items, multiple_rule=grading.PARTIAL)
    assert len(results) == 100 and total == Decimal("125.00")


def test_answer_shape_maps_answers_exactly_as_the_whole_question_does():
    """The autosave maps answers with the shape kept in the session: it must agree with the full content."""
    from exams import paper
    from tests.exams.conftest import SAMPLE

    raws = [
        None,
        0,
        1,
        [0, 2],
        [1],
        "true",
        "0",
        ["a", "b", "c"],
        "3.5",
        {"0": 1, "1": 0, "9": 2},
        {"0": "x"},
    ]
    for data in SAMPLE:
        shape = paper.answer_shape(data)
        assert paper.answer_shape(shape) is shape
        assert "fraction" not in str(shape) and "answers" not in shape  # no answer key in it
        order = list(reversed(range(paper.option_count(data))))
        for raw in raws:
            stored = paper.answer_from_display(data, order, raw)
            assert paper.answer_from_display(shape, order, raw) == stored, (data["type"], raw)
            assert paper.answer_to_display(shape, order, stored) == paper.answer_to_display(
                data, order, stored
            )
    assert {d["type"] for d in SAMPLE} >= {"single_choice", "multiple_choice", "short_answer", "matching"}
