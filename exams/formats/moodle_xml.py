"""Moodle XML (<quiz>): read and write multichoice, truefalse, shortanswer, numerical, matching and essay questions.

Reading: `category` pseudo-questions set the category (the `$course$/top/` prefix is dropped); `name` becomes the
title unless it is just the start of the stem (as Moodle makes up for untitled questions); `questiontext` keeps its
raw text with format html/markdown, plain_text and moodle_auto_format read as plain; answers, feedback and
subquestions written in HTML are read as plain text; `generalfeedback` is the explanation; `defaultgrade` the
points; `<tags>`; `graderinfo` for essays. A `multianswer` (Cloze) question made only of SHORTANSWER/SA/MW
sub-questions is read as a fill-in with several blanks ("____" in the stem); other Cloze sub-questions are
rejected. `description` questions are skipped with a warning. Parsing is done by defusedxml: DTDs and entity
declarations are refused, nothing external is ever fetched.

Writing emits standard Moodle XML; a multi-blank fill-in becomes a Cloze question. Legal basis and difficulty
are written as <legalbasis> and <difficulty> elements, which Moodle ignores and we read back.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.translation import gettext as _

from .base import (
    BLANK,
    BLANK_RE,
    CLOZE_SLOT_RE,
    FormatError,
    ParseResult,
    default_title,
    error_for,
    format_number,
    format_percent,
    html_as_text,
    looks_like_html,
    normalise,
)

_TYPES = {
    "multichoice": None,  # single or multiple, decided by <single>
    "truefalse": "true_false",
    "shortanswer": "short_answer",
    "numerical": "numerical",
    "matching": "matching",
    "essay": "essay",
}
_STEM_FORMATS = {"html": "html", "markdown": "markdown", "plain_text": "plain", "moodle_auto_format": "plain"}
_CLOZE_RE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^}\\])*)\}")
# Moodle's Cloze sub-question names (qtype_multianswer) → (part kind, case sensitive)
_CLOZE_KINDS = {
    **dict.fromkeys(("SHORTANSWER", "SA", "MW"), ("short_answer", False)),
    **dict.fromkeys(("SHORTANSWER_C", "SAC", "MWC"), ("short_answer", True)),
    **dict.fromkeys(("NUMERICAL", "NM"), ("numerical", False)),
    **dict.fromkeys(
        ("MULTICHOICE", "MC", "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH", "MULTICHOICE_S", "MCS")
        + ("MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS"),
        ("single_choice", False),
    ),
    **dict.fromkeys(
        (
            "MULTIRESPONSE",
            "MR",
            "MULTIRESPONSE_H",
            "MRH",
            "MULTIRESPONSE_S",
            "MRS",
            "MULTIRESPONSE_HS",
            "MRHS",
        ),
        ("multiple_choice", False),
    ),
}
_PLUGINFILE = "@@PLUGINFILE@@/"


class _LineBuilder(ET.TreeBuilder):
    """Remembers the source line where each element starts."""

    def __init__(self):
        super().__init__()
        self.parser = None
        self.lines: dict = {}

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _read_tree(data: bytes):
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        reason = re.sub(r":? line \d+, column \d+$", "", str(exc))
        raise FormatError(_("The file is not well-formed XML (%(reason)s).") % {"reason": reason}, line=line)
    except DefusedXmlException:
        raise FormatError(
            _("The file declares a DTD or entities, which are not allowed."),
            line=parser.parser.CurrentLineNumber,
        )
    return root, builder.lines


def _text_of(element, path: str = "text") -> str | None:
    if element is None:
        return None
    node = element.find(path) if path else element
    if node is None or node.text is None:
        return None
    return node.text


def _plain(element) -> str | None:
    """The text of an element with a <text> child, as plain text when written in a format that renders HTML
    (html, Moodle auto-format): what a reader sees of it, never markup."""
    raw = _text_of(element)
    if raw is None:
        return None
    if element.get("format", "html") in ("html", "moodle_auto_format"):
        return html_as_text(raw)
    return raw.strip() or None


def _files(element, line) -> dict[str, str]:
    """Embedded files anywhere in a question: {name: base64 content}; the content is checked to be base64."""
    files = {}
    for node in element.iter("file"):
        name = (node.get("name") or "").strip()
        if not name or (node.get("encoding") or "base64") != "base64":
            continue
        content = re.sub(r"\s+", "", node.text or "")
        try:
            base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise FormatError(
                _("The embedded file “%(name)s” is not valid base64.") % {"name": name}, line=line
            )
        files[name] = content
    return files


def _category_path(path: str | None) -> str | None:
    if not path:
        return None
    path = re.sub(r"^\$[a-z0-9]+\$/", "", path.strip())
    parts = [p for p in path.split("/") if p.strip()]
    if parts and parts[0].strip() == "top":
        parts = parts[1:]
    return "/".join(p.strip() for p in parts) or None


def _fraction(answer, line) -> float:
    raw = answer.get("fraction", "0")
    try:
        value = float(raw)
    except ValueError:
        raise FormatError(
            _("“%(weight)s” is not a valid weight (a percentage such as %%50%%).") % {"weight": raw},
            line=line,
        )
    if not -100 <= value <= 100:
        raise FormatError(
            _("The weight %(weight)s lies outside -100%% to 100%%.") % {"weight": raw}, line=line
        )
    return value / 100


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    try:
        root, lines = _read_tree(data)
    except FormatError as exc:
        result.errors.append(exc)
        return result
    if root.tag != "quiz":
        result.errors.append(
            FormatError(
                _("The root element must be <quiz>, not <%(tag)s>.") % {"tag": root.tag}, line=lines.get(root)
            )
        )
        return result
    category = None
    for element in root:
        if element.tag != "question":
            continue
        line = lines.get(element)
        qtype = element.get("type")
        if qtype == "category":
            category = _category_path(_text_of(element.find("category")))
            continue
        if qtype == "description":
            result.warnings.append(
                FormatError(
                    _("A description is not a question; skipped."),
                    line=line,
                    question=_text_of(element.find("name")),
                )
            )
            continue
        try:
            question = _parse_question(element, qtype, lines)
        except FormatError as exc:
            if exc.question is None:
                exc.question = _text_of(element.find("name"))
            if exc.line is None:
                exc.line = line
            result.errors.append(exc)
            continue
        question["category"] = category
        unused = [name for name in _files(element, line) if f"{_PLUGINFILE}{name}" not in question["stem"]]
        if unused:  # options and feedback keep plain text only, so a picture there has nowhere to go
            result.warnings.append(
                FormatError(
                    _(
                        "Embedded file(s) %(names)s are used outside the question text (in an option or "
                        "feedback, which keep plain text only) and were not imported."
                    )
                    % {"names": "、".join(unused)},
                    line=line,
                    question=_text_of(element.find("name")),
                )
            )
        result.add(normalise(question), line=line)
    return result


def _parse_question(element, qtype: str, lines: dict) -> dict:
    line = lines.get(element)
    if qtype not in ("multianswer", "cloze") and qtype not in _TYPES:
        raise FormatError(_("Unknown question type “%(type)s”.") % {"type": qtype}, line=line)
    text_el = element.find("questiontext")
    stem = (_text_of(text_el) or "").strip()
    q: dict = {}
    source_format = text_el.get("format", "html") if text_el is not None else "html"
    stem_format = _STEM_FORMATS.get(source_format, "plain")
    if source_format == "moodle_auto_format" and looks_like_html(stem):
        stem_format = "html"  # auto-format renders the markup; it is sanitised when shown
    files = _files(element, line)
    old_image = (_text_of(element, "image") or "").strip()
    if old_image and (_text_of(element, "image_base64") or "").strip():
        # Moodle 1.9's <image> field: Moodle 2+ appends the picture to the question text
        name = old_image.rsplit("/", 1)[-1]
        content = re.sub(r"\s+", "", _text_of(element, "image_base64"))
        files.setdefault(name, content)
        if stem_format == "plain":
            stem, stem_format = html.escape(stem), "html"
        stem += f' <img src="{_PLUGINFILE}{name}" />'
    q |= {
        "stem": stem,
        "stem_format": stem_format,
        "explanation": _plain(element.find("generalfeedback")),
        "legal_basis": (_text_of(element, "legalbasis") or "").strip() or None,
        "tags": [t for t in (_text_of(tag) for tag in element.findall("tags/tag")) if t],
    }
    for key, path, cast in (("points", "defaultgrade", float), ("difficulty", "difficulty", int)):
        raw = (_text_of(element, path) or "").strip()
        if raw:
            try:
                q[key] = cast(float(raw)) if cast is int else cast(raw)
            except ValueError:
                raise FormatError(
                    _("<%(tag)s> is not a number: “%(value)s”.") % {"tag": path, "value": raw},
                    line=lines.get(element.find(path)),
                )
    answers = element.findall("answer")
    if qtype == "multichoice":
        single = (_text_of(element, "single") or "true").strip().lower() in ("true", "1")
        q["type"] = "single_choice" if single else "multiple_choice"
        q["choices"] = [
            {
                "text": _plain(a) or "",
                "fraction": _fraction(a, lines.get(a)),
                "feedback": _plain(a.find("feedback")),
            }
            for a in answers
        ]
    elif qtype == "truefalse":
        q["type"] = "true_false"
        q["feedback"] = {"true": None, "false": None}
        found = False
        for a in answers:
            value = (_text_of(a) or "").strip().lower()
            if value not in ("true", "false"):
                raise FormatError(
                    _("A true/false answer must be “true” or “false”, not “%(text)s”.") % {"text": value},
                    line=lines.get(a),
                )
            q["feedback"][value] = _plain(a.find("feedback"))
            if _fraction(a, lines.get(a)) >= 1:
                q["answer"] = value == "true"
                found = True
        if not found:
            raise FormatError(_("The question has no answer."), line=line)
    elif qtype == "shortanswer":
        q["type"] = "short_answer"
        q["case_sensitive"] = (_text_of(element, "usecase") or "0").strip().lower() in ("1", "true")
        q["answers"] = [
            {
                "text": (_text_of(a) or "").strip(),
                "fraction": _fraction(a, lines.get(a)),
                "feedback": _plain(a.find("feedback")),
            }
            for a in answers
        ]
    elif qtype == "numerical":
        q["type"] = "numerical"
        q["answers"] = []
        for a in answers:
            raw = (_text_of(a) or "").strip()
            if raw in ("*", ""):
                value, tolerance = None, 0.0
            else:
                try:
                    value = float(raw)
                    tolerance = abs(float((_text_of(a, "tolerance") or "0").strip() or 0))
                except ValueError:
                    raise FormatError(_("“%(text)s” is not a number.") % {"text": raw}, line=lines.get(a))
            q["answers"].append(
                {
                    "value": value,
                    "tolerance": tolerance,
                    "fraction": _fraction(a, lines.get(a)),
                    "feedback": _plain(a.find("feedback")),
                }
            )
    elif qtype == "matching":
        q["type"] = "matching"
        q["pairs"] = [
            {"left": _plain(sub) or "", "right": (_text_of(sub.find("answer")) or "").strip()}
            for sub in element.findall("subquestion")
        ]
    elif qtype == "essay":
        q["type"] = "essay"
        q["grader_info"] = _plain(element.find("graderinfo"))
    else:  # multianswer (Cloze): worth the sum of its parts' weights unless <defaultgrade> says otherwise
        cloze = _parse_cloze(q["stem"], line, html_parts=stem_format == "html")
        if "points" in q:
            cloze.pop("points", None)
        q.update(cloze)
    used = {name: content for name, content in files.items() if f"{_PLUGINFILE}{name}" in q["stem"]}
    if used:
        q["files"] = [{"name": name, "content": content, "ref": None} for name, content in used.items()]
    name = (_text_of(element.find("name")) or "").strip()
    q["title"] = name if name and name != default_title(q["stem"], q["stem_format"]) else None
    return q


def _unescape_cloze(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_unescaped(text: str, separator: str, maxsplit: int = -1) -> list[str]:
    """Split on a separator that is not backslash-escaped (escapes are kept for _unescape_cloze)."""
    parts, current, i = [], [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if text[i] == separator and maxsplit != 0:
            parts.append("".join(current))
            current = []
            maxsplit -= 1
        else:
            current.append(text[i])
        i += 1
    parts.append("".join(current))
    return parts


def _cloze_alternatives(body: str, line, *, html_parts: bool) -> list[tuple[float, str, str | None]]:
    """(fraction, text, feedback) of each `~`-separated alternative: `=right`, `%50%partly`, or wrong (0)."""
    out = []
    for part in _split_unescaped(body, "~"):
        if not part.strip():
            continue
        pieces = _split_unescaped(part, "#", maxsplit=1)
        text = pieces[0].strip()
        feedback = _unescape_cloze(pieces[1]).strip() if len(pieces) > 1 else ""
        if text.startswith("="):
            frac, text = 1.0, text[1:]
        elif text.startswith("%"):
            end = text.find("%", 1)
            try:
                frac, text = float(text[1:end]) / 100, text[end + 1 :]
            except ValueError:
                raise FormatError(
                    _("“%(weight)s” is not a valid weight (a percentage such as %%50%%).")
                    % {"weight": text[: end + 1]},
                    line=line,
                )
        else:
            frac = 0.0
        text = _unescape_cloze(text).strip()
        if html_parts:
            text, feedback = html_as_text(text) or "", html_as_text(feedback)
        out.append((frac, text, feedback or None))
    return out


def _parse_cloze(stem: str, line, *, html_parts: bool = True) -> dict:
    """A Cloze (multianswer) question text: each {n:KIND:answers} becomes "____" in the stem and one part.

    A Cloze made only of ordinary short answers (weight 1, not case-sensitive) is the fill-in with several
    blanks every other format knows; anything else (numbers, choices, weights) is a `cloze` question."""
    parts = []

    def replace(m):
        kind_name = m.group(2)
        if kind_name not in _CLOZE_KINDS:
            raise FormatError(
                _("Unknown Cloze sub-question type %(type)s.") % {"type": kind_name},
                line=line,
            )
        kind, case_sensitive = _CLOZE_KINDS[kind_name]
        alternatives = _cloze_alternatives(m.group(3), line, html_parts=html_parts)
        part = {"kind": kind, "weight": int(m.group(1) or 1)}
        if kind == "short_answer":
            part["case_sensitive"] = case_sensitive
            part["answers"] = [{"text": t, "fraction": f, "feedback": fb} for f, t, fb in alternatives]
        elif kind == "numerical":
            part["answers"] = []
            for frac, text, feedback in alternatives:
                if text == "*":
                    part["answers"].append(
                        {"value": None, "tolerance": 0, "fraction": frac, "feedback": feedback}
                    )
                    continue
                value_text, _sep, tol_text = text.partition(":")
                try:
                    value, tolerance = float(value_text), abs(float(tol_text or 0))
                except ValueError:
                    raise FormatError(_("“%(text)s” is not a number.") % {"text": text}, line=line)
                part["answers"].append(
                    {"value": value, "tolerance": tolerance, "fraction": frac, "feedback": feedback}
                )
        else:
            part["choices"] = [{"text": t, "fraction": f, "feedback": fb} for f, t, fb in alternatives]
        parts.append(part)
        return BLANK

    new_stem = _CLOZE_RE.sub(replace, stem)
    if not parts:
        raise FormatError(_("The Cloze question has no embedded answers."), line=line)
    plain_blanks = all(
        p["kind"] == "short_answer" and p["weight"] == 1 and not p["case_sensitive"] for p in parts
    )
    if plain_blanks:
        return {
            "type": "short_answer",
            "stem": new_stem,
            "answers": [],
            "blanks": [p["answers"] for p in parts],
        }
    return {
        "type": "cloze",
        "stem": new_stem,
        "parts": parts,
        "points": float(sum(p["weight"] for p in parts)),
    }


# --------------------------------------------------------------------------- writing


def _sub(parent, tag: str, text: str | None = None, **attrs):
    el = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _text_el(parent, tag: str, text: str | None, fmt: str | None = None):
    wrapper = _sub(parent, tag, format=fmt)
    _sub(wrapper, "text", text or "")
    return wrapper


_FORMAT_OUT = {"plain": "plain_text", "html": "html", "markdown": "markdown"}


def dump(questions: list[dict]) -> bytes:
    quiz = ET.Element("quiz")
    category = None
    for raw in questions:
        q = normalise(raw)
        if q["category"] != category:
            category = q["category"]
            cat = _sub(quiz, "question", type="category")
            _text_el(cat, "category", "$course$/top" + (f"/{category}" if category else ""))
        _dump_question(quiz, q)
    ET.indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8") + b"\n"


_CLOZE_OUT = {"short_answer": "SHORTANSWER", "numerical": "NUMERICAL", "single_choice": "MULTICHOICE"}
_CLOZE_OUT_MR = "MULTIRESPONSE"


def _cloze_parts(q: dict) -> list[dict]:
    """A question's Cloze parts: its own, or one short-answer part per blank of a multi-blank fill-in."""
    if q["type"] == "cloze":
        return q["parts"]
    return [
        {"kind": "short_answer", "weight": 1, "case_sensitive": False, "answers": alts}
        for alts in q["blanks"]
    ]


