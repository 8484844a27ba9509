"""What an examinee may see of a frozen question, and the mapping between display positions and stored answers.

Pure: no ORM. `public_question` is the only shape attempt-time pages and JSON get: no fractions, no feedback,
no explanations, no accepted answers, and choices identified by their display position (the source order is
itself a hint — authors often write the right answer first).
"""

from __future__ import annotations

import json
import random

from django.utils.translation import gettext as _

from exams.grading import is_blank, matching_options, matching_pairs


def option_count(data: dict) -> int:
    qtype = data.get("type")
    if qtype in ("single_choice", "multiple_choice"):
        return len(data.get("choices") or [])
    if qtype == "matching":
        return len(matching_options(data))
    return 0


def draw_option_order(count: int, rng: random.Random, shuffle: bool) -> list[int]:
    order = list(range(count))
    if shuffle:
        rng.shuffle(order)
    return order


def blank_count(data: dict) -> int:
    if data.get("type") != "short_answer":
        return 0
    return len(data.get("blanks") or []) or 1


def public_question(data: dict, option_order: list[int]) -> dict:
    """The question as the examinee sees it during an attempt."""
    qtype = data.get("type")
    out = {
        "type": qtype,
        "title": data.get("title") or "",
        "stem": data.get("stem") or "",
        "stem_format": data.get("stem_format") or "plain",
    }
    if qtype in ("single_choice", "multiple_choice"):
        choices = data.get("choices") or []
        out["options"] = [
            {"index": pos, "text": choices[src].get("text", "")} for pos, src in enumerate(option_order)
        ]
    elif qtype == "matching":
        rights = matching_options(data)
        out["lefts"] = [{"key": str(i), "text": p.get("left", "")} for i, p in matching_pairs(data)]
        out["options"] = [{"index": pos, "text": rights[src]} for pos, src in enumerate(option_order)]
    elif qtype == "short_answer":
        out["blanks"] = blank_count(data)
    elif qtype == "cloze":
        out["parts"] = [_public_part(i, p) for i, p in enumerate(data.get("parts") or [])]
    return out


def _public_part(i: int, part: dict) -> dict:
    """A Cloze part as the examinee sees it: its kind and, for choices, the option texts (no fractions)."""
    kind = part.get("kind")
    out = {"i": i, "kind": kind}
    if kind in ("single_choice", "multiple_choice"):
        out["options"] = [
            {"index": j, "text": c.get("text", "")} for j, c in enumerate(part.get("choices") or [])
        ]
    return out


def _cloze_answer(shape: dict, raw) -> list:
    """A Cloze answer from the browser: a list (or its JSON text) with one entry per part; invalid entries
    become empty. Choice parts hold option indexes (a Cloze's options are not shuffled)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else []
        except ValueError:
            raw = []
    if isinstance(raw, dict):
        raw = [raw.get(str(i)) for i in range(len(shape["parts"]))]
    if not isinstance(raw, list):
        raw = []
    out = []
    for i, (kind, count) in enumerate(shape["parts"]):
        value = raw[i] if i < len(raw) else None
        if kind == "single_choice":
            pos = _int(value[0] if isinstance(value, list) and value else value)
            out.append(pos if pos is not None and 0 <= pos < count else None)
        elif kind == "multiple_choice":
            items = value if isinstance(value, list) else [value]
            out.append(sorted({p for p in (_int(x) for x in items) if p is not None and 0 <= p < count}))
        else:
            out.append("" if value is None or isinstance(value, list | dict) else str(value)[:500])
    return out


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def answer_shape(data: dict) -> dict:
    """What mapping an answer between display positions and its stored form needs of a question, and no more:
    its type, the number of blanks, and for matching the left-hand keys and the right-hand texts in source order.
    Small enough to keep in the examinee's (server-side) session for the autosave (exams.autosave). Taking a
    shape returns it unchanged, so the functions below accept either."""
    if data.get("shape"):
        return data
    qtype = data.get("type")
    shape = {"shape": 1, "type": qtype}
    if qtype == "short_answer":
        shape["blanks"] = blank_count(data)
    elif qtype == "matching":
        shape["keys"] = [str(i) for i, _p in matching_pairs(data)]
        shape["rights"] = matching_options(data)
    elif qtype == "cloze":
        shape["parts"] = [[p.get("kind"), len(p.get("choices") or [])] for p in data.get("parts") or []]
    return shape


def answer_from_display(data: dict, option_order: list[int], raw):
    """Turn what the browser sent (display positions, strings) into the stored form. Invalid parts are dropped.

    `data` is the question's content or its answer_shape."""
    shape = answer_shape(data)
    qtype = shape["type"]
    if raw is None:
        return None
    if qtype == "single_choice":
        pos = _int(raw[0] if isinstance(raw, list) and raw else raw)
        return option_order[pos] if pos is not None and 0 <= pos < len(option_order) else None
    if qtype == "multiple_choice":
        items = raw if isinstance(raw, list) else [raw]
        picked = {
            option_order[p] for p in (_int(x) for x in items) if p is not None and 0 <= p < len(option_order)
        }
        return sorted(picked)
    if qtype == "true_false":
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("true", "1", "yes"):
            return True
        if str(raw).lower() in ("false", "0", "no"):
            return False
        return None
    if qtype == "short_answer":
        items = raw if isinstance(raw, list) else [raw]
        n = shape["blanks"]
        texts = [str(x)[:500] if x is not None else "" for x in items][:n]
        return texts + [""] * (n - len(texts))
    if qtype == "numerical":
        if isinstance(raw, list):
            raw = raw[0] if raw else ""
        return str(raw)[:50]
    if qtype == "matching":
        if not isinstance(raw, dict):
            return {}
        rights, keys = shape["rights"], set(shape["keys"])
        out = {}
        for key, value in raw.items():
            pos = _int(value)
            if str(key) in keys and pos is not None and 0 <= pos < len(option_order):
                out[str(key)] = rights[option_order[pos]]
        return out
    if qtype == "essay":
        if isinstance(raw, list):
            raw = raw[0] if raw else ""
        return str(raw)[:20000]
    if qtype == "cloze":
        return _cloze_answer(shape, raw)
    return None


