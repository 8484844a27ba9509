"""The spreadsheet template (xlsx and csv): one question per row.

Columns (Chinese or English headers, any order): 题型/type, 题干/stem, 选项A…选项H / A…H, 答案/answer,
解析/explanation, 难度/difficulty, 知识点/category, 分值/points, 法条依据/legal_basis, and optionally 标签/tags and
标题/title. 题型, 题干 and 答案 are required columns. Rows whose first cell starts with "说明" or "#" are
instructions and skipped, as are empty rows; row numbers in errors are the spreadsheet's (header = row 1 when it
is the first row). Only the header's columns are read, and a sheet with more than 5,000 rows below the header or a
header of more than 50 columns is refused, whatever size an xlsx declares (see cms.spreadsheets).

题型: 单选 / 多选 / 判断 / 填空 (short answer) / 简答 (essay) / 数值 / 匹配, with or without 题, or the English type
codes. 答案 by type:
- 单选: one letter (A–H); 多选: letters "ABD", "A,B,D" or "A、B、D" — every correct option is worth 1/k and every
  other 0 (no negative marks: the exam's scoring rule decides how wrong picks count).
- 判断: 正确/错误, 对/错, √/×, T/F, TRUE/FALSE, 是/否.
- 填空: blanks separated by "|", alternatives for one blank by "/", e.g. "主要负责人|三/3"; write "\\/" or "\\|" for
  a literal slash or bar. Every alternative is fully right. The stem marks blanks with "____" or "（）".
- 数值: "3.5", "3.5±0.1" (also "3.5+-0.1").
- 匹配: each 选项 cell holds "左项=右项"; "=右项" is an extra wrong answer; 答案 stays empty.
- 简答: 答案 holds the reference answer for the marker (grader_info).
难度 is 1–5 (or 易/较易/中等/较难/难), 分值 a number, 知识点 a path like "法律法规/安全生产法", 标签 separated by
"," "，" "、" or ";".

What the template cannot hold — per-option and per-answer feedback, partial weights, several numerical answers,
the stem format — is dropped on writing when it is only feedback, and raises FormatError when it would change
how the question is marked.
"""

from __future__ import annotations

import csv
import io
import re
import string
import unicodedata

from django.utils.translation import gettext as _

from cms.exports import csv_unescape, csv_value_reversible, xlsx_row
from cms.spreadsheets import SheetTooLarge, bounded_rows, read_xlsx

from .base import FormatError, ParseResult, decode_text, error_for, format_number, normalise

LETTERS = string.ascii_uppercase[:8]
MAX_ROWS = 5_000  # questions per spreadsheet (rows below the header); bigger banks come in several files
MAX_COLUMNS = 50  # the template has 19 columns
HEADERS = [
    "题型",
    "题干",
    *[f"选项{x}" for x in LETTERS],
    "答案",
    "解析",
    "难度",
    "知识点",
    "分值",
    "法条依据",
    "标签",
]
INSTRUCTION = (
    "说明：本行为填写说明，导入时跳过。题型填 单选/多选/判断/填空/简答/数值/匹配；选择题选项依次填入选项A–H，"
    "答案填字母（单选如 A，多选如 ABD 或 A,B,D）；判断题答案填 正确/错误；填空题多个空用“|”分隔，同一空的"
    "备选答案用“/”分隔，题干中用“____”或“（）”标出空位；数值题答案如 3.5±0.1；匹配题每个选项填“左项=右项”；"
    "简答题答案填参考答案；难度填 1–5；分值填数字；知识点填路径如 法律法规/安全生产法；标签用逗号分隔。"
)

_COLUMN_ALIASES = {
    "type": ("题型", "type", "题目类型", "类型"),
    "stem": ("题干", "stem", "题目", "question"),
    "answer": ("答案", "answer", "正确答案", "参考答案"),
    "explanation": ("解析", "explanation", "答案解析", "试题解析"),
    "difficulty": ("难度", "difficulty"),
    "category": ("知识点", "category", "分类"),
    "points": ("分值", "points", "分数"),
    "legal_basis": ("法条依据", "legal_basis", "legal basis", "法律依据"),
    "tags": ("标签", "tags"),
    "title": ("标题", "title"),
}
for _letter in LETTERS:
    _COLUMN_ALIASES[_letter] = (
        f"选项{_letter}",
        _letter,
        f"option{_letter}",
        f"option {_letter}",
        f"选项 {_letter}",
    )