def _cloze(q: dict) -> str:
    parts = _cloze_parts(q)
    slot_re = CLOZE_SLOT_RE if q["type"] == "cloze" else BLANK_RE
    markers = slot_re.findall(q["stem"])
    if len(markers) != len(parts):
        raise error_for(
            q,
            _("The stem marks %(marks)s blanks but the question has answers for %(blanks)s.")
            % {"marks": len(markers), "blanks": len(parts)},
        )
    pieces = iter(parts)
    as_html = q["stem_format"] == "html"

    def esc(text: str) -> str:
        if as_html:
            text = html.escape(text, quote=False)
        return re.sub(r"([}#~/\\\"])", r"\\\1", text)

    def alternative(fraction: float, text: str, feedback: str | None) -> str:
        weight = "=" if fraction >= 1 else "" if fraction == 0 else f"%{format_percent(fraction)}%"
        return weight + text + (f"#{esc(feedback)}" if feedback else "")

    def replace(_m):
        part = next(pieces)
        kind = part["kind"]
        if kind == "short_answer":
            name = "SHORTANSWER_C" if part.get("case_sensitive") else "SHORTANSWER"
            alts = [alternative(a["fraction"], esc(a["text"]), a["feedback"]) for a in part["answers"]]
        elif kind == "numerical":
            name = "NUMERICAL"
            alts = [
                alternative(
                    a["fraction"],
                    "*"
                    if a["value"] is None
                    else f"{format_number(a['value'])}:{format_number(a['tolerance'])}",
                    a["feedback"],
                )
                for a in part["answers"]
            ]
        else:
            name = "MULTICHOICE" if kind == "single_choice" else _CLOZE_OUT_MR
            alts = [alternative(c["fraction"], esc(c["text"]), c["feedback"]) for c in part["choices"]]
        return "{" + f"{part.get('weight', 1)}:{name}:" + "~".join(alts) + "}"

    return slot_re.sub(replace, q["stem"])


