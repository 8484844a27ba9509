"""Composite scores, ranking and placement for the selection board (pure functions, no database)."""

import pytest

from analytics.selection import Candidate, Post, composite, rank, specialty_match, suggest_placements

W = {
    "self_study": 15,
    "timeliness": 10,
    "training": 20,
    "exam": 25,
    "mentor_evaluation": 20,
    "milestones_on_time": 10,
}


def test_composite_is_the_weighted_mean():
    comps = {
        "self_study": 100,
        "timeliness": 50,
        "training": 80,
        "exam": 90,
        "mentor_evaluation": 70,
        "milestones_on_time": 100,
    }
    score, contributions, missing = composite(comps, W)
    # (15*100 + 10*50 + 20*80 + 25*90 + 20*70 + 10*100) / 100
    assert score == pytest.approx(82.5)
    assert contributions["exam"] == pytest.approx(22.5)
    assert missing == []


def test_missing_parts_count_as_zero():
    comps = {
        "self_study": 100,
        "timeliness": None,
        "training": None,
        "exam": 80,
        "mentor_evaluation": None,
        "milestones_on_time": None,
    }
    score, contributions, missing = composite(comps, W)
    assert score == pytest.approx((15 * 100 + 25 * 80) / 100)  # 35.0, not the 87.5 of re-spread weights
    assert set(missing) == {"timeliness", "training", "mentor_evaluation", "milestones_on_time"}
    assert contributions["training"] == 0.0


def test_passing_the_exam_never_lowers_the_score():
    """Issue #12 item 7: a trainee at 90 everywhere else went *down* after passing the exam at 70."""
    before = {k: 90.0 for k in W} | {"exam": None}
    after = before | {"exam": 70.0}
    assert composite(after, W)[0] > composite(before, W)[0]
    assert composite(after, W)[0] == pytest.approx((75 * 90 + 25 * 70) / 100)


def test_zero_weight_parts_are_ignored_and_no_weight_means_no_score():
    assert composite({"exam": None}, {"exam": 0, "training": 0})[0] is None
    assert composite({"exam": None}, {"exam": 1, "training": 0})[0] == 0
    assert composite({"exam": 60, "training": None}, {"exam": 1, "training": 0}) == (
        60,
        {"exam": 60, "training": None},
        [],
    )


def test_rank_shares_ties_and_ranks_incomplete_candidates_apart():
    cands = [
        Candidate(1, "甲", {"exam": 90, "training": 50}),
        Candidate(2, "乙", {"exam": 95, "training": 70}),
        Candidate(3, "丙", {"exam": 90, "training": 50}),
        Candidate(4, "丁", {"exam": None, "training": None}),  # no data at all: used to rank first
        Candidate(5, "戊", {"exam": 100, "training": None}),
    ]
    rows = rank(cands, {"exam": 1, "training": 1})
    assert [(r.candidate.name, r.rank, r.complete) for r in rows] == [
        ("乙", 1, True),
        ("丙", 2, True),
        ("甲", 2, True),
        ("戊", None, False),
        ("丁", None, False),
    ]
    assert rows[3].score == 50 and rows[3].missing == ["training"]
    assert rows[4].score == 0


def test_specialty_match():
    assert specialty_match({"消防", "法律"}, {"消防", "危险化学品"}) == 0.5
    assert specialty_match(set(), set()) == 1.0


def test_placements_follow_rank_fit_and_openings():
    cands = [
        Candidate(1, "甲", {"exam": 95}, {"危险化学品"}),
        Candidate(2, "乙", {"exam": 90}, {"危险化学品"}),
        Candidate(3, "丙", {"exam": 80}, {"消防"}),
    ]
    ranked = rank(cands, {"exam": 1})
    posts = [
        Post(10, "危化品监管岗", 1, {"危险化学品"}),
        Post(11, "消防检查岗", 1, {"消防"}),
        Post(12, "综合岗", 1, set()),
    ]
    placed = suggest_placements(ranked, posts)
    assert placed[1] == (10, 1.0)
    assert placed[2] == (12, 1.0)  # the chemicals post is taken; a post wanting nothing fits anyone
    assert placed[3] == (11, 1.0)


def test_incomplete_candidates_are_not_placed():
    ranked = rank([Candidate(1, "甲", {"exam": None}, {"消防"})], {"exam": 1})
    assert suggest_placements(ranked, [Post(11, "消防检查岗", 1, {"消防"})]) == {}
