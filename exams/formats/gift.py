"""Moodle GIFT: read every question type Moodle's own importer reads, write what GIFT can express.

Reading follows Moodle's qformat_gift: questions are separated by blank lines; lines starting with `//` are
comments (`// [tag:x]` comments carry tags, as in Moodle); `$CATEGORY: path` sets the category of the questions
after it; `::title::`; `[html]`/`[markdown]`/`[plain]`/`[moodle]` format markers; escapes `\\~ \\= \\# \\{ \\} \\:
\\\\ \\n`; the answer block decides the type (empty → essay, `#` → numerical, `=`…`->` → matching, `~` → choice,
T/TRUE/F/FALSE → true/false, otherwise short answer); `#feedback` per answer; `####general feedback` → explanation;
weights `%50%`. A choice block with an `=` answer is single choice, otherwise multiple choice (as in Moodle).
Text after the answer block makes it a missing-word question: the stem keeps "____" where the block stood.
A question without an answer block is a Moodle "description": it is skipped with a warning.

Writing never uses the missing-word layout (the block follows the stem), so stems read back unchanged. GIFT has
no place for legal basis, difficulty, points or an essay's grader information (they are dropped), and cannot
express several blanks (dump raises FormatError).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .base import (
    BLANK,
    FormatError,
    ParseResult,
    decode_text,
    error_for,
    format_number,
    format_percent,
    html_as_text,
    looks_like_html,
    normalise,
)

# Escaped characters are swapped for private-use placeholders while the structure is parsed.
_ESCAPABLE = "\\~=#{}:"
_PLACEHOLDER = {ch: chr(0xE000 + i) for i, ch in enumerate(_ESCAPABLE)}
_UNPLACE = {v: k for k, v in _PLACEHOLDER.items()}
_NEWLINE = chr(0xE010)
_FORMATS = {"html": "html", "markdown": "markdown", "plain": "plain", "moodle": "plain"}
_FORMAT_RE = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]", re.I)
_WEIGHT_RE = re.compile(r"^%(-?[^%]*)%")
_TAG_COMMENT_RE = re.compile(r"\[tag:([^\]]+)\]")


def _protect(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _PLACEHOLDER:
                out.append(_PLACEHOLDER[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append(_NEWLINE)
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _restore(text: str) -> str:
    text = "".join(_UNPLACE.get(ch, ch) for ch in text)
    return text.replace(_NEWLINE, "\n")


def _text(text: str, *, marker: bool = True, fmt: str = "plain") -> str | None:
    """A restored, stripped text as plain text, or None when empty.

    As in Moodle, a text without a [format] marker of its own takes its question's format (`fmt`: html, moodle
    (auto-format, which renders HTML), plain or markdown). Text in an HTML-rendering format is reduced to what a
    reader sees of it, so no markup is ever shown to an examinee; plain and markdown texts are kept literally.
    """
    text = _restore(text)
    if marker:
        own = _FORMAT_RE.match(text)
        if own:
            fmt = own.group(1).lower()
            text = text[own.end() :]
    if fmt in ("html", "moodle"):
        return html_as_text(text)
    text = text.strip()
    return text or None


def escape(text: str | None, *, field: bool = False) -> str:
    """GIFT-escape a text; a `field` (answer, feedback) that starts like a [format] marker gets an explicit one."""
    if not text:
        return ""
    if field and (_FORMAT_RE.match(text) or "<" in text or "&" in text):
        # a plain text that starts like a marker, or holds "<" or "&" that an HTML-rendering format (the
        # question's, which unmarked answers take) would read as markup, says it is plain
        return "[plain]" + escape(text)
    out = []
    for ch in text.replace("\r\n", "\n"):
        if ch in _ESCAPABLE:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------- reading


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    try:
        text = decode_text(data)
    except FormatError as exc:
        result.errors.append(exc)
        return result
    category = None
    for start, lines in _chunks(text):
        tags = []
        body_lines = []
        for raw in lines:
            if raw.lstrip().startswith("//"):
                tags += [t.strip() for t in _TAG_COMMENT_RE.findall(raw)]
                body_lines.append("")  # keep line offsets
            else:
                body_lines.append(raw)
        offset = next((i for i, raw in enumerate(body_lines) if raw.strip()), None)
        if offset is None:
            continue  # only comments
        first_line = start + offset
        body = "\n".join(body_lines[offset:]).rstrip()
        if body.lstrip().startswith("$CATEGORY:"):
            category = _category_path(body.lstrip()[len("$CATEGORY:") :])
            continue
        try:
            question = _parse_question(body, first_line)
        except FormatError as exc:
            result.errors.append(exc)
            continue
        if question is None:
            result.warnings.append(
                FormatError(
                    _("A description (text without an answer block) is not a question; skipped."),
                    line=first_line,
                )
            )
            continue
        question["category"] = category
        question["tags"] = tags
        result.add(normalise(question), line=first_line)
    return result


def _chunks(text: str):
    """(first line number, lines) of each blank-line separated block."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = None
    block: list[str] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            if start is None:
                start = number
            block.append(line)
        elif block:
            yield start, block
            start, block = None, []
    if block:
        yield start, block


