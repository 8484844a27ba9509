"""The JSON export of DESIGN.md: {"bank": CODE, "questions": [Q…]}; reading also accepts a bare list."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from .base import FormatError, ParseResult, decode_text, normalise


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    try:
        document = json.loads(decode_text(data))
    except FormatError as exc:
        result.errors.append(exc)
        return result
    except json.JSONDecodeError as exc:
        result.errors.append(
            FormatError(_("The file is not valid JSON (%(reason)s).") % {"reason": exc.msg}, line=exc.lineno)
        )
        return result
    questions = document.get("questions") if isinstance(document, dict) else document
    if not isinstance(questions, list):
        result.errors.append(FormatError(_("The JSON must be an object with a “questions” list.")))
        return result
    for index, raw in enumerate(questions, 1):
        if not isinstance(raw, dict):
            result.errors.append(FormatError(_("Question %(n)s is not an object.") % {"n": index}))
            continue
        try:
            question = normalise(raw)
        except (TypeError, ValueError, AttributeError) as exc:
            result.errors.append(
                FormatError(
                    _("Question %(n)s has a malformed field (%(reason)s).") % {"n": index, "reason": exc}
                )
            )
            continue
        before = len(result.errors)
        result.add(question)
        for error in result.errors[before:]:
            error.message = _("Question %(n)s: %(message)s") % {"n": index, "message": error.message}
    return result


def dump(questions: list[dict], *, bank_code: str = "") -> bytes:
    document = {"bank": bank_code, "questions": [normalise(q) for q in questions]}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
