"""Selection board maths (择优选用 / 知人善任), pure: composite scores from components, and post placement.

No ORM here: selectors gather the raw components per candidate; these functions rank and place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Candidate:
    officer_id: int
    name: str
    components: dict[str, float | None]  # each 0–100, None when the candidate has no data for it
    specialties: set[str] = field(default_factory=set)


@dataclass
class Ranked:
    candidate: Candidate
    score: float | None  # None only when no component has a weight
    rank: int | None  # among complete candidates; None for incomplete ones (ranked apart, see rank())
    contributions: dict[str, float | None]  # weighted points each component added (0 for a missing one)
    missing: list[str]  # weighted components the candidate has no data for, scored 0

    @property
    def complete(self) -> bool:
        return not self.missing


def composite(
    components: dict[str, float | None], weights: dict[str, float]
) -> tuple[float | None, dict, list]:
    """Weighted mean over every weighted component, a missing one counting as 0.

    So more data can only raise a score: a trainee who passes the qualifying exam gains its weighted points
    (re-spreading the weight of missing parts, as before, made a candidate with no exam and no milestones the
    best, and a pass at 70 lower an earlier average of 90). Components with weight 0 are left out.

    Returns (score 0–100, or None when no weight is above 0; contributions per component in score points, None
    for a weight-0 component; the missing component names)."""
    weighted = {k: w for k, w in weights.items() if w > 0}
    total = sum(weighted.values())
    missing = [k for k in weighted if components.get(k) is None]
    if total <= 0:
        return None, dict.fromkeys(weights), missing
    contributions = {
        k: ((components.get(k) or 0.0) * weighted[k] / total if k in weighted else None) for k in weights
    }
    return round(sum(v for v in contributions.values() if v is not None), 2), contributions, missing


def rank(candidates: list[Candidate], weights: dict[str, float]) -> list[Ranked]:
    """Complete candidates (data for every weighted component) first, highest composite first, ties sharing a
    rank (1, 2, 2, 4). Incomplete candidates follow, ranked apart: by their composite (missing parts at 0) but
    without a rank, since their score is not comparable yet."""
    rows = []
    for c in candidates:
        score, contributions, missing = composite(c.components, weights)
        rows.append(Ranked(candidate=c, score=score, rank=None, contributions=contributions, missing=missing))
    rows.sort(key=lambda r: (not r.complete or r.score is None, -(r.score or 0), r.candidate.name))
    previous, previous_rank = None, 0
    for i, r in enumerate(rows, start=1):
        if r.score is None or not r.complete:
            continue
        r.rank = previous_rank if r.score == previous else i
        previous, previous_rank = r.score, r.rank
    return rows


def specialty_match(candidate: set[str], wanted: set[str]) -> float:
    """Share of a post's wanted specialties the candidate has (1.0 when the post wants none in particular)."""
    if not wanted:
        return 1.0
    return len(candidate & wanted) / len(wanted)


@dataclass
class Post:
    post_id: int
    title: str
    openings: int
    wanted: set[str]


def suggest_placements(
    ranked: list[Ranked], posts: list[Post], *, min_match: float = 0.0
) -> dict[int, tuple[int, float]]:
    """Greedy placement: best-ranked candidates first, each to the open post whose specialties fit them best.

    Returns {officer_id: (post_id, match)}. Deterministic; a post takes at most `openings` people. Only ranked
    (complete) candidates are placed: an incomplete record is no basis for an appointment yet.
    """
    remaining = {p.post_id: p.openings for p in posts}
    placements: dict[int, tuple[int, float]] = {}
    for r in ranked:
        if r.rank is None:
            continue
        options = [
            (specialty_match(r.candidate.specialties, p.wanted), -p.post_id, p)
            for p in posts
            if remaining[p.post_id] > 0
        ]
        options = [o for o in options if o[0] >= min_match]
        if not options:
            continue
        match, _neg, post = max(options, key=lambda o: (o[0], o[1]))
        remaining[post.post_id] -= 1
        placements[r.candidate.officer_id] = (post.post_id, round(match, 3))
    return placements
