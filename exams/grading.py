"""Automatic grading of one answer against a question's data (the exams.formats dict). Pure: no ORM, no I/O.

Stored answers (Response.answer) refer to source positions, never to the shuffled display order:
single_choice → int; multiple_choice → list[int]; true_false → bool; short_answer → list[str] (one per blank);
numerical → str; matching → {pair index (str): right text}; essay → str; cloze → list, one entry per part
(short answer and numerical: str; single choice: int; multiple choice: list[int]).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ALL_OR_NOTHING = "all_or_nothing"
PARTIAL = "partial"
_EPS = 1e-9


@dataclass(frozen=True)
class Grade:
    fraction: float  # 0..1 of the question's points
    needs_marking: bool = False
    answered: bool = True

    @property
    def correct(self) -> bool:
        return not self.needs_marking and self.fraction >= 1 - _EPS


def score(points: Decimal, fraction: float) -> Decimal:
    return (Decimal(points) * Decimal(str(round(fraction, 6)))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def is_blank(answer) -> bool:
    if answer is None:
        return True
    if isinstance(answer, str):
        return not answer.strip()
    if isinstance(answer, list):
        return all(is_blank(a) for a in answer) if answer else True
    if isinstance(answer, dict):
        return all(is_blank(v) for v in answer.values()) if answer else True
    return False


def normalise_text(text: str) -> str:
    """Case-, width- and space-insensitive form: 'Ａ Ｂ c' and 'abc' compare equal."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"\s+", "", text)


def _case_kept(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def _text_matches(given: str, accepted: str, case_sensitive: bool = False) -> bool:
    """Width- and space-insensitive; case-insensitive unless the question says otherwise (Moodle's usecase)."""
    fold = _case_kept if case_sensitive else normalise_text
    given_n, accepted_n = fold(given), fold(accepted)
    if "*" in accepted_n:  # Moodle short-answer wildcard
        pattern = ".*".join(re.escape(part) for part in accepted_n.split("*"))
        return re.fullmatch(pattern, given_n) is not None
    return given_n == accepted_n


def _clip(value: float) -> float:
    return max(0.0, min(1.0, value))


def _choice_fraction(choice) -> float:
    return float(choice.get("fraction") or 0)


def grade_single(data: dict, answer) -> Grade:
    choices = data.get("choices") or []
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(choices):
        return Grade(0.0, answered=False)
    return Grade(_clip(_choice_fraction(choices[answer])))


def grade_multiple(data: dict, answer, rule: str = ALL_OR_NOTHING) -> Grade:
    choices = data.get("choices") or []
    if not isinstance(answer, list | tuple) or not answer:
        return Grade(0.0, answered=False)
    selected = {a for a in answer if isinstance(a, int) and not isinstance(a, bool) and 0 <= a < len(choices)}
    if not selected:
        return Grade(0.0, answered=False)
    right = {i for i, c in enumerate(choices) if _choice_fraction(c) > _EPS}
    if not right:
        return Grade(0.0)
    if rule == PARTIAL:
        if selected - right:
            return Grade(0.0)  # 错选不得分
        total = sum(_choice_fraction(choices[i]) for i in right)
        return Grade(_clip(sum(_choice_fraction(choices[i]) for i in selected) / total))  # 漏选得部分分
    return Grade(1.0 if selected == right else 0.0)


def grade_true_false(data: dict, answer) -> Grade:
    if not isinstance(answer, bool):
        return Grade(0.0, answered=False)
    return Grade(1.0 if answer == bool(data.get("answer")) else 0.0)


def _blank_alternatives(data: dict) -> list[list[dict]]:
    blanks = data.get("blanks")
    if blanks:
        return blanks
    return [data.get("answers") or []]


def grade_short_answer(data: dict, answer) -> Grade:
    blanks = _blank_alternatives(data)
    case_sensitive = bool(data.get("case_sensitive"))
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, list) or is_blank(answer):
        return Grade(0.0, answered=False)
    total = 0.0
    for i, alternatives in enumerate(blanks):
        given = answer[i] if i < len(answer) and isinstance(answer[i], str) else ""
        if not given.strip():
            continue
        best = 0.0
        for alt in alternatives:
            if _text_matches(given, alt.get("text", ""), case_sensitive):
                best = max(best, float(alt.get("fraction") or 0))
        total += _clip(best)
    return Grade(total / len(blanks) if blanks else 0.0)