_HEADER_LOOKUP = {
    unicodedata.normalize("NFKC", alias).casefold().replace(" ", ""): key
    for key, aliases in _COLUMN_ALIASES.items()
    for alias in aliases
}
REQUIRED = ("type", "stem", "answer")
_COLUMN_LABELS = {"type": "题型", "stem": "题干", "answer": "答案"}

_TYPE_NAMES = {
    "single_choice": ("单选", "单选题", "单项选择", "单项选择题", "single_choice", "single"),
    "multiple_choice": ("多选", "多选题", "多项选择", "多项选择题", "multiple_choice", "multiple"),
    "true_false": ("判断", "判断题", "是非题", "true_false", "truefalse"),
    "short_answer": ("填空", "填空题", "short_answer", "shortanswer"),
    "essay": ("简答", "简答题", "问答", "问答题", "论述题", "essay"),
    "numerical": ("数值", "数值题", "计算题", "numerical"),
    "matching": ("匹配", "匹配题", "连线题", "matching"),
}
_TYPE_LOOKUP = {name.casefold(): key for key, names in _TYPE_NAMES.items() for name in names}
_TYPE_OUT = {key: names[0] for key, names in _TYPE_NAMES.items()}
_TRUE = {"正确", "对", "√", "✓", "✔", "t", "true", "是", "y", "yes"}
_FALSE = {"错误", "错", "×", "✗", "✘", "x", "f", "false", "否", "n", "no"}
_DIFFICULTY_WORDS = {
    "易": 1,
    "容易": 1,
    "简单": 1,
    "较易": 2,
    "中": 3,
    "中等": 3,
    "一般": 3,
    "较难": 4,
    "难": 5,
    "困难": 5,
}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format_number(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _header_key(text: str) -> str | None:
    return _HEADER_LOOKUP.get(unicodedata.normalize("NFKC", text).casefold().replace(" ", ""))


def _is_instruction(cells: list[str]) -> bool:
    first = next((c for c in cells if c), "")
    return first.startswith(("说明", "#"))


def parse_rows(rows, result: ParseResult) -> None:
    """rows: iterable of (row number, list of cell values)."""
    columns = None
    for number, raw in rows:
        cells = [_cell(v) for v in raw]
        if not any(cells) or _is_instruction(cells):
            continue
        if columns is None:
            columns = {}
            for index, text in enumerate(cells):
                key = _header_key(text) if text else None
                if key and key not in columns:
                    columns[key] = index
            missing = [_COLUMN_LABELS[k] for k in REQUIRED if k not in columns]
            if missing:
                result.errors.append(
                    FormatError(
                        _("Required column(s) missing: %(columns)s.") % {"columns": "、".join(missing)},
                        row=number,
                    )
                )
                return
            continue
        record = {key: (cells[index] if index < len(cells) else "") for key, index in columns.items()}
        try:
            question = _question(record, number)
        except FormatError as exc:
            result.errors.append(exc)
            continue
        result.add(normalise(question), row=number)
    if columns is None:
        result.errors.append(FormatError(_("The file has no header row (题型, 题干, 答案…)."), row=1))


def _question(record: dict, row: int) -> dict:
    type_name = record.get("type", "")
    qtype = _TYPE_LOOKUP.get(unicodedata.normalize("NFKC", type_name).casefold().replace(" ", ""))
    if not type_name:
        raise FormatError(_("The 题型 (type) cell is empty."), row=row)
    if qtype is None:
        raise FormatError(_("Unknown question type “%(type)s”.") % {"type": type_name}, row=row)
    q: dict = {
        "type": qtype,
        "title": record.get("title") or None,
        "stem": record.get("stem", ""),
        "category": record.get("category") or None,
        "explanation": record.get("explanation") or None,
        "legal_basis": record.get("legal_basis") or None,
        "tags": record.get("tags") or [],
        "difficulty": _difficulty(record.get("difficulty", ""), row),
        "points": _points(record.get("points", ""), row),
    }
    if not q["stem"]:
        raise FormatError(_("The question has no stem."), row=row)
    answer = record.get("answer", "")
    options = [(letter, record.get(letter, "")) for letter in LETTERS]
    last = max((i for i, (_l, text) in enumerate(options) if text), default=-1)
    options = options[: last + 1]
    gap = next((letter for letter, text in options if not text), None)
    if qtype in ("single_choice", "multiple_choice", "matching") and gap:
        raise FormatError(
            _("Option %(letter)s is empty but a later option is filled.") % {"letter": gap}, row=row
        )
    if qtype not in ("essay", "matching") and not answer:
        raise FormatError(_("The 答案 (answer) cell is empty."), row=row)
    if qtype in ("single_choice", "multiple_choice"):
        letters = _letters(answer, row)
        available = [letter for letter, _t in options]
        for letter in letters:
            if letter not in available:
                raise FormatError(
                    _("The answer %(letter)s is not one of the options %(first)s–%(last)s.")
                    % {
                        "letter": letter,
                        "first": available[0] if available else "A",
                        "last": available[-1] if available else "A",
                    },
                    row=row,
                )
        if qtype == "single_choice" and len(letters) != 1:
            raise FormatError(
                _("A single-choice question needs exactly one answer letter, not “%(answer)s”.")
                % {"answer": answer},
                row=row,
            )
        share = 1 / len(letters)
        q["choices"] = [
            {"text": text, "fraction": share if letter in letters else 0.0, "feedback": None}
            for letter, text in options
        ]
    elif qtype == "true_false":
        token = unicodedata.normalize("NFKC", answer).strip().casefold()
        if token in _TRUE or answer.strip() in _TRUE:
            q["answer"] = True
        elif token in _FALSE or answer.strip() in _FALSE:
            q["answer"] = False
        else:
            raise FormatError(
                _("A true/false answer must be 正确 or 错误, not “%(answer)s”.") % {"answer": answer}, row=row
            )
    elif qtype == "short_answer":
        blanks = [[{"text": alt, "fraction": 1.0} for alt in alts] for alts in _answer_cell(answer)]
        if any(not alts for alts in blanks):
            raise FormatError(_("A blank in “%(answer)s” has no answer.") % {"answer": answer}, row=row)
        if len(blanks) == 1:
            q["answers"] = blanks[0]
        else:
            q["answers"], q["blanks"] = [], blanks
    elif qtype == "numerical":
        q["answers"] = [_numerical(answer, row)]
    elif qtype == "matching":
        q["pairs"] = []
        for _letter, text in options:
            cut = min((i for i in (text.find("="), text.find("＝")) if i >= 0), default=-1)
            if cut < 0:
                raise FormatError(
                    _("A matching option must read “左项=右项”, not “%(text)s”.") % {"text": text}, row=row
                )
            left, right = text[:cut], text[cut + 1 :]
            q["pairs"].append({"left": left.strip(), "right": right.strip()})
    elif qtype == "essay":
        q["grader_info"] = answer or None
    return q


def _answer_cell(text: str) -> list[list[str]]:
    r"""'A1|A2/A2alt' → [['A1'], ['A2', 'A2alt']]. A backslash makes a following \ / | (or ／ ｜) literal."""
    blanks: list[list[str]] = [[]]
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ANSWER_SPECIAL:
            current.append(text[i + 1])
            i += 2
            continue
        if ch in "/／|｜":
            blanks[-1].append("".join(current).strip())
            current = []
            if ch in "|｜":
                blanks.append([])
        else:
            current.append(ch)
        i += 1
    blanks[-1].append("".join(current).strip())
    return [[alt for alt in alternatives if alt] for alternatives in blanks]


_ANSWER_SPECIAL = "\\/|／｜"


def _letters(answer: str, row: int) -> list[str]:
    text = unicodedata.normalize("NFKC", answer).upper()
    text = re.sub(r"[\s,，、;；]+", "", text)
    if not text or not re.fullmatch(r"[A-Z]+", text):
        raise FormatError(
            _("“%(answer)s” is not a list of option letters such as ABD.") % {"answer": answer}, row=row
        )
    letters = []
    for letter in text:
        if letter in letters:
            raise FormatError(_("The answer repeats option %(letter)s.") % {"letter": letter}, row=row)
        letters.append(letter)
    return letters


def _numerical(answer: str, row: int) -> dict:
    text = unicodedata.normalize("NFKC", answer).replace(" ", "")
    m = re.fullmatch(r"([-+]?[\d.]+(?:[eE][-+]?\d+)?)(?:(?:±|\+-|\+/-)([\d.]+(?:[eE][-+]?\d+)?))?", text)
    try:
        if not m:
            raise ValueError
        value = float(m.group(1))
        tolerance = float(m.group(2)) if m.group(2) else 0.0
    except ValueError:
        raise FormatError(
            _("“%(answer)s” is not a number such as 3.5 or 3.5±0.1.") % {"answer": answer}, row=row
        )
    return {"value": value, "tolerance": tolerance, "fraction": 1.0}


def _difficulty(text: str, row: int) -> int | None:
    if not text:
        return None
    if text in _DIFFICULTY_WORDS:
        return _DIFFICULTY_WORDS[text]
    try:
        value = float(unicodedata.normalize("NFKC", text))
    except ValueError:
        value = None
    if value is None or not value.is_integer() or not 1 <= value <= 5:
        raise FormatError(
            _("Difficulty must be a whole number from 1 to 5, not %(value)s.") % {"value": text}, row=row
        )
    return int(value)


def _points(text: str, row: int) -> float | None:
    if not text:
        return None
    try:
        value = float(unicodedata.normalize("NFKC", text))
    except ValueError:
        value = -1
    if not value >= 0 or value == float("inf"):
        raise FormatError(_("Points must be zero or more, not %(value)s.") % {"value": text}, row=row)
    return value


# --------------------------------------------------------------------------- reading files


def parse_xlsx(data: bytes) -> ParseResult:
    result = ParseResult()
    try:
        # data_only=False: a cell typed as "=绿色" (a matching distractor) reads as typed, not as its cached error.
        # Only the header's columns and at most MAX_ROWS rows below it are read, whatever size the sheet declares.
        rows = read_xlsx(
            data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, data_only=False, is_preamble=_is_preamble
        )
    except SheetTooLarge as exc:
        result.errors.append(_too_large(exc))
        return result
    except Exception as exc:  # openpyxl's InvalidFileException, zipfile.BadZipFile, KeyError, ValueError…
        result.errors.append(
            FormatError(
                _("The file is not a readable .xlsx workbook (%(reason)s).")
                % {"reason": exc.__class__.__name__}
            )
        )
        return result
    parse_rows(rows, result)
    return result


def _is_preamble(raw: list) -> bool:
    return _is_instruction([_cell(v) for v in raw])


def _too_large(exc: SheetTooLarge) -> FormatError:
    if exc.code == "too_many_rows":
        message = _("The sheet has more than %(max)s rows below the header; split it into several files.")
    elif exc.code == "too_many_columns":
        message = _("The header row has more than %(max)s columns.")
    else:
        message = _("The workbook unpacks to more than %(max)s MB.")
    return FormatError(message % {"max": exc.limit})


def parse_csv(data: bytes) -> ParseResult:
    result = ParseResult()
    try:
        text = decode_text(data)
    except FormatError as exc:
        result.errors.append(exc)
        return result
    header = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",\t;", key=header.count)  # Excel writes ";" in some locales and tabs for "Unicode text"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # Our own exports put an apostrophe before text that a spreadsheet would run as a formula; drop it again.
    numbered = ((number, [csv_unescape(cell) for cell in row]) for number, row in enumerate(reader, 1))
    try:
        rows = bounded_rows(numbered, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, is_preamble=_is_preamble)
    except csv.Error as exc:
        result.errors.append(
            FormatError(_("The CSV file is malformed (%(reason)s).") % {"reason": exc}, row=reader.line_num)
        )
        return result
    except SheetTooLarge as exc:
        result.errors.append(_too_large(exc))
        return result
    parse_rows(rows, result)
    return result


