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
    score: float | None
    rank: int | None
    contributions: dict[str, float | None]  # weighted points each component added
    missing: list[str]


def composite(
    components: dict[str, float | None], weights: dict[str, float]
) -> tuple[float | None, dict, list]:
    """Weighted mean over the components the candidate has; weights of missing components are re-spread.

    Returns (score 0–100 or None, contributions per component in score points, missing component names).
    """
    used = {k: w for k, w in weights.items() if w > 0 and components.get(k) is not None}
    missing = [k for k, w in weights.items() if w > 0 and components.get(k) is None]
    total = sum(used.values())
    if total <= 0:
        return None, dict.fromkeys(weights), missing
    contributions = {k: (components[k] * w / total if k in used else None) for k, w in weights.items()}
    return round(sum(v for v in contributions.values() if v is not None), 2), contributions, missing


def rank(candidates: list[Candidate], weights: dict[str, float]) -> list[Ranked]:
    """Highest composite first; ties share a rank (1, 2, 2, 4); candidates without any data come last."""
    rows = []
    for c in candidates:
        score, contributions, missing = composite(c.components, weights)
        rows.append(Ranked(candidate=c, score=score, rank=None, contributions=contributions, missing=missing))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.candidate.name))
    previous, previous_rank = None, 0
    for i, r in enumerate(rows, start=1):
        if r.score is None:
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

    Returns {officer_id: (post_id, match)}. Deterministic; a post takes at most `openings` people.
    """
    remaining = {p.post_id: p.openings for p in posts}
    placements: dict[int, tuple[int, float]] = {}
    for r in ranked:
        if r.score is None:
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