def _category_path(path: str) -> str | None:
    path = _restore(_protect(path.strip()))
    path = re.sub(r"^\$[a-z0-9]+\$/", "", path)
    parts = [p for p in path.split("/") if p.strip()]
    if parts and parts[0].strip() == "top":
        parts = parts[1:]
    return "/".join(p.strip() for p in parts) or None


def _parse_question(body: str, first_line: int) -> dict | None:
    text = _protect(body)

    def line_at(pos: int) -> int:
        return first_line + text.count("\n", 0, pos)

    title = None
    text = text.lstrip()
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise FormatError(_("The title is not closed with “::”."), line=first_line)
        title = _text(text[2:end], marker=False)
        text = text[end + 2 :]
    fmt = "moodle"  # Moodle's default: auto-format, which renders HTML
    marker = _FORMAT_RE.match(text)
    if marker:
        fmt = marker.group(1).lower()
        text = text[marker.end() :]

    open_pos = text.find("{")
    close_pos = text.find("}")
    if open_pos < 0 and close_pos < 0:
        return None
    if close_pos < 0:
        raise FormatError(_("The answer block “{” is never closed with “}”."), line=line_at(open_pos))
    if open_pos < 0 or close_pos < open_pos:
        raise FormatError(
            _("A “}” has no matching “{” (write \\} for a literal brace)."), line=line_at(close_pos)
        )
    if text.find("{", open_pos + 1, close_pos) >= 0:
        raise FormatError(_("The answer block “{” is never closed with “}”."), line=line_at(open_pos))
    if text.find("{", close_pos + 1) >= 0 or text.find("}", close_pos + 1) >= 0:
        pos = max(text.find("{", close_pos + 1), text.find("}", close_pos + 1))
        raise FormatError(_("A question may have only one answer block."), line=line_at(pos))
    before, block, after = text[:open_pos], text[open_pos + 1 : close_pos], text[close_pos + 1 :]
    block_line = line_at(open_pos)
    stem = before.strip()
    if after.strip():
        stem = f"{before}{BLANK}{after}"
    stem = _restore(stem).strip()
    stem_format = _FORMATS[fmt]
    if fmt == "moodle" and looks_like_html(stem):
        stem_format = "html"  # auto-format renders the markup; it is sanitised when shown
    question = {"title": title, "stem": stem, "stem_format": stem_format}
    question.update(_parse_block(block, block_line, fmt))
    return question


def _split_feedback(text: str, fmt: str = "plain") -> tuple[str, str | None]:
    if "#" in text:
        answer, feedback = text.split("#", 1)
        return answer, _text(feedback, fmt=fmt)
    return text, None


