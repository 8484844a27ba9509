"""Question file formats: read and write question banks as xlsx/csv, GIFT, Moodle XML, Aiken and JSON. Pure.

No ORM and no models: everything works on plain question dicts, so the importer command, the admin upload and the
tests share one implementation.

API
---
    from exams.formats import parse, dump, detect_format, FORMATS, ParseResult, FormatError

    FORMATS = ("xlsx", "csv", "gift", "moodle-xml", "aiken", "json")   # read and written
    IMPORT_FORMATS = FORMATS + ("docx",)           # Word documents are read only
    docx_template() -> bytes                       # the Word template (题型 headings, numbered stems, A–H, 答案/解析/难度)  # read and written
IMPORT_FORMATS = (*FORMATS, "docx")  # Word documents are read only
    detect_format(filename, data) -> str           # by extension, then by sniffing the bytes; raises FormatError
    parse(data, fmt="auto", *, filename="", snap_weights=False) -> ParseResult
    dump(questions, fmt, *, bank_code="", warnings=None) -> bytes
                                                   # raises FormatError naming a question the format cannot hold;
                                                   # GIFT with a `warnings` list leaves it out and names it there
    xlsx_template() -> bytes                       # the blank template: header row + instruction row
    find_duplicate_stems(questions) -> [(i, j)]    # j repeats i's stem (whitespace, punctuation, width, case ignored)
    stem_key(stem, stem_format="plain") -> str     # the normalised form find_duplicate_stems compares
    normalise(question) -> dict                    # the canonical dict below (fills defaults, rounds fractions)
    validate_question(question) -> [str]           # translated problems of any question dict; [] when usable
    expressible(question, fmt) -> dict             # what survives dump → parse in fmt (LOST_FIELDS reset)

`ParseResult(questions, errors, warnings, origins)`: `questions` holds only valid questions; a caller that must
write nothing on error checks `result.errors` (or `result.ok`). `origins[i]` is {"line": n, "row": m} (one of them
None) for questions[i]; `result.error_at(i, message)` builds an error placed there. Warnings are things skipped on
purpose (descriptions) and stems repeated inside the file.

`FormatError(message, line=None, row=None, question=None)` is an Exception and a dataclass. `message` is translated
when the error is made; str() adds the place: "Line 12: …" / "Row 5: …" / "Question “…”: …" (第 12 行：… in
Chinese).

The question dict
-----------------
DESIGN.md's JSON schema plus extension keys. parse() returns, and dump()/normalise() accept, exactly:

    type           single_choice | multiple_choice | true_false | short_answer | numerical | matching | essay
    title          str | None
    stem           str — plain text, or the raw source when stem_format is html/markdown
    stem_format    "plain" | "html" | "markdown"
    category       "法律法规/安全生产法" (path, "/"-separated) | None
    explanation    str | None — 解析; Moodle's general feedback (GIFT ####, XML <generalfeedback>)
    legal_basis    str | None — 法条依据
    difficulty     int 1–5 | None
    points         float | None — 分值 (Moodle defaultgrade)
    tags           [str]
  by type:
    single/multiple_choice: choices [{text, fraction, feedback}] in source order. fraction 1.0 right, 0 wrong,
                   partial and negative weights allowed; fractions are rounded to 7 decimals (1/3 → 0.3333333)
                   so percentages written by any format read back equal. Single choice needs one 100% option;
                   the positive weights of a multiple choice add up to 100%.
    true_false:    answer (bool), feedback {"true": str|None, "false": str|None} — shown for that pick.
    short_answer:  answers [{text, fraction, feedback}] — alternatives for the one blank; or, with several
                   blanks, blanks [[{text, fraction, feedback}, …], …] (one list per blank) and answers [].
                   The stem marks blanks with "____"; in plain stems "（）", "( )" and longer underscores are
                   rewritten to "____".
    numerical:     answers [{value, tolerance, fraction, feedback}]; value None = catch-all "any other number"
                   that carries feedback only.
    matching:      pairs [{left, right}]; an empty left is an extra wrong answer.
    essay:         grader_info (str | None) — the reference answer for the marker.
    cloze:         parts [{kind, weight, …}] — Moodle's embedded answers, one "____" in the stem per part, in
                   order: kind short_answer (answers, case_sensitive), numerical (answers), single_choice or
                   multiple_choice (choices); weight is Moodle's {n:…} mark. Graded per part, weighted.
  optional:
    case_sensitive (short_answer): True when answers are compared with their letter case (Moodle's usecase).
    files          [{name, content (base64), ref}] — files the stem points at: "@@PLUGINFILE@@/name", or `ref`
                   when set (the media URL an exported question's texts use). exams.services stores them as
                   Wagtail images/documents and rewrites the links.
An input `general_feedback` is folded into `explanation` when that is empty.

What each format holds
----------------------
    json        everything.
    xlsx / csv  everything but feedback (per option/answer/true-false), stem_format and numerical catch-alls,
                which are dropped (title in an optional 标题 column, tags in 标签, an essay's grader_info in 答案).
                Raises for partial/negative option weights, partly right fill-in answers, more than one
                numerical answer, more than 8 options. Several blanks: 答案 "A1|A2/A2alt" ("|" between blanks,
                "/" between alternatives, "\\/" "\\|" for literal ones). Multiple choice reads as 1/k per
                right option, 0 for the others (see table.py for the whole template).
    gift        everything but legal_basis, difficulty, points and grader_info (dropped); tags as
                "// [tag:x]" comment lines (as Moodle does). Raises for several blanks (GIFT has no way to
                write them), answers starting with "%", "->" inside matching pairs or short answers, tags
                with "]".
    moodle-xml  everything (legal basis and difficulty as <legalbasis>/<difficulty> elements Moodle ignores);
                several blanks as a Cloze (multianswer) question with SHORTANSWER sub-questions. An untitled
                question is named after its stem, and a name equal to that reads back as no title.
    aiken       stem, options and the one right option; raises for anything else.
    docx        read only: see exams/formats/docx.py.
Round trip: parse(dump([q], F), F).questions == [expressible(q, F)] (LOST_FIELDS lists what F drops).
"""

