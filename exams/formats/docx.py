"""Word (.docx) question banks in the layout Chinese exam platforms use. Read only (python-docx).

    一、单选题                     ← a 题型 heading (单选题/多选题/判断题/填空题/简答题) sets the type of what follows
    1. 生产经营单位的主要负责人是本单位安全生产的（ ）。
    A. 第一责任人   B. 直接责任人   ← options A–H, one per paragraph or several in one
    答案：A                        ← 答案/解析/难度, full- or half-width colon
    解析：《安全生产法》第五条。
    难度：2                        ← 1–5, or 易/中/难

Questions are numbered ("1." "1、" "（1）"); answers: letters for choices ("ABD", "A、B、D"), 正确/错误, 对/错, √/×
for true/false, texts for blanks ("；" between blanks, "/" between alternatives), the reference answer for 简答题.
Without a heading the type is inferred (options → single or multiple by the answer's letters; 正确/错误 → true
or false; a blank in the stem → fill-in; otherwise 简答题). Pictures in a stem or an option are kept (as in Moodle
XML: the question's files, shown in its stem; an option's picture is shown in the stem after the option's
letter). Every error names its paragraph number.

The file is untrusted: its size is capped before reading (MAX_IMPORT_BYTES), the archive's entries and
uncompressed size are checked before python-docx opens it, and paragraphs and pictures are counted.
"""

from __future__ import annotations

import base64
import html
import io
import re
import zipfile

import docx as python_docx  # python-docx (this module is exams.formats.docx)
from django.utils.translation import gettext as _

from .base import BLANK_RE, FormatError, ParseResult, clean, count_blanks, normalise

MAX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_PARAGRAPHS = 20000
MAX_IMAGES = 300
LETTERS = "ABCDEFGH"