def cloze_text(question: dict) -> str:
    """A Cloze question's stem with its parts written back in Moodle's embedded syntax ({1:SHORTANSWER:=…}), as
    an author edits it."""
    return _cloze(normalise(question))


def parse_cloze_text(text: str, *, html_parts: bool = False) -> dict:
    """The stem ("____" for each part) and parts of a text in Moodle's Cloze syntax; raises FormatError.
    Always a `cloze` question (the editor's type), even when every part is a plain short answer."""
    out = _parse_cloze(text, None, html_parts=html_parts)
    if out["type"] != "cloze":
        parts = [
            {"kind": "short_answer", "weight": 1, "case_sensitive": False, "answers": a}
            for a in out["blanks"]
        ]
        out = {"type": "cloze", "stem": out["stem"], "parts": parts}
    out.pop("points", None)
    return out


def _with_pluginfile_links(q: dict) -> tuple[str, list[dict]]:
    """The stem with each embedded file's reference (its media address when exported from a bank) written as
    Moodle's @@PLUGINFILE@@/name, and the files."""
    stem = q["stem"]
    files = q.get("files") or []
    for f in files:
        if f.get("ref"):
            stem = stem.replace(f["ref"], _PLUGINFILE + f["name"])
    return stem, files


def _dump_question(quiz, q: dict) -> None:
    qtype = q["type"]
    xml_type = {
        "single_choice": "multichoice",
        "multiple_choice": "multichoice",
        "true_false": "truefalse",
        "short_answer": "shortanswer",
        "numerical": "numerical",
        "matching": "matching",
        "essay": "essay",
        "cloze": "cloze",
    }[qtype]
    stem, files = _with_pluginfile_links(q)
    if (qtype == "short_answer" and q.get("blanks")) or qtype == "cloze":
        xml_type = "cloze" if qtype == "cloze" else "multianswer"
        stem = _cloze({**q, "stem": stem})
    el = _sub(quiz, "question", type=xml_type)
    _text_el(el, "name", q["title"] or default_title(q["stem"], q["stem_format"]))
    text_el = _text_el(el, "questiontext", stem, _FORMAT_OUT[q["stem_format"]])
    for f in files:
        _sub(text_el, "file", f["content"], name=f["name"], path="/", encoding="base64")
    _text_el(el, "generalfeedback", q["explanation"], "plain_text")
    if q["points"] is not None:
        _sub(el, "defaultgrade", format_number(q["points"]))
    if q["difficulty"] is not None:
        _sub(el, "difficulty", str(q["difficulty"]))
    if q["legal_basis"]:
        _sub(el, "legalbasis", q["legal_basis"])
    if qtype in ("single_choice", "multiple_choice"):
        _sub(el, "single", "true" if qtype == "single_choice" else "false")
        _sub(el, "shuffleanswers", "true")
        _sub(el, "answernumbering", "ABCD")
        for c in q["choices"]:
            a = _text_el(el, "answer", c["text"], "plain_text")
            a.set("fraction", format_percent(c["fraction"]))
            _text_el(a, "feedback", c["feedback"], "plain_text")
    elif qtype == "true_false":
        for value in ("true", "false"):
            a = _text_el(el, "answer", value, "moodle_auto_format")
            a.set("fraction", "100" if q["answer"] == (value == "true") else "0")
            _text_el(a, "feedback", q["feedback"][value], "plain_text")
    elif qtype == "short_answer" and xml_type == "shortanswer":
        _sub(el, "usecase", "1" if q.get("case_sensitive") else "0")
        for ans in q["answers"]:
            a = _text_el(el, "answer", ans["text"], "moodle_auto_format")
            a.set("fraction", format_percent(ans["fraction"]))
            _text_el(a, "feedback", ans["feedback"], "plain_text")
    elif qtype == "numerical":
        for ans in q["answers"]:
            a = _text_el(
                el,
                "answer",
                "*" if ans["value"] is None else format_number(ans["value"]),
                "moodle_auto_format",
            )
            a.set("fraction", format_percent(ans["fraction"]))
            if ans["value"] is not None:
                _sub(a, "tolerance", format_number(ans["tolerance"]))
            _text_el(a, "feedback", ans["feedback"], "plain_text")
    elif qtype == "matching":
        _sub(el, "shuffleanswers", "true")
        for pair in q["pairs"]:
            sub = _text_el(el, "subquestion", pair["left"], "plain_text")
            _text_el(sub, "answer", pair["right"])
    elif qtype == "essay":
        _sub(el, "responseformat", "editor")
        _sub(el, "responsefieldlines", "15")
        _text_el(el, "graderinfo", q["grader_info"], "plain_text")
    if q["tags"]:
        tags = _sub(el, "tags")
        for tag in q["tags"]:
            _text_el(tags, "tag", tag)