from __future__ import annotations

import os
import re

from django.utils.translation import gettext as _

from . import aiken, docx, gift, jsonfmt, moodle_xml, table
from .base import (
    FormatError,
    ParseResult,
    decode_text,
    find_duplicate_stems,
    format_percent,
    nearest_grade,
    normalise,
    off_grid,
    stem_key,
    validate_question,
    weights_of,
)
from .docx import template as docx_template
from .table import xlsx_template

__all__ = [
    "FORMATS",
    "IMPORT_FORMATS",
    "MAX_IMPORT_BYTES",
    "FormatError",
    "LOST_FIELDS",
    "ParseResult",
    "detect_format",
    "dump",
    "expressible",
    "find_duplicate_stems",
    "normalise",
    "parse",
    "stem_key",
    "validate_question",
    "xlsx_template",
    "docx_template",
]

FORMATS = ("xlsx", "csv", "gift", "moodle-xml", "aiken", "json")  # read and written
IMPORT_FORMATS = (*FORMATS, "docx")  # Word documents are read only
# Like the roster: the upload form, the worker and the command refuse bigger files.
MAX_IMPORT_BYTES = 10 * 1024 * 1024

# Keys (or "type.key" for per-item keys) that a format does not keep; round trips compare the rest.
LOST_FIELDS = {
    "json": set(),
    "xlsx": {
        "stem_format",
        "choices.feedback",
        "answers.feedback",
        "blanks.feedback",
        "feedback",
        "numerical.catch_all",
        "case_sensitive",
        "files",
    },
    "csv": {
        "stem_format",
        "choices.feedback",
        "answers.feedback",
        "blanks.feedback",
        "feedback",
        "numerical.catch_all",
        "case_sensitive",
        "files",
    },
    "gift": {"legal_basis", "difficulty", "points", "grader_info", "case_sensitive"},
    "moodle-xml": set(),
    "aiken": {
        "title",
        "category",
        "explanation",
        "legal_basis",
        "difficulty",
        "points",
        "tags",
        "stem_format",
        "choices.feedback",
        "stem_layout",  # blank lines and indentation inside the stem
        "files",
    },
}

_DEFAULTS = {
    "stem_format": "plain",
    "tags": [],
    "feedback": {"true": None, "false": None},
}


def expressible(question: dict, fmt: str) -> dict:
    """The normalised question with what `fmt` does not keep reset to its default (see LOST_FIELDS).

    The round-trip promise is parse(dump([q], fmt), fmt).questions == [expressible(q, fmt)] for every q that
    dump accepts.
    """
    q = normalise(question)
    for name in LOST_FIELDS[fmt]:
        if name == "numerical.catch_all":
            if q["type"] == "numerical":
                q["answers"] = [a for a in q["answers"] if a["value"] is not None]
        elif "." in name:
            key, sub = name.split(".")
            if key == "blanks" and "blanks" in q:
                q["blanks"] = [[{**a, sub: None} for a in alts] for alts in q["blanks"]]
            elif key in q and key != "blanks":
                q[key] = [{**item, sub: None} for item in q[key]]
        elif name == "feedback":
            if q["type"] == "true_false":
                q["feedback"] = {"true": None, "false": None}
        elif name in ("files", "case_sensitive"):
            q.pop(name, None)
        elif name == "stem_layout":
            q["stem"] = "\n".join(line.strip() for line in q["stem"].split("\n") if line.strip())
        elif name in q:
            q[name] = _DEFAULTS.get(name)
    return q


_EXTENSIONS = {
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".gift": "gift",
    ".xml": "moodle-xml",
    ".json": "json",
    ".aiken": "aiken",
}
_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*[:：]\s*[A-Za-z]\s*$", re.M)
_AIKEN_OPTION = re.compile(r"^\s*[A-Za-z]\s*[.)]\s*\S", re.M)
_GIFT_BLOCK = re.compile(r"(?<!\\)\{[^{}]*(?<!\\)\}")