# --------------------------------------------------------------------------- writing


def _rows(questions: list[dict]) -> tuple[list[str], list[list]]:
    normalised = [normalise(q) for q in questions]
    headers = list(HEADERS)
    with_title = any(q["title"] for q in normalised)
    if with_title:
        headers.append("标题")
    rows = []
    for q in normalised:
        rows.append(_row(q, with_title))
    return headers, rows


def _escape_answer(text: str) -> str:
    return "".join("\\" + ch if ch in _ANSWER_SPECIAL else ch for ch in text)


def _row(q: dict, with_title: bool) -> list:
    options = [""] * len(LETTERS)
    answer = ""
    qtype = q["type"]
    if qtype == "cloze":
        raise error_for(
            q, _("The template cannot hold a Cloze question with embedded answers; use Moodle XML or JSON.")
        )
    if qtype in ("single_choice", "multiple_choice", "matching"):
        items = q["choices"] if qtype != "matching" else q["pairs"]
        if len(items) > len(LETTERS):
            raise error_for(q, _("The template has room for at most 8 options."))
    if qtype in ("single_choice", "multiple_choice"):
        choices = q["choices"]
        right = [i for i, c in enumerate(choices) if c["fraction"] > 0]
        if qtype == "single_choice":
            ok = len(right) == 1 and all(c["fraction"] in (0, 1) for c in choices)
        else:
            ok = all(c["fraction"] == 0 or abs(c["fraction"] - 1 / len(right)) < 1e-6 for c in choices)
        if not ok:
            raise error_for(q, _("The template cannot hold partial or negative option weights."))
        for i, c in enumerate(choices):
            options[i] = c["text"]
        answer = "".join(LETTERS[i] for i in right)
    elif qtype == "true_false":
        answer = "正确" if q["answer"] else "错误"
    elif qtype == "short_answer":
        blanks = q.get("blanks") or [q["answers"]]
        if any(a["fraction"] != 1 for alts in blanks for a in alts):
            raise error_for(q, _("The template cannot hold partly right fill-in answers."))
        answer = "|".join("/".join(_escape_answer(a["text"]) for a in alts) for alts in blanks)
    elif qtype == "numerical":
        answers = [a for a in q["answers"] if a["value"] is not None]
        if len(answers) != 1 or answers[0]["fraction"] != 1:
            raise error_for(
                q, _("The template holds exactly one numerical answer, and it must be fully right.")
            )
        a = answers[0]
        answer = format_number(a["value"]) + (f"±{format_number(a['tolerance'])}" if a["tolerance"] else "")
    elif qtype == "matching":
        for i, p in enumerate(q["pairs"]):
            if "=" in p["left"] or "＝" in p["left"]:
                raise error_for(q, _("A matching left-hand side cannot contain “=” in the template."))
            options[i] = f"{p['left']}={p['right']}"
    elif qtype == "essay":
        answer = q["grader_info"] or ""
    row = [
        _TYPE_OUT[qtype],
        q["stem"],
        *options,
        answer,
        q["explanation"] or "",
        q["difficulty"],
        q["category"] or "",
        q["points"],
        q["legal_basis"] or "",
        "，".join(q["tags"]),
    ]
    if with_title:
        row.append(q["title"] or "")
    return row


