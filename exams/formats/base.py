"""The question dict shared by every format: errors, normalisation, validation and text helpers. Pure."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "numerical",
    "matching",
    "essay",
    "cloze",
)
STEM_FORMATS = ("plain", "html", "markdown")
CHOICE_TYPES = ("single_choice", "multiple_choice")

# A blank in a fill-in stem: four or more underscores, or empty (full- or half-width) parentheses.
BLANK_RE = re.compile(r"_{4,}|（[\s\u3000]*）|\([\s\u3000]*\)")
BLANK = "____"
# Where a Cloze question's parts sit in its stem (always written "____" by the readers).
CLOZE_SLOT_RE = re.compile(r"_{4,}")
CLOZE_PART_KINDS = ("short_answer", "numerical", "single_choice", "multiple_choice")
# Files embedded in a question (Moodle XML <file>, images in a Word document): caps per question and per file.
MAX_FILES_PER_QUESTION = 20
MAX_FILE_BYTES = 5 * 1024 * 1024
_FRACTION_DIGITS = 7  # Moodle stores 1/3 as 0.3333333


@dataclass(eq=False)
class FormatError(Exception):
    """One problem in a file (or a question a format cannot express). `message` is already translated."""

    message: str
    line: int | None = None
    row: int | None = None
    question: str | None = None
    paragraph: int | None = None  # a Word document's paragraph number

    def __post_init__(self):
        super().__init__(self.message)

    def __str__(self) -> str:
        if self.paragraph is not None:
            return _("Paragraph %(n)s: %(message)s") % {"n": self.paragraph, "message": self.message}
        if self.line is not None:
            return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        if self.row is not None:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        if self.question:
            return _("Question “%(question)s”: %(message)s") % {
                "question": self.question,
                "message": self.message,
            }
        return self.message


@dataclass
class ParseResult:
    """What a file held. `questions` are the valid ones; a caller that must write nothing on error checks `errors`.

    `origins[i]` is {"line": n} or {"row": n}: where questions[i] began in the file.
    """

    questions: list[dict] = field(default_factory=list)
    errors: list[FormatError] = field(default_factory=list)
    warnings: list[FormatError] = field(default_factory=list)
    origins: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_at(self, index: int, message: str) -> FormatError:
        """A FormatError placed where questions[index] began (e.g. for "duplicate of a question in the bank")."""
        origin = self.origins[index] if index < len(self.origins) else {}
        return FormatError(
            message,
            line=origin.get("line"),
            row=origin.get("row"),
            question=question_label(self.questions[index]),
            paragraph=origin.get("paragraph"),
        )

    def add(
        self, question: dict, *, line: int | None = None, row: int | None = None, paragraph: int | None = None
    ) -> None:
        """Validate and keep a question, or record its problems."""
        problems = validate_question(question)
        label = question_label(question)
        if problems:
            self.errors.extend(
                FormatError(p, line=line, row=row, question=label, paragraph=paragraph) for p in problems
            )
            return
        self.questions.append(question)
        self.origins.append({"line": line, "row": row} | ({"paragraph": paragraph} if paragraph else {}))


# --------------------------------------------------------------------------- text helpers


# Characters XML 1.0 and xlsx cannot hold; they never carry meaning in a question.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(text) -> str | None:
    """Strip a text; empty becomes None."""
    if text is None:
        return None
    text = _CONTROL_RE.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n")).strip()
    return text or None


def question_label(q: dict) -> str:
    """How an error names a question: its title, else the start of its stem."""
    if q.get("title"):
        return str(q["title"])
    stem = re.sub(
        r"\s+",
        " ",
        html_to_text(q.get("stem") or "") if q.get("stem_format") == "html" else q.get("stem") or "",
    )
    stem = stem.strip()
    return stem[:30] + ("…" if len(stem) > 30 else "")


_TAG_RE = re.compile(r"<[^>]+>")
_BREAK_RE = re.compile(r"<\s*(br|/p|/div|/li|/h\d|/tr)\b[^>]*>", re.I)


def html_to_text(text: str | None) -> str:
    """A plain reading of an HTML fragment (paragraphs and <br> become newlines)."""
    if not text:
        return ""
    text = _BREAK_RE.sub("\n", text)
    text = _TAG_RE.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


_READER_BREAK_RE = re.compile(r"<\s*(br|/p|p|/div|div|/li|li|/h\d|/tr|/pre|pre)\b[^>]*>", re.I)
_READER_TAG_RE = re.compile(r"<!--.*?-->|<\s*/?\s*[a-zA-Z][^<>]*>", re.S)
_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")


def looks_like_html(text: str | None) -> bool:
    """True when a text holds a tag, a comment or a character entity (what a browser would not show as is)."""
    return bool(text) and bool(_READER_TAG_RE.search(text) or _ENTITY_RE.search(text))


def html_as_text(text: str | None) -> str | None:
    """What a reader sees of an HTML text, as plain text (tags and comments dropped, entities resolved); a bare
    "<" that opens no tag stays. Texts without markup come back unchanged. Empty becomes None."""
    if text is None:
        return None
    if not looks_like_html(text):
        return text.strip() or None
    text = _READER_BREAK_RE.sub("\n", text)
    text = _READER_TAG_RE.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip() or None


def default_title(stem: str, stem_format: str = "plain") -> str:
    """The name Moodle derives for an untitled question (the stem's first 40 characters on one line)."""
    text = html_to_text(stem) if stem_format == "html" else stem
    text = re.sub(r"\s+", " ", text).strip()
    return text[:40].strip()


def count_blanks(stem: str) -> int:
    return len(BLANK_RE.findall(stem or ""))


def fraction(value) -> float:
    """A fraction rounded as Moodle stores it, so 1/3 written as 33.33333% reads back equal."""
    f = round(float(value), _FRACTION_DIGITS)
    return 0.0 if f == 0 else f


def format_number(value: float) -> str:
    """3.0 → '3', 0.1 → '0.1' (shortest exact form)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def format_percent(frac: float) -> str:
    """0.3333333 → '33.33333', 1 → '100', -0.5 → '-50'."""
    pct = round(float(frac) * 100, _FRACTION_DIGITS - 2)
    return format_number(pct)


_PUNCT_CATEGORIES = ("P", "S", "Z", "C")


def stem_key(stem: str, stem_format: str = "plain") -> str:
    """The comparison form of a stem: width/case folded, without whitespace, punctuation or blank markers."""
    text = html_to_text(stem) if stem_format == "html" else (stem or "")
    text = unicodedata.normalize("NFKC", text).casefold()
    text = BLANK_RE.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in _PUNCT_CATEGORIES)


def find_duplicate_stems(questions: list[dict]) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, where question j repeats the stem of question i (its first occurrence)."""
    first: dict[str, int] = {}
    pairs = []
    for j, q in enumerate(questions):
        key = stem_key(q.get("stem") or "", q.get("stem_format") or "plain")
        if not key:
            continue
        if key in first:
            pairs.append((first[key], j))
        else:
            first[key] = j
    return pairs


# --------------------------------------------------------------------------- normalisation


def _opt_float(value):
    if value is None or value == "":
        return None
    return float(value)


def _opt_int(value):
    if value is None or value == "":
        return None
    return int(value)


def normalise(q: dict) -> dict:
    """The canonical form of a question dict: every key present, in a fixed order, fractions rounded.

    Accepts the JSON schema of DESIGN.md plus the extension keys; `general_feedback` (a synonym of Moodle's
    general feedback) is folded into `explanation` when that is empty.
    """
    qtype = q.get("type")
    stem_format = q.get("stem_format") or "plain"
    stem = clean(q.get("stem")) or ""
    if qtype == "short_answer" and stem_format == "plain":
        stem = BLANK_RE.sub(BLANK, stem)
    out = {
        "type": qtype,
        "title": clean(q.get("title")),
        "stem": stem,
        "stem_format": stem_format,
        "category": _clean_category(q.get("category")),
        "explanation": clean(q.get("explanation")) or clean(q.get("general_feedback")),
        "legal_basis": clean(q.get("legal_basis")),
        "difficulty": _opt_int(q.get("difficulty")),
        "points": _opt_float(q.get("points")),
        "tags": _clean_tags(q.get("tags")),
    }
    if qtype in CHOICE_TYPES:
        out["choices"] = [
            {
                "text": clean(c.get("text")) or "",
                "fraction": fraction(c.get("fraction") or 0),
                "feedback": clean(c.get("feedback")),
            }
            for c in q.get("choices") or []
        ]
    elif qtype == "true_false":
        fb = q.get("feedback") or {}
        out["answer"] = bool(q.get("answer"))
        out["feedback"] = {"true": clean(fb.get("true")), "false": clean(fb.get("false"))}
    elif qtype == "short_answer":
        blanks = q.get("blanks") or []
        if len(blanks) == 1 and not q.get("answers"):
            q = {**q, "answers": blanks[0]}
            blanks = []
        out["answers"] = [] if blanks else [_short(a) for a in q.get("answers") or []]
        if blanks:
            out["blanks"] = [[_short(a) for a in alts] for alts in blanks]
        if q.get("case_sensitive"):  # Moodle's usecase; present only when set
            out["case_sensitive"] = True
    elif qtype == "numerical":
        out["answers"] = [_numerical(a) for a in q.get("answers") or []]
    elif qtype == "matching":
        out["pairs"] = [
            {"left": clean(p.get("left")) or "", "right": clean(p.get("right")) or ""}
            for p in q.get("pairs") or []
        ]
    elif qtype == "essay":
        out["grader_info"] = clean(q.get("grader_info"))
    elif qtype == "cloze":
        out["parts"] = [_cloze_part(p) for p in q.get("parts") or []]
    if q.get("files"):
        out["files"] = [
            {"name": str(f.get("name") or ""), "content": str(f.get("content") or ""), "ref": f.get("ref")}
            for f in q["files"]
        ]
    return out


def _numerical(a: dict) -> dict:
    return {
        "value": _opt_float(a.get("value")),
        "tolerance": abs(float(a.get("tolerance") or 0)) if a.get("value") is not None else 0.0,
        "fraction": fraction(a.get("fraction") if a.get("fraction") is not None else 0),
        "feedback": clean(a.get("feedback")),
    }


def _cloze_part(p: dict) -> dict:
    """One embedded part of a Cloze question: its kind, its weight (Moodle's {n:…} mark) and its answers."""
    kind = p.get("kind")
    part = {"kind": kind, "weight": int(p.get("weight") if p.get("weight") is not None else 1)}
    if kind == "short_answer":
        part["answers"] = [_short(a) for a in p.get("answers") or []]
        part["case_sensitive"] = bool(p.get("case_sensitive"))
    elif kind == "numerical":
        part["answers"] = [_numerical(a) for a in p.get("answers") or []]
    else:
        part["choices"] = [
            {
                "text": clean(c.get("text")) or "",
                "fraction": fraction(c.get("fraction") or 0),
                "feedback": clean(c.get("feedback")),
            }
            for c in p.get("choices") or []
        ]
    return part


def _short(a: dict) -> dict:
    frac = a.get("fraction")
    return {
        "text": clean(a.get("text")) or "",
        "fraction": fraction(1 if frac is None else frac),
        "feedback": clean(a.get("feedback")),
    }


def _clean_category(value) -> str | None:
    text = clean(value)
    if not text:
        return None
    parts = [p.strip() for p in re.split(r"\s*/\s*", text) if p.strip()]
    return "/".join(parts) or None


def _clean_tags(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = re.split(r"[,，、;；]", value)
    tags = []
    for tag in value:
        tag = clean(tag)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


# --------------------------------------------------------------------------- validation


def validate_question(q: dict) -> list[str]:
    """Translated reasons why a question dict (in any state: it is normalised first) is unusable; [] when fine."""
    qtype = q.get("type")
    if qtype not in QUESTION_TYPES:
        return [_("Unknown question type “%(type)s”.") % {"type": qtype}]
    try:
        q = normalise(q)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return [_("The question has a malformed field (%(reason)s).") % {"reason": exc}]
    problems = []
    if not q.get("stem"):
        problems.append(_("The question has no stem."))
    if q.get("stem_format", "plain") not in STEM_FORMATS:
        problems.append(_("Unknown stem format “%(format)s”.") % {"format": q.get("stem_format")})
    difficulty = q.get("difficulty")
    if difficulty is not None and not 1 <= difficulty <= 5:
        problems.append(
            _("Difficulty must be a whole number from 1 to 5, not %(value)s.") % {"value": difficulty}
        )
    points = q.get("points")
    if points is not None and (not math.isfinite(points) or points < 0):
        problems.append(_("Points must be zero or more, not %(value)s.") % {"value": points})
    if qtype in CHOICE_TYPES:
        problems += _validate_choices(q)
    elif qtype == "short_answer":
        blanks = q.get("blanks") or [q.get("answers") or []]
        for alternatives in blanks:
            if not any(a["text"] for a in alternatives):
                problems.append(_("The question has no answer."))
                break
            if not any(a["fraction"] >= 1 for a in alternatives if a["text"]):
                problems.append(_("At least one accepted answer must be fully right."))
                break
        if any(not a["text"] for alternatives in blanks for a in alternatives):
            problems.append(_("An accepted answer is empty."))
    elif qtype == "numerical":
        answers = [a for a in q.get("answers") or [] if a["value"] is not None]
        if not answers:
            problems.append(_("The question has no answer."))
        elif not any(a["fraction"] >= 1 for a in answers):
            problems.append(_("At least one accepted answer must be fully right."))
        if any(not math.isfinite(a["value"]) or not math.isfinite(a["tolerance"]) for a in answers):
            problems.append(_("A number is not finite."))
    elif qtype == "cloze":
        problems += _validate_cloze(q)
    elif qtype == "matching":
        pairs = q.get("pairs") or []
        if sum(1 for p in pairs if p["left"]) < 2:
            problems.append(_("A matching question needs at least two pairs."))
        if any(not p["right"] for p in pairs):
            problems.append(_("A matching pair has no right-hand side."))
    fractions = [c["fraction"] for c in q.get("choices") or []] + [
        a["fraction"] for a in q.get("answers") or []
    ]
    if any(not -1 <= f <= 1 for f in fractions):
        problems.append(
            _("A weight must lie between %(low)s and %(high)s.") % {"low": "-100%", "high": "100%"}
        )
    problems += _validate_files(q.get("files") or [])
    return problems


def _validate_cloze(q: dict) -> list[str]:
    parts = q.get("parts") or []
    problems = []
    if not parts:
        return [_("The Cloze question has no embedded answers.")]
    slots = len(CLOZE_SLOT_RE.findall(q.get("stem") or ""))
    if slots != len(parts):
        problems.append(
            _("The stem marks %(marks)s blanks but the question has answers for %(blanks)s.")
            % {"marks": slots, "blanks": len(parts)}
        )
    for n, part in enumerate(parts, 1):
        kind = part["kind"]
        if kind not in CLOZE_PART_KINDS:
            problems.append(_("Part %(n)s has an unknown kind “%(kind)s”.") % {"n": n, "kind": kind})
            continue
        if part["weight"] < 0:
            problems.append(_("Part %(n)s has a negative weight.") % {"n": n})
        if kind == "short_answer":
            if not any(a["text"] and a["fraction"] >= 1 for a in part["answers"]):
                problems.append(_("Part %(n)s has no fully right answer.") % {"n": n})
        elif kind == "numerical":
            if not any(a["value"] is not None and a["fraction"] >= 1 for a in part["answers"]):
                problems.append(_("Part %(n)s has no fully right answer.") % {"n": n})
            if any(a["value"] is not None and not math.isfinite(a["value"]) for a in part["answers"]):
                problems.append(_("A number is not finite."))
        else:
            choices = part["choices"]
            if len(choices) < 2 or any(not c["text"] for c in choices):
                problems.append(_("Part %(n)s needs at least two options, none empty.") % {"n": n})
            elif not any(c["fraction"] > 0 for c in choices):
                problems.append(_("Part %(n)s has no right option.") % {"n": n})
            elif kind == "single_choice" and not any(c["fraction"] >= 1 for c in choices):
                problems.append(_("Part %(n)s has no fully right answer.") % {"n": n})
        fractions = [x["fraction"] for x in part.get("answers", []) + part.get("choices", [])]
        if any(not -1 <= f <= 1 for f in fractions):
            problems.append(
                _("A weight must lie between %(low)s and %(high)s.") % {"low": "-100%", "high": "100%"}
            )
    return problems


def _validate_files(files: list[dict]) -> list[str]:
    if not files:
        return []
    if len(files) > MAX_FILES_PER_QUESTION:
        return [
            _("The question embeds %(n)s files; at most %(max)s are allowed.")
            % {"n": len(files), "max": MAX_FILES_PER_QUESTION}
        ]
    problems = []
    for f in files:
        # base64 holds 3 bytes in 4 characters
        if len(f.get("content") or "") * 3 // 4 > MAX_FILE_BYTES:
            problems.append(
                _("The embedded file “%(name)s” is larger than %(max)s MB.")
                % {"name": f.get("name"), "max": MAX_FILE_BYTES // (1024 * 1024)}
            )
        if not f.get("name") or "/" in f["name"] or "\\" in f["name"]:
            problems.append(_("An embedded file has no usable name (“%(name)s”).") % {"name": f.get("name")})
    return problems


def _validate_choices(q: dict) -> list[str]:
    choices = q.get("choices") or []
    problems = []
    if len(choices) < 2:
        problems.append(_("A choice question needs at least two options."))
    if any(not c["text"] for c in choices):
        problems.append(_("An option is empty."))
    if q["type"] == "single_choice":
        if not any(c["fraction"] >= 1 for c in choices):
            problems.append(_("No option is marked correct."))
    else:
        positive = sum(c["fraction"] for c in choices if c["fraction"] > 0)
        if positive <= 0:
            problems.append(_("No option is marked correct."))
        elif abs(positive - 1) > 0.01:
            problems.append(
                _("The positive weights of a multiple-choice question must add up to 100%%, not %(total)s%%.")
                % {"total": format_percent(positive)}
            )
    return problems


# --------------------------------------------------------------------------- Moodle's grades

# The weights Moodle's question editor offers (question_bank::fraction_options_full), as fractions; an import with
# matchgrades=error refuses any other, matchgrades=nearest moves it to the nearest of these.
MOODLE_GRADES = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
)  # fmt: skip


def nearest_grade(value: float) -> float:
    """The Moodle grade nearest to a weight (the sign kept: negative weights are penalties)."""
    best = min(MOODLE_GRADES, key=lambda g: abs(g - abs(value)))
    return -best if value < 0 else best


def weights_of(q: dict) -> list[dict]:
    """Every weighted item of a question (options, accepted answers, Cloze parts' answers and options)."""
    items = list(q.get("choices") or []) + list(q.get("answers") or [])
    for alternatives in q.get("blanks") or []:
        items += alternatives
    for part in q.get("parts") or []:
        items += list(part.get("choices") or []) + list(part.get("answers") or [])
    return items


def off_grid(value: float) -> bool:
    return abs(nearest_grade(value) - value) > 1e-6


# --------------------------------------------------------------------------- decoding


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030. Raises FormatError naming the bad line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FormatError(_("The file is not valid UTF-16 text."), line=None) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    line = data[: utf8_error.start].count(b"\n") + 1
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausibly_chinese(text):
        return text
    raise FormatError(
        _(
            "The file is not UTF-8 text (the first byte that is not UTF-8 is on this line), and read as GB18030 "
            "it is not Chinese either: it is probably in another encoding such as Windows-1252. Save it as "
            "UTF-8 and upload it again."
        ),
        line=line,
    )


def _plausibly_chinese(text: str) -> bool:
    """Whether a GB18030 reading looks like Chinese: nearly every non-ASCII character is one of GB2312's
    (the 6,763 common hanzi and the usual full-width punctuation). Text in a Western code page read as GB18030
    turns into rare characters outside that set."""
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide:
        return True
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.95 * len(wide)


def error_for(q: dict, message: str) -> FormatError:
    """A dump-time error naming the question."""
    return FormatError(message, question=question_label(q))