_TYPES = {
    "单选": "single_choice",
    "单项选择": "single_choice",
    "多选": "multiple_choice",
    "多项选择": "multiple_choice",
    "不定项": "multiple_choice",
    "判断": "true_false",
    "填空": "short_answer",
    "简答": "essay",
    "问答": "essay",
    "论述": "essay",
}
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|第[一二三四五六七八九十\d]+部分)?\s*[（(]?\s*"
    r"(单项选择|单选|多项选择|多选|不定项|判断|填空|简答|问答|论述)题?\s*[)）]?\s*(?:[（(][^)）]*[)）])?\s*[:：]?$"
)
_NUMBER = re.compile(r"^(?:\d{1,4}\s*[.．、)）]|[（(]\d{1,4}[)）])\s*(.*)$", re.S)
_OPTION = re.compile(r"^([A-Ha-h])\s*[.．、)）:：]\s*(.*)$", re.S)
_OPTION_SPLIT = re.compile(r"\s+(?=[A-H]\s*[.．、)）])")
_FIELD = re.compile(r"^(答案|正确答案|参考答案|解析|答案解析|难度)\s*[:：]\s*(.*)$", re.S)
_TRUE = {"正确", "对", "√", "✓", "✔", "T", "TRUE", "是", "Y"}
_FALSE = {"错误", "错", "×", "✗", "✘", "X", "F", "FALSE", "否", "N"}
_DIFFICULTY = {
    "易": 2,
    "容易": 2,
    "简单": 2,
    "较易": 2,
    "中": 3,
    "中等": 3,
    "一般": 3,
    "较难": 4,
    "难": 4,
    "困难": 5,
}
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def _guard(data: bytes) -> FormatError | None:
    """Refuse a document whose archive would unpack to too much before python-docx reads it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return FormatError(_("The file is not a Word document (.docx)."))
    if len(infos) > MAX_ENTRIES:
        return FormatError(_("The Word document has too many parts (%(n)s).") % {"n": len(infos)})
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        return FormatError(
            _("The Word document unpacks to more than %(max)s MB.")
            % {"max": MAX_UNCOMPRESSED // (1024 * 1024)}
        )
    if "word/document.xml" not in {i.filename for i in infos}:
        return FormatError(_("The file is not a Word document (.docx)."))
    if any(i.filename.lower().endswith("vbaproject.bin") for i in infos):
        return FormatError(_("The Word document contains macros; save it as a .docx without macros."))
    return None


def _norm(text: str) -> str:
    """Full-width letters, digits and spaces as half-width; the usual punctuation is left to the patterns."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A or 0xFF10 <= code <= 0xFF19:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000" or ch == "\xa0":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out).strip()


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _Doc:
    def __init__(self, document):
        self.document = document
        self.images = 0
        self.formats = self._numbering_formats()

    def _numbering_formats(self) -> dict:
        """{(numId, ilvl): numFmt} of Word's automatic numbering (decimal, upperLetter, …)."""
        try:
            numbering = self.document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return {}
        abstract = {}
        for node in numbering.iter(f"{_W}abstractNum"):
            levels = {}
            for lvl in node.iter(f"{_W}lvl"):
                fmt = lvl.find(f"{_W}numFmt")
                levels[lvl.get(f"{_W}ilvl")] = fmt.get(f"{_W}val") if fmt is not None else None
            abstract[node.get(f"{_W}abstractNumId")] = levels
        out = {}
        for num in numbering.iter(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            levels = abstract.get(ref.get(f"{_W}val")) if ref is not None else None
            for ilvl, fmt in (levels or {}).items():
                out[(num.get(f"{_W}numId"), ilvl)] = fmt
        return out

    def auto_number(self, p) -> str | None:
        """ "question" or "option" when Word numbers the paragraph itself (the number is not in its text)."""
        ppr = p._p.pPr
        num = ppr.numPr if ppr is not None else None
        if num is None and p.style is not None:  # numbering that comes with the paragraph's style
            style_ppr = p.style.element.pPr
            num = style_ppr.numPr if style_ppr is not None else None
        if num is None or num.numId is None:
            return None
        ilvl = str(num.ilvl.val) if num.ilvl is not None else "0"
        fmt = self.formats.get((str(num.numId.val), ilvl))
        if fmt in ("upperLetter", "lowerLetter"):
            return "option"
        return "question" if fmt not in (None, "bullet", "none") else None

    def paragraph(self, p) -> tuple[str, list[tuple[str, bytes]]]:
        """The paragraph's text and its pictures [(name, bytes)]."""
        pictures = []
        for blip in p._p.iter(_BLIP):
            rid = blip.get(_EMBED)
            part = self.document.part.related_parts.get(rid) if rid else None
            if part is None:
                continue
            self.images += 1
            if self.images > MAX_IMAGES:
                raise FormatError(
                    _("The Word document holds more than %(max)s pictures.") % {"max": MAX_IMAGES}
                )
            ext = (part.partname.ext or "png").lower()
            pictures.append((f"image{self.images}.{ext}", part.blob))
        return _norm(p.text), pictures


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    refused = _guard(data)
    if refused:
        result.errors.append(refused)
        return result
    try:
        document = python_docx.Document(io.BytesIO(data))
    except Exception as exc:  # a damaged package can raise nearly anything inside python-docx/lxml
        result.errors.append(
            FormatError(_("The Word document cannot be read (%(reason)s).") % {"reason": exc})
        )
        return result
    paragraphs = document.paragraphs
    if len(paragraphs) > MAX_PARAGRAPHS:
        result.errors.append(
            FormatError(_("The Word document has more than %(max)s paragraphs.") % {"max": MAX_PARAGRAPHS})
        )
        return result
    reader = _Doc(document)
    section_type = None
    current = None
    last_field = None

    def finish():
        if current is not None:
            _finish(current, result)

    try:
        for number, p in enumerate(paragraphs, 1):
            text, pictures = reader.paragraph(p)
            if not text and not pictures:
                continue
            auto = reader.auto_number(p)
            if auto == "question" and not _HEADING.match(text) and not _FIELD.match(text):
                text = f"0. {text}"  # Word writes the number itself: read it as a numbered question
            elif auto == "option" and current is not None and not _OPTION.match(text):
                text = f"{LETTERS[min(len(current['options']), len(LETTERS) - 1)]}. {text}"
            heading = _HEADING.match(text)
            if heading:
                finish()
                current, last_field = None, None
                section_type = next(v for k, v in _TYPES.items() if heading.group(1).startswith(k))
                continue
            field = _FIELD.match(text)
            if field and current is not None:
                name = field.group(1)
                key = "explanation" if "解析" in name else "difficulty" if name == "难度" else "answer"
                current[key] = (field.group(2).strip(), number)
                last_field = key
                current["pictures"] += [(None, n, b) for n, b in pictures]
                continue
            numbered = _NUMBER.match(text)
            if numbered and (current is None or "answer" in current or not _OPTION.match(text)):
                finish()
                current = {
                    "type": section_type,
                    "paragraph": number,
                    "stem": [numbered.group(1).strip()],
                    "options": [],
                    "pictures": [(None, n, b) for n, b in pictures],
                }
                last_field = "stem"
                continue
            if (
                current is None
            ):  # a title, instructions, "（每题 1 分）" under a heading: reported, not imported
                if text:
                    result.warnings.append(
                        FormatError(
                            _(
                                "Skipped: this text belongs to no question (a question starts with its number)."
                            ),
                            paragraph=number,
                        )
                    )
                continue
            option = _OPTION.match(text)
            if option and last_field in ("stem", "option"):
                for piece in _OPTION_SPLIT.split(text):
                    m = _OPTION.match(piece.strip())
                    if not m:
                        continue
                    letter = m.group(1).upper()
                    current["options"].append((letter, m.group(2).strip(), number))
                    current["pictures"] += [(letter, n, b) for n, b in pictures]
                    pictures = []
                last_field = "option"
                continue
            # a continuation of the last thing read
            if last_field == "stem":
                current["stem"].append(text)
            elif last_field == "option" and current["options"]:
                letter, prior, where = current["options"][-1]
                current["options"][-1] = (letter, f"{prior}\n{text}".strip(), where)
            elif last_field in ("explanation", "answer"):
                value, where = current[last_field]
                current[last_field] = (f"{value}\n{text}".strip(), where)
            current["pictures"] += [
                ((current["options"][-1][0] if last_field == "option" and current["options"] else None), n, b)
                for n, b in pictures
            ]
    except FormatError as exc:  # a cap: nothing of the document is kept
        result.questions.clear()
        result.origins.clear()
        result.errors.append(exc)
        return result
    finish()
    return result


def _letters(answer: str) -> list[str]:
    return [ch for ch in answer.upper() if ch in LETTERS]


def _finish(q: dict, result: ParseResult) -> None:
    where = q["paragraph"]

    def error(message, at=None):
        result.errors.append(FormatError(message, paragraph=at or where, question="".join(q["stem"])[:30]))

    if "answer" not in q:
        error(_("The question has no “答案：” line."))
        return
    answer, answer_at = q["answer"]
    options = q["options"]
    letters_seen = [letter for letter, _t, _w in options]
    qtype = q["type"]
    upper = answer.strip().upper().rstrip("。.")
    if qtype is None:
        if options:
            qtype = "multiple_choice" if len(_letters(answer)) > 1 else "single_choice"
        elif upper in _TRUE or upper in _FALSE:
            qtype = "true_false"
        elif count_blanks("\n".join(q["stem"])):
            qtype = "short_answer"
        else:
            qtype = "essay"
    stem = "\n".join(s for s in q["stem"] if s)
    out: dict = {"type": qtype, "stem": stem}
    if qtype in ("single_choice", "multiple_choice"):
        if len(set(letters_seen)) != len(letters_seen) or letters_seen != list(LETTERS[: len(letters_seen)]):
            error(
                _("The options must be lettered A, B, C… in order, each once."),
                options[0][2] if options else None,
            )
            return
        right = _letters(answer)
        written = re.sub(r"[\s、,，;；/]", "", answer.upper())
        if not right or any(ch not in letters_seen for ch in written):
            error(
                _("The answer “%(answer)s” must name options among %(letters)s.")
                % {"answer": answer, "letters": "".join(letters_seen) or "—"},
                answer_at,
            )
            return
        if qtype == "single_choice" and len(set(right)) != 1:
            error(
                _("A single-choice question has exactly one right option, not “%(answer)s”.")
                % {"answer": answer},
                answer_at,
            )
            return
        share = 1 / len(set(right))
        out["choices"] = [
            {
                "text": text or _("(see picture)"),
                "fraction": share if letter in right else 0.0,
                "feedback": None,
            }
            for letter, text, _w in options
        ]
    elif qtype == "true_false":
        if upper not in _TRUE and upper not in _FALSE:
            error(
                _("A true/false answer must be 正确/错误, 对/错 or √/×, not “%(answer)s”.")
                % {"answer": answer},
                answer_at,
            )
            return
        out["answer"] = upper in _TRUE
    elif qtype == "short_answer":
        per_blank = [b for b in re.split(r"[;；|｜]", answer) if b.strip()]
        alternatives = [
            [{"text": t.strip(), "fraction": 1.0} for t in re.split(r"[/／]", b) if t.strip()]
            for b in per_blank
        ]
        blanks = count_blanks(stem)
        if blanks > 1:
            if len(alternatives) != blanks:
                error(
                    _(
                        "The stem has %(blanks)s blanks but the answer gives %(answers)s (separate them with “；”)."
                    )
                    % {"blanks": blanks, "answers": len(alternatives)},
                    answer_at,
                )
                return
            out["blanks"] = alternatives
            out["answers"] = []
        else:
            out["answers"] = [a for alts in alternatives for a in alts]
    else:
        out["type"] = "essay"
        out["grader_info"] = answer or None
    if "explanation" in q:
        out["explanation"] = clean(q["explanation"][0])
    if "difficulty" in q:
        raw, at = q["difficulty"]
        raw = raw.strip()
        value = _DIFFICULTY.get(raw) or (int(raw) if raw.isdigit() else None)
        if value is None or not 1 <= value <= 5:
            error(_("The difficulty must be 1–5 or 易/中/难, not “%(value)s”.") % {"value": raw}, at)
            return
        out["difficulty"] = value
    if q["pictures"]:
        _with_pictures(out, q["pictures"])
    result.add(normalise(out), paragraph=where)


def _with_pictures(out: dict, pictures: list) -> None:
    """Pictures become the question's files, shown in an HTML stem (an option's picture after its letter)."""
    stem = out["stem"]
    if out["type"] in ("short_answer",):
        stem = BLANK_RE.sub("____", stem)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in stem.split("\n") if line)
    files = []
    for letter, name, blob in pictures:
        ref = f"@@PLUGINFILE@@/{name}"
        label = f"{html.escape(letter)}. " if letter else ""
        body += f'<p>{label}<img src="{ref}" alt="{html.escape(name)}"></p>'
        files.append({"name": name, "content": base64.b64encode(blob).decode("ascii"), "ref": None})
    out["stem"], out["stem_format"], out["files"] = body, "html", files