def dump_xlsx(questions: list[dict]) -> bytes:
    headers, rows = _rows(questions)
    return _workbook(headers, rows)


def xlsx_template() -> bytes:
    return _workbook(list(HEADERS), [])


def _workbook(headers: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook  # heavy
    from openpyxl.cell import WriteOnlyCell  # heavy
    from openpyxl.styles import Alignment, Font, PatternFill  # heavy
    from openpyxl.utils import get_column_letter  # heavy

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("试题")
    widths = {
        "题型": 8,
        "题干": 50,
        "答案": 12,
        "解析": 40,
        "难度": 6,
        "知识点": 20,
        "分值": 6,
        "法条依据": 30,
        "标签": 16,
        "标题": 20,
    }
    for index, header in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(header, 18)
    sheet.freeze_panes = "A3"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        header_cells.append(cell)
    sheet.append(header_cells)
    note = WriteOnlyCell(sheet, value=INSTRUCTION)
    note.font = Font(italic=True, color="808080")
    note.alignment = Alignment(wrap_text=False)
    sheet.append([note])
    for row in rows:
        cells = xlsx_row(sheet, row)  # every string a text cell: "=右项" is a distractor, not a formula
        for cell in cells:
            if cell.data_type == "s":
                cell.number_format = "@"  # text: keep "3.5±0.1", "ABD" and leading zeros as typed
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def dump_csv(questions: list[dict]) -> bytes:
    headers, rows = _rows(questions)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerow([INSTRUCTION])
    for row in rows:
        writer.writerow(
            [
                "" if v is None else format_number(v) if isinstance(v, float) else csv_value_reversible(v)
                for v in row
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")
