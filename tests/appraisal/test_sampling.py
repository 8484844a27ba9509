"""The draw is reproducible from its seed and the assignment never breaks the cross-review rules, over many
generated cities (a seeded randomised loop: hypothesis is not installed)."""

import random
from collections import Counter
from decimal import Decimal

import pytest

from appraisal.sampling import Candidate, Infeasible, Reviewer, Slot, assign, draw, pick_third, street_quota


def _city(rng: random.Random):
    """Streets with officers, some of them reviewers, and closed files handled by the officers."""
    streets = list(range(1, rng.randint(2, 7) + 1))
    officers = {}
    next_id = 1
    for street in streets:
        for _ in range(rng.randint(1, 6)):
            officers[next_id] = street
            next_id += 1
    files = []
    for n in range(rng.randint(0, 60)):
        handler = rng.choice(list(officers))
        same_street = [o for o, s in officers.items() if s == officers[handler] and o != handler]
        co = frozenset(rng.sample(same_street, min(len(same_street), rng.randint(0, 2))))
        # now and then a co-handler from another street (joint cases)
        if rng.random() < 0.1:
            co |= {rng.choice(list(officers))} - {handler}
        files.append(Candidate(1000 + n, f"案{n:04d}", officers[handler], handler, co))
    reviewers = [Reviewer(o, s) for o, s in officers.items() if rng.random() < 0.7]
    return streets, officers, files, reviewers


def test_draw_takes_n_per_street_and_tops_up_every_handler():
    files = [Candidate(i, f"N{i}", 1 if i < 10 else 2, handler_id=100 + i % 4) for i in range(14)]
    picked = draw(files, seed=7, per_street=2, min_per_handler=1)
    per_street = Counter(c.street_id for c in picked[:4])
    assert per_street == {1: 2, 2: 2}
    assert {c.handler_id for c in picked} == {100, 101, 102, 103}
    assert len({c.case_id for c in picked}) == len(picked)


def test_share_is_rounded_up_per_street():
    assert street_quota(7, per_street=None, share=Decimal("0.2")) == 2
    assert street_quota(10, per_street=None, share=Decimal("0.2")) == 2
    assert street_quota(3, per_street=5, share=None) == 3


def test_draw_is_reproducible_from_its_seed_and_ignores_input_order():
    rng = random.Random(20260101)
    for _ in range(200):
        _streets, _officers, files, _reviewers = _city(rng)
        seed = rng.randrange(2**40)
        kwargs = {"per_street": rng.choice([None, 1, 2, 3]), "min_per_handler": rng.randint(0, 2)}
        if kwargs["per_street"] is None:
            kwargs["share"] = Decimal(rng.choice(["0.1", "0.25", "0.5", "1"]))
        first = draw(files, seed=seed, **kwargs)
        shuffled = files[:]
        rng.shuffle(shuffled)
        assert draw(shuffled, seed=seed, **kwargs) == first
        handled = Counter(c.handler_id for c in files)
        got = Counter(c.handler_id for c in first)
        for handler, available in handled.items():
            assert got[handler] >= min(available, kwargs["min_per_handler"])


def test_a_different_seed_gives_a_different_draw():
    files = [Candidate(i, f"N{i:03d}", 1, handler_id=1) for i in range(100)]
    assert draw(files, seed=1, per_street=5) != draw(files, seed=2, per_street=5)


def test_no_reviewer_ever_gets_a_file_from_their_street_or_one_they_handled():
    rng = random.Random(15)
    checked = infeasible = 0
    for _ in range(300):
        _streets, officers, files, reviewers = _city(rng)
        picked = draw(files, seed=rng.randrange(2**32), per_street=rng.randint(1, 3), min_per_handler=1)
        slots = [Slot(c.case_id, c.street_id, c.excluded) for c in picked]
        per_file = rng.choice([1, 2])
        try:
            result = assign(slots, reviewers, per_file=per_file, seed=rng.randrange(2**32))
        except Infeasible as exc:
            infeasible += 1
            # Infeasible only names files that truly lack eligible reviewers, or when capacity can't be met.
            assert exc.keys
            continue
        by_case = {c.case_id: c for c in picked}
        loads = Counter()
        for key, chosen in result.items():
            case = by_case[key]
            assert len(chosen) == per_file == len(set(chosen))
            for officer_id in chosen:
                assert officers[officer_id] != case.street_id
                assert officer_id not in case.excluded
                loads[officer_id] += 1
            checked += 1
        # Loads spread evenly whenever every reviewer could take any file.
        flexible = all(
            sum(1 for r in reviewers if r.street_id != s.street_id and r.officer_id not in s.excluded)
            == len(reviewers)
            for s in slots
        )
        if flexible and reviewers:
            counts = [loads.get(r.officer_id, 0) for r in reviewers]
            assert max(counts) - min(counts) <= 1
    assert checked > 500 and infeasible < 300


def test_balanced_when_exclusions_allow_it():
    # Three streets, two reviewers each, 12 files: every reviewer reviews 4 (24 reviews / 6 reviewers).
    reviewers = [Reviewer(o, (o - 1) // 2 + 1) for o in range(1, 7)]
    slots = [Slot(k, k % 3 + 1, frozenset({100 + k})) for k in range(12)]
    result = assign(slots, reviewers, per_file=2, seed=3)
    loads = Counter(o for chosen in result.values() for o in chosen)
    assert sorted(loads.values()) == [4] * 6
    assert assign(slots, reviewers, per_file=2, seed=3) == result


def test_infeasible_names_the_file_without_reviewers():
    reviewers = [Reviewer(1, 1), Reviewer(2, 2)]
    slots = [Slot("a", 1, frozenset({2})), Slot("b", 2)]
    with pytest.raises(Infeasible) as caught:
        assign(slots, reviewers, per_file=1, seed=0)
    assert caught.value.keys == ["a"]
    with pytest.raises(Infeasible):
        assign([Slot("b", 2)], reviewers, per_file=2, seed=0)


def test_third_reviewer_is_eligible_new_and_least_loaded():
    reviewers = [Reviewer(1, 1), Reviewer(2, 2), Reviewer(3, 3), Reviewer(4, 3), Reviewer(5, 2)]
    slot = Slot("x", 1, frozenset({9}), already=frozenset({2, 3}))
    assert pick_third(slot, reviewers, {4: 5, 5: 1}, seed=1) == 5
    assert pick_third(Slot("y", 1, frozenset({4, 5}), frozenset({2, 3})), reviewers, {}, seed=1) is None