def _parse_number(text) -> float | None:
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    if not isinstance(text, str):
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def grade_numerical(data: dict, answer) -> Grade:
    if is_blank(answer):
        return Grade(0.0, answered=False)
    value = _parse_number(answer)
    best = None
    catch_all = None
    for alt in data.get("answers") or []:
        if alt.get("value") is None:
            catch_all = float(alt.get("fraction") or 0)
            continue
        if value is None:
            continue
        tolerance = abs(float(alt.get("tolerance") or 0))
        if abs(value - float(alt["value"])) <= tolerance + _EPS:
            fraction = float(alt.get("fraction") or 0)
            best = fraction if best is None else max(best, fraction)
    if best is None:
        best = catch_all or 0.0
    return Grade(_clip(best))


def matching_pairs(data: dict) -> list[tuple[int, dict]]:
    """The pairs an examinee must match (an empty `left` is only a distractor on the right)."""
    return [(i, p) for i, p in enumerate(data.get("pairs") or []) if (p.get("left") or "").strip()]


def matching_options(data: dict) -> list[str]:
    """The distinct right-hand texts in source order; a shuffled permutation of them is shown."""
    seen: list[str] = []
    for pair in data.get("pairs") or []:
        right = pair.get("right") or ""
        if right not in seen:
            seen.append(right)
    return seen


def grade_matching(data: dict, answer) -> Grade:
    pairs = matching_pairs(data)
    if not isinstance(answer, dict) or is_blank(answer) or not pairs:
        return Grade(0.0, answered=False)
    right = sum(1 for i, p in pairs if answer.get(str(i)) == p.get("right"))
    return Grade(right / len(pairs))


def grade_cloze(data: dict, answer, rule: str = ALL_OR_NOTHING) -> Grade:
    """Each part graded as its kind; the question's fraction is the parts' fractions weighted as Moodle weights
    them ({2:SHORTANSWER:…} counts twice), so a question worth the sum of its weights gives each part its mark."""
    parts = data.get("parts") or []
    if not isinstance(answer, list | tuple) or is_blank(list(answer)) or not parts:
        return Grade(0.0, answered=False)
    total_weight = sum(max(0, int(p.get("weight", 1))) for p in parts)
    if not total_weight:
        return Grade(0.0)
    earned = 0.0
    for i, part in enumerate(parts):
        given = answer[i] if i < len(answer) else None
        kind = part.get("kind")
        if kind == "short_answer":
            sub = {"answers": part.get("answers"), "case_sensitive": part.get("case_sensitive")}
            g = grade_short_answer(sub, given if isinstance(given, str) else "")
        elif kind == "numerical":
            g = grade_numerical({"answers": part.get("answers")}, given)
        elif kind == "single_choice":
            g = grade_single({"choices": part.get("choices")}, given)
        else:
            g = grade_multiple({"choices": part.get("choices")}, given, rule)
        earned += max(0, int(part.get("weight", 1))) * g.fraction
    return Grade(_clip(earned / total_weight))


def grade(data: dict, answer, *, multiple_rule: str = ALL_OR_NOTHING) -> Grade:
    """Grade one answer. Essays always go to a marker."""
    qtype = data.get("type")
    if qtype == "essay":
        return Grade(0.0, needs_marking=not is_blank(answer), answered=not is_blank(answer))
    if qtype == "single_choice":
        return grade_single(data, answer)
    if qtype == "multiple_choice":
        return grade_multiple(data, answer, multiple_rule)
    if qtype == "true_false":
        return grade_true_false(data, answer)
    if qtype == "short_answer":
        return grade_short_answer(data, answer)
    if qtype == "numerical":
        return grade_numerical(data, answer)
    if qtype == "matching":
        return grade_matching(data, answer)
    if qtype == "cloze":
        return grade_cloze(data, answer, multiple_rule)
    raise ValueError(f"unknown question type {qtype!r}")


def grade_paper(items, *, multiple_rule: str = ALL_OR_NOTHING, review_short_answers: bool = False):
    """Grade a whole paper: items are (data, answer, points). Returns [(Grade, score, needs_marking)] and total."""
    results = []
    total = Decimal("0")
    for data, answer, points in items:
        g = grade(data, answer, multiple_rule=multiple_rule)
        needs = g.needs_marking or (
            review_short_answers
            and data.get("type") == "short_answer"
            and g.answered
            and g.fraction < 1 - _EPS
        )
        s = score(points, g.fraction)
        results.append((g, s, needs))
        total += s
    return results, total