def _weight(answer: str, line: int) -> tuple[float | None, str]:
    """(fraction or None when absent, rest) for an answer that may start with %weight%."""
    answer = answer.lstrip()
    if not answer.startswith("%"):
        return None, answer
    m = _WEIGHT_RE.match(answer)
    if not m:
        raise FormatError(
            _("The weight “%(weight)s” is not closed with “%%”.") % {"weight": answer[:12]}, line=line
        )
    try:
        value = float(m.group(1))
    except ValueError:
        raise FormatError(
            _("“%(weight)s” is not a valid weight (a percentage such as %%50%%).") % {"weight": m.group(0)},
            line=line,
        )
    if not -100 <= value <= 100:
        raise FormatError(
            _("The weight %(weight)s lies outside -100%% to 100%%.") % {"weight": m.group(0)}, line=line
        )
    return value / 100, answer[m.end() :]


def _number(text: str, line: int) -> float:
    try:
        value = float(_restore(text).strip())
    except ValueError:
        raise FormatError(_("“%(text)s” is not a number.") % {"text": _restore(text).strip()}, line=line)
    return value


def _parse_block(block: str, line: int, fmt: str = "plain") -> dict:
    out: dict = {"explanation": None}
    if "####" in block:
        block, general = block.split("####", 1)
        out["explanation"] = _text(general, fmt=fmt)
    answer_text = block.strip()
    line_of = _line_counter(block, line)

    if not answer_text:
        out["type"] = "essay"
        return out
    if answer_text.startswith("#"):
        out["type"] = "numerical"
        out["answers"] = _numerical_answers(answer_text[1:], line_of, fmt)
        return out
    if "=" in answer_text and "->" in answer_text and "~" not in answer_text:
        out["type"] = "matching"
        out["pairs"] = []
        for part, pos in _split_answers(block, "="):
            if not part.strip():
                continue
            part, _feedback = _split_feedback(part, fmt)
            if "->" not in part:
                raise FormatError(
                    _("The matching pair “%(pair)s” has no “->”.") % {"pair": _restore(part).strip()},
                    line=line_of(pos),
                )
            left, right = part.split("->", 1)
            out["pairs"].append({"left": _text(left, fmt=fmt) or "", "right": _text(right) or ""})
        return out
    if "~" in answer_text:
        return out | _choices(block, line_of, fmt)
    bare, feedback_text = (
        (answer_text.split("#", 1) + [None])[:2] if "#" in answer_text else (answer_text, None)
    )
    if bare.strip().upper() in ("T", "TRUE", "F", "FALSE"):
        answer = bare.strip().upper() in ("T", "TRUE")
        wrong, right = None, None
        if feedback_text is not None:
            parts = feedback_text.split("#", 1)
            wrong = _text(parts[0], fmt=fmt)
            right = _text(parts[1], fmt=fmt) if len(parts) > 1 else None
        out["type"] = "true_false"
        out["answer"] = answer
        out["feedback"] = {"true": right, "false": wrong} if answer else {"true": wrong, "false": right}
        return out
    out["type"] = "short_answer"
    out["answers"] = []
    for part, pos in _split_answers(block, "="):
        if not part.strip():
            continue
        weight, rest = _weight(part, line_of(pos))
        rest, feedback = _split_feedback(rest, fmt)
        out["answers"].append(
            {"text": _text(rest) or "", "fraction": 1.0 if weight is None else weight, "feedback": feedback}
        )
    return out


def _line_counter(block: str, line: int):
    def line_of(pos: int) -> int:
        return line + block.count("\n", 0, pos)

    return line_of


def _split_answers(block: str, *markers: str):
    """Pieces of the block that start at each marker character, with their offsets (marker removed)."""
    pieces = []
    start = 0
    current_marker = None
    for i, ch in enumerate(block):
        if ch in markers:
            pieces.append((current_marker, block[start:i], start))
            current_marker, start = ch, i + 1
    pieces.append((current_marker, block[start:], start))
    if len(markers) == 1:
        return [(text, pos) for _m, text, pos in pieces if _m is not None or text.strip()]
    return pieces


