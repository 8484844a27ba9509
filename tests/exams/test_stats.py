"""Item statistics against a hand-computed example (4 attempts × 3 one-point items)."""

import pytest

from exams import stats

#            item1 item2 item3   total
# attempt A    1     1     1      3
# attempt B    1     1     0      2
# attempt C    1     0     0      1
# attempt D    0     0     1      1
ATTEMPTS = [
    {"i1": 1, "i2": 1, "i3": 1},
    {"i1": 1, "i2": 1, "i3": 0},
    {"i1": 1, "i2": 0, "i3": 0},
    {"i1": 0, "i2": 0, "i3": 1},
]
MAX = {"i1": 1, "i2": 1, "i3": 1}


def test_facility_and_discrimination_hand_computed():
    result = stats.item_statistics(ATTEMPTS, MAX)
    # item1: x = 1,1,1,0; rest = 2,1,0,1 → covariance 0 → discrimination 0
    assert result["i1"].facility == 75.0 and result["i1"].discrimination == 0.0
    # item2: x = 1,1,0,0; rest = 2,1,1,1 → Σdxdr = 0.5, Σdx² = 1, Σdr² = 0.75 → r = 0.5/√0.75 = 0.57735
    assert result["i2"].facility == 50.0 and result["i2"].discrimination == pytest.approx(57.74)
    # item3: x = 1,0,0,1; rest = 2,2,1,0 → Σdxdr = −0.5, Σdr² = 2.75 → r = −0.5/√2.75 = −0.30151
    assert result["i3"].discrimination == pytest.approx(-30.15)
    # four answers are too few to flag anything (stats.MIN_SAMPLE); the same figure over enough answers is flagged
    assert not result["i3"].enough_answers and not result["i3"].discriminates_negatively
    enough = stats.ItemStat("i3", stats.MIN_SAMPLE, 50.0, 57.74, -30.15, 1.0)
    assert enough.discriminates_negatively
    assert not stats.ItemStat("i2", stats.MIN_SAMPLE, 50.0, 57.74, 57.74, 1.0).discriminates_negatively
    # sample SD of item2 = √(1/3) = 0.57735 → 57.74 % of its maximum
    assert result["i2"].sd == pytest.approx(57.74)
    assert result["i2"].n == 4


def test_items_missing_from_some_papers_and_no_variance():
    result = stats.item_statistics([{"a": 2, "b": 1}, {"a": 2}, {"b": 0, "a": 0}], {"a": 2, "b": 1, "c": 1})
    assert result["b"].n == 2 and result["b"].facility == 50.0
    assert result["c"].n == 0 and result["c"].facility is None
    assert stats.item_statistics([{"a": 1}, {"a": 1}], {"a": 1})["a"].discrimination is None


def test_option_counts():
    data = {
        "type": "multiple_choice",
        "choices": [
            {"text": "x", "fraction": 0.5},
            {"text": "y", "fraction": 0.5},
            {"text": "z", "fraction": 0},
        ],
    }
    rows = stats.option_counts(data, [[0, 1], [0], [2], None])
    assert [r["count"] for r in rows] == [2, 1, 1]
    tf = stats.option_counts({"type": "true_false", "answer": True}, [True, False, True])
    assert [r["count"] for r in tf] == [2, 1]
