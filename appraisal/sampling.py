"""The random draw of a review round and the cross-assignment of reviewers, as pure functions (no database).

Draw: the eligible closed files of the subtree and period, grouped by street (the file's unit), are shuffled with a
random generator seeded from the round's seed and the street, so the same seed and the same files give the same
draw whatever order the database returned them in. Each street gives `per_street` files, or `share` of its files
rounded up; then every handler with an eligible file is topped up to `min_per_handler` files they handled.

Assignment: each drawn file gets `per_file` distinct reviewers, none from the file's street and none among its
handler and co-handlers. Reviewers' loads are kept as even as the exclusions allow: first everybody is filled up
to the floor of the average, then to one more, so max − min ≤ 1 whenever such an assignment exists (a maximum flow
at each capacity, found with augmenting paths). When some file cannot get enough reviewers, `Infeasible` names it.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Candidate:
    """An eligible closed file: its id, case number (the stable sort key), street and handlers."""

    case_id: int
    number: str
    street_id: int
    handler_id: int
    co_handler_ids: frozenset[int] = frozenset()

    @property
    def excluded(self) -> frozenset[int]:
        return frozenset({self.handler_id, *self.co_handler_ids})


@dataclass(frozen=True)
class Reviewer:
    officer_id: int
    street_id: int


@dataclass(frozen=True)
class Slot:
    """A drawn file waiting for reviewers: `key` identifies it (a RoundCase id, or a case id in tests)."""

    key: Hashable
    street_id: int
    excluded: frozenset[int] = frozenset()
    already: frozenset[int] = field(default_factory=frozenset)  # reviewers the file already has


class Infeasible(ValueError):
    """No assignment satisfies the rules; `keys` are the files that could not get enough reviewers."""

    code = "assignment_infeasible"

    def __init__(self, keys: list, needed: int):
        super().__init__(f"{len(keys)} file(s) cannot get {needed} reviewer(s) from other streets")
        self.keys = keys
        self.needed = needed


def _street_rng(seed: int, street_id) -> random.Random:
    return random.Random(f"{seed}:street:{street_id}")


def street_quota(available: int, *, per_street: int | None, share: Decimal | float | None) -> int:
    """How many files a street with `available` eligible files gives."""
    if per_street is not None:
        return min(per_street, available)
    if share is not None:
        return min(available, math.ceil(Decimal(str(share)) * available - Decimal("1e-9")))
    raise ValueError("per_street or share is required")


def draw(
    candidates: Iterable[Candidate],
    *,
    seed: int,
    per_street: int | None = None,
    share: Decimal | float | None = None,
    min_per_handler: int = 0,
) -> list[Candidate]:
    """The drawn files in draw order: street by street (by street id), then the handlers' top-ups."""
    by_street: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_street[candidate.street_id].append(candidate)
    shuffled: dict[int, list[Candidate]] = {}
    for street_id in sorted(by_street):
        files = sorted(by_street[street_id], key=lambda c: (c.number, c.case_id))
        _street_rng(seed, street_id).shuffle(files)
        shuffled[street_id] = files

    drawn: list[Candidate] = []
    taken: set[int] = set()
    for files in shuffled.values():
        for candidate in files[: street_quota(len(files), per_street=per_street, share=share)]:
            drawn.append(candidate)
            taken.add(candidate.case_id)

    if min_per_handler > 0:
        counts: dict[int, int] = defaultdict(int)
        for candidate in drawn:
            counts[candidate.handler_id] += 1
        # A handler's files in the order their street's shuffle put them: the top-up takes the next ones.
        own: dict[int, list[Candidate]] = defaultdict(list)
        for files in shuffled.values():
            for candidate in files:
                own[candidate.handler_id].append(candidate)
        for handler_id in sorted(own):
            for candidate in own[handler_id]:
                if counts[handler_id] >= min_per_handler:
                    break
                if candidate.case_id not in taken:
                    drawn.append(candidate)
                    taken.add(candidate.case_id)
                    counts[handler_id] += 1
    return drawn


def eligible(slot: Slot, reviewer: Reviewer) -> bool:
    return (
        reviewer.street_id != slot.street_id
        and reviewer.officer_id not in slot.excluded
        and reviewer.officer_id not in slot.already
    )