def _choices(block: str, line_of, fmt: str = "plain") -> dict:
    choices = []
    has_equals = False
    for marker, part, pos in _split_answers(block, "=", "~"):
        if marker is None:
            if part.strip():
                raise FormatError(
                    _("Each answer must start with “=” or “~”: “%(text)s”.")
                    % {"text": _restore(part).strip()},
                    line=line_of(pos),
                )
            continue
        if marker == "=":
            has_equals = True
            weight, rest = 1.0, part
        else:
            weight, rest = _weight(part, line_of(pos))
            weight = weight or 0.0
        rest, feedback = _split_feedback(rest, fmt)
        choices.append({"text": _text(rest, fmt=fmt) or "", "fraction": weight, "feedback": feedback})
    return {"type": "single_choice" if has_equals else "multiple_choice", "choices": choices}


def _numerical_answers(text: str, line_of, fmt: str = "plain") -> list[dict]:
    answers = []
    catch_all = False
    wrong_feedback = None
    if "~" in text:
        catch_all = True
        text, wrong = text.split("~", 1)
        rest, wrong_feedback = _split_feedback(wrong, fmt)
        if wrong_feedback is None:
            wrong_feedback = _text(rest, fmt=fmt)
    if "=" in text:
        parts = [(p, pos) for p, pos in _split_answers(text, "=") if p.strip()]
        multiple = True
    else:
        parts = [(text, 0)]
        multiple = False
    for part, pos in parts:
        line = line_of(pos + 1)
        weight = None
        if multiple:
            weight, part = _weight(part, line)
        part, feedback = _split_feedback(part, fmt)
        part = part.strip()
        if not part:
            raise FormatError(_("A numerical answer has no number."), line=line)
        if ".." in part:
            low, high = part.split("..", 1)
            low, high = _number(low, line), _number(high, line)
            if high < low:
                raise FormatError(
                    _("The range %(range)s runs backwards.") % {"range": _restore(part)}, line=line
                )
            value, tolerance = (low + high) / 2, (high - low) / 2
        elif ":" in part:
            value_text, tol_text = part.split(":", 1)
            value, tolerance = _number(value_text, line), abs(_number(tol_text, line))
        else:
            value, tolerance = _number(part, line), 0.0
        answers.append(
            {
                "value": value,
                "tolerance": tolerance,
                "fraction": 1.0 if weight is None else weight,
                "feedback": feedback,
            }
        )
    if catch_all:
        answers.append({"value": None, "tolerance": 0.0, "fraction": 0.0, "feedback": wrong_feedback})
    return answers


# --------------------------------------------------------------------------- writing


def dump(questions: list[dict], *, warnings: list | None = None) -> bytes:
    """The questions as GIFT. A question GIFT cannot express raises FormatError, or, when a `warnings` list is
    given, is left out and its FormatError appended there (as Moodle's exporter does)."""
    out = []
    category = None
    for raw in questions:
        q = normalise(raw)
        try:
            text = _dump_question(q)
        except FormatError as exc:
            if warnings is None:
                raise
            warnings.append(exc)
            continue
        if q["category"] != category:
            category = q["category"]
            out.append(f"$CATEGORY: $course$/top/{category or ''}".rstrip("/") + "\n")
        out.append(text)
    return "\n".join(out).encode("utf-8")


_GIFT_CANNOT = {"cloze": lambda: _("GIFT cannot express a Cloze question with embedded answers.")}


def _feedback(text: str | None) -> str:
    return f"#{escape(text, field=True)}" if text else ""