def detect_format(filename: str, data: bytes) -> str:
    """The format of a file: by its extension, else by looking at the bytes."""
    ext = os.path.splitext(filename or "")[1].lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] else "xlsx"
    try:
        text = decode_text(data[:65536] if len(data) <= 65536 else data[:65536].rsplit(b"\n", 1)[0])
    except FormatError:
        raise FormatError(
            _("Cannot tell the format of “%(name)s”: it is neither a workbook nor readable text.")
            % {"name": filename or "?"}
        )
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return "moodle-xml"
    if stripped.startswith(("{", "[")):
        return "json"
    if _AIKEN_ANSWER.search(text) and _AIKEN_OPTION.search(text):
        return "aiken"
    if _GIFT_BLOCK.search(text) or "$CATEGORY:" in text or stripped.startswith("::"):
        return "gift"
    first_line = stripped.split("\n", 1)[0]
    if ("," in first_line or "\t" in first_line) and ("题型" in first_line or "type" in first_line.lower()):
        return "csv"
    raise FormatError(
        _("Cannot tell the format of “%(name)s”; choose it explicitly.") % {"name": filename or "?"}
    )


_PARSERS = {
    "xlsx": table.parse_xlsx,
    "csv": table.parse_csv,
    "gift": gift.parse,
    "moodle-xml": moodle_xml.parse,
    "aiken": aiken.parse,
    "json": jsonfmt.parse,
    "docx": docx.parse,
}


def parse(data: bytes, fmt: str = "auto", *, filename: str = "", snap_weights: bool = False) -> ParseResult:
    """Read a question file. Problems are collected in the result (nothing raised), each naming its line or row.

    A weight that is not one of Moodle's grades (MOODLE_GRADES, e.g. 33% instead of 33.33333%) is reported as a
    warning; with `snap_weights` it is moved to the nearest grade (Moodle's "nearest grade" import option)."""
    if len(data) > MAX_IMPORT_BYTES:
        return ParseResult(
            errors=[
                FormatError(
                    _("The file is larger than %(max)s MB.") % {"max": MAX_IMPORT_BYTES // (1024 * 1024)}
                )
            ]
        )
    if fmt == "auto":
        try:
            fmt = detect_format(filename, data)
        except FormatError as exc:
            return ParseResult(errors=[exc])
    if fmt not in _PARSERS:
        return ParseResult(errors=[FormatError(_("Unknown format “%(format)s”.") % {"format": fmt})])
    result = _PARSERS[fmt](data)
    _check_weights(result, snap_weights)
    for i, j in find_duplicate_stems(result.questions):
        origin = result.origins[i]
        where = origin.get("line") or origin.get("row")
        message = (
            _("The same stem as the question at line %(n)s.")
            if origin.get("line")
            else _("The same stem as the question in row %(n)s.")
            if origin.get("row")
            else _("The same stem as question %(n)s.")
        ) % {"n": where or i + 1}
        result.warnings.append(result.error_at(j, message))
    return result


def _check_weights(result: ParseResult, snap: bool) -> None:
    kept, origins = [], []
    for i, q in enumerate(result.questions):
        odd = [item for item in weights_of(q) if off_grid(item.get("fraction") or 0)]
        if not odd:
            kept.append(q)
            origins.append(result.origins[i])
            continue
        shown = "、".join(f"{format_percent(item['fraction'])}%" for item in odd)
        if snap:
            for item in odd:
                item["fraction"] = nearest_grade(item["fraction"])
            moved = "、".join(f"{format_percent(item['fraction'])}%" for item in odd)
            result.warnings.append(
                result.error_at(
                    i,
                    _("Weights %(weights)s are not Moodle grades; moved to the nearest: %(moved)s.")
                    % {"weights": shown, "moved": moved},
                )
            )
            problems = validate_question(q)
            if problems:
                result.errors.extend(result.error_at(i, p) for p in problems)
                continue
        else:
            result.warnings.append(
                result.error_at(
                    i,
                    _(
                        "Weights %(weights)s are not among Moodle's grades (Moodle refuses such a file); kept as "
                        "they are. Import with “Move weights to the nearest Moodle grade” (--snap-weights) to move them "
                        "to the nearest grade."
                    )
                    % {"weights": shown},
                )
            )
        kept.append(q)
        origins.append(result.origins[i])
    result.questions, result.origins = kept, origins


def dump(questions: list[dict], fmt: str, *, bank_code: str = "", warnings: list | None = None) -> bytes:
    """Write questions in a format; raises FormatError naming the first question the format cannot hold.

    For GIFT, a `warnings` list makes a question GIFT cannot express (a Cloze, an embedded file, several blanks)
    be left out and named there instead, as Moodle's exporter does."""
    if fmt == "json":
        return jsonfmt.dump(questions, bank_code=bank_code)
    if fmt == "xlsx":
        return table.dump_xlsx(questions)
    if fmt == "csv":
        return table.dump_csv(questions)
    if fmt == "gift":
        return gift.dump(questions, warnings=warnings)
    if fmt == "moodle-xml":
        return moodle_xml.dump(questions)
    if fmt == "aiken":
        return aiken.dump(questions)
    raise FormatError(_("Unknown format “%(format)s”.") % {"format": fmt})