def template() -> bytes:
    """The blank Word template offered beside the xlsx one: the layout above with one question of each type."""
    document = python_docx.Document()
    document.add_heading(_("Question bank template (题库导入模板)"), level=1)
    document.add_paragraph(
        _(
            "Number each question; options A–H; then 答案：, optionally 解析： and 难度：(1–5). Headings such as "
            "“一、单选题” set the type of the questions after them. Delete these instructions and the samples."
        )
    )
    for line in (
        "一、单选题",
        "1. 生产经营单位的主要负责人是本单位安全生产的（ ）。",
        "A. 第一责任人",
        "B. 直接责任人",
        "C. 监督责任人",
        "D. 间接责任人",
        "答案：A",
        "解析：《中华人民共和国安全生产法》（2021年修正）第五条：生产经营单位的主要负责人是本单位安全生产第一责任人。",
        "难度：1",
        "二、多选题",
        "2. 生产经营单位的从业人员有权（ ）。",
        "A. 了解其作业场所和工作岗位存在的危险因素",
        "B. 对本单位的安全生产工作提出建议",
        "C. 拒绝违章指挥和强令冒险作业",
        "D. 擅自拆除安全防护设施",
        "答案：ABC",
        "解析：《安全生产法》第五十三条、第五十四条。",
        "三、判断题",
        "3. 从业人员发现直接危及人身安全的紧急情况时，有权停止作业或者在采取可能的应急措施后撤离作业场所。",
        "答案：正确",
        "解析：《安全生产法》第五十五条。",
        "四、填空题",
        "4. 安全生产工作坚持（ ）、预防为主、（ ）的方针。",
        "答案：安全第一；综合治理",
        "解析：《安全生产法》第三条。",
        "五、简答题",
        "5. 简述生产经营单位主要负责人的安全生产职责（至少三项）。",
        "答案：建立健全并落实全员安全生产责任制；组织制定并实施安全生产规章制度和操作规程；组织制定并实施安全生产教育和培训计划……",
        "解析：《安全生产法》第二十一条。",
    ):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
