"""Item statistics as Moodle's quiz statistics compute them. Pure: no ORM.

facility index  = mean score on the item / its maximum × 100
discrimination  = Pearson correlation (× 100) between the item score and the rest of the test (total − item),
                  over the attempts that contained the item; negative values flag a question that better
                  examinees get wrong more often than weaker ones (often a wrong key or an ambiguous stem).

A correlation over a handful of examinees is noise: a question answered by fewer than MIN_SAMPLE is never flagged.
The page computes these figures in SQL (exams.stats_sql); item_statistics below is the same definition over
Python dicts, the reference the SQL is tested against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Below this many answers the discrimination index is shown but never flagged as negative (Moodle's quiz statistics
# warn likewise that small samples mislead; 30 is the usual floor for a correlation to mean anything).
MIN_SAMPLE = 30


@dataclass(frozen=True)
class ItemStat:
    key: object
    n: int
    facility: float | None  # percent
    sd: float | None  # percent of the item's maximum (sample SD)
    discrimination: float | None  # percent, None when either score has no variance
    max_score: float

    @property
    def enough_answers(self) -> bool:
        return self.n >= MIN_SAMPLE

    @property
    def discriminates_negatively(self) -> bool:
        return self.enough_answers and self.discrimination is not None and self.discrimination < 0


def item_stat(
    key, n: int, max_score: float, mean: float | None, sd: float | None, r: float | None
) -> ItemStat:
    """An ItemStat from the raw figures (mean and SD in points, r in −1…1), as percentages of the maximum."""
    if not n or max_score <= 0 or mean is None:
        return ItemStat(key, n, None, None, None, max_score)
    return ItemStat(
        key=key,
        n=n,
        facility=round(mean / max_score * 100, 2),
        sd=round(sd / max_score * 100, 2) if sd is not None else None,
        discrimination=round(r * 100, 2) if r is not None else None,
        max_score=max_score,
    )


def from_sums(n: int, sx: float, sxx: float, sy: float, syy: float, sxy: float):
    """(mean of x, sample SD of x, Pearson r of x and y) from the sums a database without corr() returns."""
    if not n:
        return None, None, None
    cxx = sxx - sx * sx / n
    cyy = syy - sy * sy / n
    cxy = sxy - sx * sy / n
    # The centred sums lose digits to cancellation; below this they are zero variance, as in pearson().
    eps_x, eps_y = 1e-9 * max(1.0, abs(sxx)), 1e-9 * max(1.0, abs(syy))
    sd = math.sqrt(max(cxx, 0.0) / (n - 1)) if n > 1 else None
    r = cxy / math.sqrt(cxx * cyy) if n > 1 and cxx > eps_x and cyy > eps_y else None
    return sx / n, sd, r


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
        mean = sum(xs) / n if n else None
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else None
        out[key] = item_stat(key, n, float(max_score), mean, sd, pearson(xs, rests))
    return out


def option_counts(data: dict, answers: list, counts: list[int] | None = None) -> list[dict]:
    """How often each option of a choice question was picked (answers in stored, source-index form; `counts`, when
    given, says how many examinees gave each answer, as the database groups them)."""
    counts = counts if counts is not None else [1] * len(answers)
    choices = data.get("choices") or []
    if data.get("type") == "true_false":
        rows = [
            {"text": True, "fraction": 1.0 if data.get("answer") else 0.0, "count": 0},
            {"text": False, "fraction": 0.0 if data.get("answer") else 1.0, "count": 0},
        ]
        for a, k in zip(answers, counts, strict=True):
            if isinstance(a, bool):
                rows[0 if a else 1]["count"] += k
        return rows
    rows = [
        {"text": c.get("text", ""), "fraction": float(c.get("fraction") or 0), "count": 0} for c in choices
    ]
    for a, k in zip(answers, counts, strict=True):
        picked = a if isinstance(a, list) else [a]
        for i in picked:
            if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(rows):
                rows[i]["count"] += k
    return rows