def _dump_question(q: dict) -> str:
    if any("]" in tag or "\n" in tag for tag in q["tags"]):
        raise error_for(q, _("GIFT cannot express a tag containing “]”."))
    lines = [f"// [tag:{tag}]" for tag in q["tags"]]
    head = f"::{escape(q['title'])}::" if q["title"] else ""
    if qtype_cannot := _GIFT_CANNOT.get(q["type"]):
        raise error_for(q, qtype_cannot())
    if q.get("files"):
        raise error_for(q, _("GIFT cannot carry embedded files (images, audio)."))
    if (
        q["stem_format"] != "plain"
        or q["stem"].startswith(("[", "//"))
        or "<" in q["stem"]
        or "&" in q["stem"]
    ):
        # an explicit marker keeps a stem that starts like a marker or a comment, or plain text with "<" or "&",
        # from being misread (Moodle reads an unmarked stem as auto-format, which renders HTML)
        head += f"[{q['stem_format']}]"
    head += escape(q["stem"])
    qtype = q["type"]
    if qtype in ("single_choice", "multiple_choice"):
        parts = []
        equals_written = False
        for c in q["choices"]:
            if c["text"].startswith("%"):
                raise error_for(
                    q, _("GIFT cannot express an answer that starts with “%(char)s”.") % {"char": "%"}
                )
            if qtype == "single_choice" and c["fraction"] >= 1 and not equals_written:
                prefix = "="  # one "=" makes it single choice; further 100% options are written ~%100%
                equals_written = True
            elif c["fraction"] == 0:
                prefix = "~"
            else:
                prefix = f"~%{format_percent(c['fraction'])}%"
            parts.append(f"\t{prefix}{escape(c['text'], field=True)}{_feedback(c['feedback'])}")
        block = "\n" + "\n".join(parts) + "\n"
    elif qtype == "true_false":
        right = q["feedback"]["true" if q["answer"] else "false"]
        wrong = q["feedback"]["false" if q["answer"] else "true"]
        block = "TRUE" if q["answer"] else "FALSE"
        if wrong or right:
            block += f"#{escape(wrong, field=True)}"
            if right:
                block += f"#{escape(right, field=True)}"
    elif qtype == "short_answer":
        if q.get("blanks"):
            raise error_for(q, _("GIFT cannot express a fill-in question with several blanks."))
        if any("->" in a["text"] or a["text"].startswith("%") for a in q["answers"]):
            raise error_for(
                q,
                _("GIFT cannot express a short answer containing “%(arrow)s” or starting with “%(char)s”.")
                % {"arrow": "->", "char": "%"},
            )
        block = " ".join(_short_answer(a) for a in q["answers"])
    elif qtype == "numerical":
        parts = []
        catch_all = None
        for a in q["answers"]:
            if a["value"] is None:
                catch_all = a
                continue
            parts.append(
                f"=%{format_percent(a['fraction'])}%{format_number(a['value'])}:"
                f"{format_number(a['tolerance'])}{_feedback(a['feedback'])}"
            )
        if catch_all is not None:
            if catch_all["fraction"] != 0:
                raise error_for(q, _("GIFT can give only feedback, not credit, for any other number."))
            parts.append(f"~#{escape(catch_all['feedback'], field=True)}" if catch_all["feedback"] else "~")
        if (
            len(parts) == 1
            and catch_all is None
            and len(q["answers"]) == 1
            and q["answers"][0]["fraction"] == 1
        ):
            a = q["answers"][0]
            parts = [f"{format_number(a['value'])}:{format_number(a['tolerance'])}{_feedback(a['feedback'])}"]
        block = "#" + " ".join(parts)
    elif qtype == "matching":
        block = (
            "\n"
            + "\n".join(
                f"\t={escape(p['left'], field=True)} -> {escape(p['right'], field=True)}" for p in q["pairs"]
            )
            + "\n"
        )
        if any("->" in p["left"] or "->" in p["right"] for p in q["pairs"]):
            raise error_for(q, _("GIFT cannot express “->” inside a matching pair."))
    else:  # essay
        block = ""
    if q["explanation"]:
        block += f"####{escape(q['explanation'], field=True)}"
    lines.append(f"{head} {{{block}}}\n")
    return "\n".join(lines)


def _short_answer(a: dict) -> str:
    weight = "" if a["fraction"] >= 1 else f"%{format_percent(a['fraction'])}%"
    return f"={weight}{escape(a['text'], field=True)}{_feedback(a['feedback'])}"