class _Flow:
    """Slots ↔ reviewers with a capacity per reviewer; `place` adds one review to a slot, moving others if needed."""

    def __init__(self, slots: list[Slot], reviewers: list[Reviewer], rank: dict[int, int]):
        self.slots = {slot.key: slot for slot in slots}
        self.options = {slot.key: [r.officer_id for r in reviewers if eligible(slot, r)] for slot in slots}
        self.rank = rank
        self.assigned: dict[Hashable, list[int]] = {slot.key: [] for slot in slots}
        self.load: dict[int, int] = {r.officer_id: 0 for r in reviewers}
        self.holding: dict[int, list[Hashable]] = {r.officer_id: [] for r in reviewers}
        self.cap = 0

    def _give(self, key, officer_id):
        self.assigned[key].append(officer_id)
        self.holding[officer_id].append(key)
        self.load[officer_id] += 1

    def _take(self, key, officer_id):
        self.assigned[key].remove(officer_id)
        self.holding[officer_id].remove(key)
        self.load[officer_id] -= 1

    def place(self, key, visited: set[int]) -> bool:
        taken, load, cap = self.assigned[key], self.load, self.cap
        free = [r for r in self.options[key] if load[r] < cap and r not in taken and r not in visited]
        if free:  # the common case: the least loaded reviewer with room, no search needed
            self._give(key, min(free, key=lambda r: (load[r], self.rank[r])))
            return True
        options = sorted(
            (r for r in self.options[key] if r not in taken and r not in visited),
            key=lambda r: (load[r], self.rank[r]),
        )
        for officer_id in options:
            if officer_id in visited:
                continue
            visited.add(officer_id)
            if self.load[officer_id] < self.cap:
                self._give(key, officer_id)
                return True
            # Full: free a place by moving one of this reviewer's files to someone else.
            for other in list(self.holding[officer_id]):
                if officer_id in self.assigned[key]:
                    break
                if self.place(other, visited):
                    self._take(other, officer_id)
                    self._give(key, officer_id)
                    return True
        return False


def assign(
    slots: Iterable[Slot], reviewers: Iterable[Reviewer], *, per_file: int, seed: int
) -> dict[Hashable, list[int]]:
    """Reviewer officer ids for each slot (`per_file` each, in review order); `Infeasible` when impossible."""
    slots = sorted(slots, key=lambda s: str(s.key))
    reviewers = sorted({r.officer_id: r for r in reviewers}.values(), key=lambda r: r.officer_id)
    if not slots:
        return {}
    order = [r.officer_id for r in reviewers]
    random.Random(f"{seed}:reviewers").shuffle(order)
    rank = {officer_id: i for i, officer_id in enumerate(order)}
    flow = _Flow(slots, reviewers, rank)
    short = [s.key for s in slots if len(flow.options[s.key]) < per_file]
    if short:
        raise Infeasible(short, per_file)
    total = len(slots) * per_file
    pending = [s.key for _ in range(per_file) for s in slots]
    flow.cap = total // len(reviewers) if reviewers else 0
    while pending:
        if flow.cap > total:
            raise Infeasible(sorted(set(pending), key=str), per_file)
        still = []
        free = sum(max(0, flow.cap - load) for load in flow.load.values())
        for key in pending:
            # With every reviewer at capacity no augmenting path exists: skip the (costly) search.
            if free > 0 and flow.place(key, set()):
                free -= 1
            else:
                still.append(key)
        pending = still
        flow.cap += 1
    return {key: flow.assigned[key] for key in flow.assigned}


def pick_third(slot: Slot, reviewers: Iterable[Reviewer], load: dict[int, int], *, seed: int) -> int | None:
    """One more reviewer for a file (a third review): eligible, not already on it, the least loaded of the round
    (ties broken by the seeded order). None when nobody is eligible."""
    options = [r.officer_id for r in reviewers if eligible(slot, r)]
    if not options:
        return None
    order = sorted(set(options))
    random.Random(f"{seed}:third:{slot.key}").shuffle(order)
    rank = {officer_id: i for i, officer_id in enumerate(order)}
    return min(order, key=lambda r: (load.get(r, 0), rank[r]))
