"""Aiken: single-choice questions only — a stem, options "A." or "A)", and "ANSWER: B".

The stem may span several lines; blank lines between questions are optional. Everything else a question may
carry (title, category, feedback, explanation, tags, legal basis…) has no place in Aiken: it is dropped on
writing, and any other type, or a question whose options are not one 100% right and the rest 0, raises.
"""

from __future__ import annotations

import re
import string

from django.utils.translation import gettext as _

from .base import FormatError, ParseResult, decode_text, error_for, normalise

_OPTION_RE = re.compile(r"^\s*([A-Za-z])\s*[.)．）、]\s*(.*)$")
_ANSWER_RE = re.compile(r"^\s*ANSWER\s*[:：]\s*(.*?)\s*$", re.I)


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    try:
        text = decode_text(data)
    except FormatError as exc:
        result.errors.append(exc)
        return result
    stem_lines: list[str] = []
    options: list[tuple[str, str]] = []
    start = None

    def reset():
        nonlocal stem_lines, options, start
        stem_lines, options, start = [], [], None

    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if not line.strip():
            continue
        answer = _ANSWER_RE.match(line)
        option = _OPTION_RE.match(line) if stem_lines else None
        if answer:
            if not stem_lines:
                result.errors.append(FormatError(_("“ANSWER:” without a question before it."), line=number))
            elif len(options) < 2:
                result.errors.append(
                    FormatError(_("A choice question needs at least two options."), line=start)
                )
            else:
                _finish(result, stem_lines, options, answer.group(1), start, number)
            reset()
        elif option and (options or stem_lines):
            letter = option.group(1).upper()
            expected = string.ascii_uppercase[len(options)]
            if letter != expected:
                result.errors.append(
                    FormatError(
                        _("Option %(letter)s found where option %(expected)s was expected.")
                        % {"letter": letter, "expected": expected},
                        line=number,
                    )
                )
            options.append((letter, option.group(2).strip()))
        else:
            if options:
                # A new stem after options: the previous question never got its ANSWER line.
                result.errors.append(FormatError(_("The question has no “ANSWER:” line."), line=start))
                reset()
            if start is None:
                start = number
            stem_lines.append(line.strip())
    if stem_lines:
        result.errors.append(FormatError(_("The question has no “ANSWER:” line."), line=start))
    return result


def _finish(result: ParseResult, stem_lines, options, answer: str, start: int, line: int) -> None:
    letter = answer.strip().upper()
    letters = [o[0] for o in options]
    if not re.fullmatch(r"[A-Z]", letter):
        result.errors.append(
            FormatError(_("“%(answer)s” is not one option letter.") % {"answer": answer}, line=line)
        )
        return
    if letter not in letters:
        result.errors.append(
            FormatError(
                _("The answer %(letter)s is not one of the options %(first)s–%(last)s.")
                % {"letter": letter, "first": letters[0], "last": letters[-1]},
                line=line,
            )
        )
        return
    question = {
        "type": "single_choice",
        "stem": "\n".join(stem_lines),
        "choices": [
            {"text": text, "fraction": 1.0 if key == letter else 0.0, "feedback": None}
            for key, text in options
        ],
    }
    result.add(normalise(question), line=start)


def dump(questions: list[dict]) -> bytes:
    out = []
    for raw in questions:
        q = normalise(raw)
        if q["type"] != "single_choice":
            raise error_for(q, _("Aiken can hold only single-choice questions."))
        choices = q["choices"]
        if len(choices) > 26:
            raise error_for(q, _("Aiken allows at most 26 options."))
        right = [i for i, c in enumerate(choices) if c["fraction"] >= 1]
        if len(right) != 1 or any(c["fraction"] not in (0, 1) for c in choices):
            raise error_for(q, _("Aiken needs exactly one correct option and no partial credit."))
        stem_lines = [line.strip() for line in q["stem"].split("\n") if line.strip()]
        if any(_OPTION_RE.match(line) for line in stem_lines[1:]) or any(
            _ANSWER_RE.match(line) for line in stem_lines
        ):
            raise error_for(q, _("A stem line looks like an Aiken option or answer line."))
        if any("\n" in c["text"] for c in choices):
            raise error_for(q, _("Aiken options must fit on one line."))
        lines = stem_lines + [f"{string.ascii_uppercase[i]}. {c['text']}" for i, c in enumerate(choices)]
        lines.append(f"ANSWER: {string.ascii_uppercase[right[0]]}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out).encode("utf-8")
