"""Item statistics as Moodle's quiz statistics compute them. Pure: no ORM.

facility index  = mean score on the item / its maximum × 100
discrimination  = Pearson correlation (× 100) between the item score and the rest of the test (total − item),
                  over the attempts that contained the item; negative values flag a question that better
                  examinees get wrong more often than weaker ones (often a wrong key or an ambiguous stem).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemStat:
    key: object
    n: int
    facility: float | None  # percent
    sd: float | None  # percent of the item's maximum (sample SD)
    discrimination: float | None  # percent, None when either score has no variance
    max_score: float

    @property
    def discriminates_negatively(self) -> bool:
        return self.discrimination is not None and self.discrimination < 0


def pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def item_statistics(attempts: list[dict], max_scores: dict) -> dict:
    """attempts: one {item key: score} per attempt (items not on that paper left out); max_scores: key → maximum.

    Returns key → ItemStat.
    """
    totals = [sum(float(v) for v in a.values()) for a in attempts]
    out = {}
    for key, max_score in max_scores.items():
        xs, rests = [], []
        for a, total in zip(attempts, totals, strict=True):
            if key in a:
                x = float(a[key])
                xs.append(x)
                rests.append(total - x)
        n = len(xs)
        m = float(max_score)
        if not n or m <= 0:
            out[key] = ItemStat(key, n, None, None, None, m)
            continue
        mean = sum(xs) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else None
        r = pearson(xs, rests)
        out[key] = ItemStat(
            key=key,
            n=n,
            facility=round(mean / m * 100, 2),
            sd=round(sd / m * 100, 2) if sd is not None else None,
            discrimination=round(r * 100, 2) if r is not None else None,
            max_score=m,
        )
    return out


def option_counts(data: dict, answers: list) -> list[dict]:
    """How often each option of a choice question was picked (answers in stored, source-index form)."""
    choices = data.get("choices") or []
    if data.get("type") == "true_false":
        rows = [
            {"text": True, "fraction": 1.0 if data.get("answer") else 0.0, "count": 0},
            {"text": False, "fraction": 0.0 if data.get("answer") else 1.0, "count": 0},
        ]
        for a in answers:
            if isinstance(a, bool):
                rows[0 if a else 1]["count"] += 1
        return rows
    rows = [
        {"text": c.get("text", ""), "fraction": float(c.get("fraction") or 0), "count": 0} for c in choices
    ]
    for a in answers:
        picked = a if isinstance(a, list) else [a]
        for i in picked:
            if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(rows):
                rows[i]["count"] += 1
    return rows