def answer_to_display(data: dict, option_order: list[int], answer):
    """The stored answer in display positions, to restore the form after a reload or on another device.

    `data` is the question's content or its answer_shape."""
    shape = answer_shape(data)
    qtype = shape["type"]
    if answer is None:
        return None
    inverse = {src: pos for pos, src in enumerate(option_order)}
    if qtype == "single_choice":
        return inverse.get(answer)
    if qtype == "multiple_choice":
        return sorted(inverse[a] for a in answer if a in inverse)
    if qtype == "matching":
        rights = shape["rights"]
        out = {}
        for key, text in (answer or {}).items():
            if text in rights:
                out[key] = inverse.get(rights.index(text))
        return out
    if qtype == "cloze":
        # one text field carries the whole Cloze answer on the page (exams/cloze.js keeps it in step)
        return (
            json.dumps(answer, ensure_ascii=False)
            if isinstance(answer, list) and not is_blank(answer)
            else None
        )
    return answer


def correct_answer_text(data: dict) -> str:
    """A human-readable statement of the right answer, for review pages that are allowed to show it."""
    qtype = data.get("type")
    if qtype in ("single_choice", "multiple_choice"):
        return "；".join(
            c.get("text", "") for c in data.get("choices") or [] if float(c.get("fraction") or 0) > 0
        )
    if qtype == "true_false":
        return _("True") if data.get("answer") else _("False")
    if qtype == "short_answer":
        blanks = data.get("blanks") or [data.get("answers") or []]
        return " | ".join(
            " / ".join(a.get("text", "") for a in alts if float(a.get("fraction") or 0) >= 1)
            for alts in blanks
        )
    if qtype == "numerical":
        parts = []
        for a in data.get("answers") or []:
            if a.get("value") is not None and float(a.get("fraction") or 0) >= 1:
                tol = a.get("tolerance") or 0
                parts.append(f"{a['value']}" + (f" ± {tol}" if tol else ""))
        return " / ".join(parts)
    if qtype == "matching":
        return "；".join(f"{p.get('left')} → {p.get('right')}" for _i, p in matching_pairs(data))
    if qtype == "cloze":
        return " | ".join(_part_right_text(p) for p in data.get("parts") or [])
    return ""


def _part_answer_text(part: dict, given) -> str:
    choices = part.get("choices") or []
    if part.get("kind") == "single_choice":
        return choices[given].get("text", "") if isinstance(given, int) and 0 <= given < len(choices) else ""
    if part.get("kind") == "multiple_choice":
        return "；".join(
            choices[a].get("text", "") for a in given or [] if isinstance(a, int) and 0 <= a < len(choices)
        )
    return "" if given is None else str(given)


def _part_right_text(part: dict) -> str:
    if part.get("kind") == "numerical":
        return correct_answer_text({"type": "numerical", "answers": part.get("answers")})
    if part.get("kind") == "short_answer":
        return " / ".join(
            a.get("text", "") for a in part.get("answers") or [] if float(a.get("fraction") or 0) >= 1
        )
    return "；".join(
        c.get("text", "") for c in part.get("choices") or [] if float(c.get("fraction") or 0) > 0
    )


def answer_text(data: dict, answer) -> str:
    """The examinee's stored answer as text (for markers and review)."""
    qtype = data.get("type")
    if answer is None:
        return ""
    if qtype == "single_choice":
        choices = data.get("choices") or []
        return (
            choices[answer].get("text", "") if isinstance(answer, int) and 0 <= answer < len(choices) else ""
        )
    if qtype == "multiple_choice":
        choices = data.get("choices") or []
        return "；".join(choices[a].get("text", "") for a in answer if 0 <= a < len(choices))
    if qtype == "true_false":
        return _("True") if answer else _("False")
    if qtype == "short_answer":
        return " | ".join(answer) if isinstance(answer, list) else str(answer)
    if qtype == "cloze":
        return " | ".join(
            _part_answer_text(p, a) for p, a in zip(data.get("parts") or [], answer or [], strict=False)
        )
    if qtype == "matching":
        lefts = dict(matching_pairs(data))
        return "；".join(
            f"{lefts[int(k)].get('left')} → {v}" for k, v in sorted(answer.items()) if int(k) in lefts
        )
    return str(answer)
