"""The exams.formats API: detection, JSON, errors, duplicate stems, and import → export → import for every format."""

import json
import random
from pathlib import Path

import pytest
from django.utils import translation

from exams.formats import (
    FORMATS,
    FormatError,
    ParseResult,
    detect_format,
    dump,
    expressible,
    find_duplicate_stems,
    normalise,
    parse,
    stem_key,
    validate_question,
    xlsx_template,
)

DATA = Path(__file__).parent / "data" / "formats"
BANK = json.loads((DATA / "bank.json").read_text(encoding="utf-8"))


def test_formats_tuple():
    assert FORMATS == ("xlsx", "csv", "gift", "moodle-xml", "aiken", "json")


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("题库.XLSX", b"", "xlsx"),
        ("bank.csv", b"", "csv"),
        ("bank.gift", b"", "gift"),
        ("bank.xml", b"", "moodle-xml"),
        ("bank.json", b"", "json"),
        ("upload", xlsx_template(), "xlsx"),
        ("a.txt", (DATA / "anquan.gift").read_bytes(), "gift"),
        ("a.txt", (DATA / "aiken.txt").read_bytes(), "aiken"),
        ("a.txt", "题目{T}".encode("gb18030"), "gift"),
        ("", (DATA / "moodle_export.xml").read_bytes(), "moodle-xml"),
        ("", b'\xef\xbb\xbf{"bank": "X", "questions": []}', "json"),
        ("", "题型,题干,答案\n判断,题,对\n".encode(), "csv"),
    ],
)
def test_detect_format(filename, data, expected):
    assert detect_format(filename, data) == expected


def test_detect_format_gives_up_clearly():
    with pytest.raises(FormatError):
        detect_format("notes.txt", "只是一段文字。".encode())
    result = parse("只是一段文字。".encode(), filename="notes.txt")
    assert result.errors and result.questions == []


def test_unknown_format():
    assert parse(b"x", "docx").errors
    with pytest.raises(FormatError):
        dump([], "docx")


def test_json_export_matches_the_contract():
    out = json.loads(dump(BANK["questions"], "json", bank_code="MUST-KNOW"))
    assert list(out) == ["bank", "questions"]
    assert out["bank"] == "MUST-KNOW"
    for q in out["questions"]:
        for key in ("type", "title", "stem", "category", "explanation", "tags"):
            assert key in q
    single, multiple, tf, blanks, short, numerical, matching, essay = out["questions"]
    assert single["choices"][0] == {
        "text": "主要负责人",
        "fraction": 1.0,
        "feedback": "正确：主要负责人是第一责任人。",
    }
    assert tf["answer"] is True
    assert short["answers"][0] == {"text": "五", "fraction": 1.0, "feedback": None}
    assert numerical["answers"][0] == {"value": 100.0, "tolerance": 0.0, "fraction": 1.0, "feedback": None}
    assert matching["pairs"][4] == {"left": "", "right": "绿色"}
    assert blanks["answers"] == [] and len(blanks["blanks"]) == 3
    assert essay["type"] == "essay"


def test_json_round_trip_is_exact():
    result = parse((DATA / "bank.json").read_bytes(), filename="bank.json")
    assert result.errors == []
    assert result.questions == [normalise(q) for q in BANK["questions"]]
    assert parse(dump(result.questions, "json"), "json").questions == result.questions


def test_json_errors():
    assert parse(b'{"bank": "X", "questions": [\n{"type": ', "json").errors[0].line == 2
    result = parse(json.dumps({"questions": [{"type": "riddle", "stem": "?"}, 5]}).encode(), "json")
    assert len(result.errors) == 2
    assert "riddle" in result.errors[0].message


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "gift", "moodle-xml"])
def test_json_to_each_format_and_back(fmt):
    questions = [normalise(q) for q in BANK["questions"]]
    if fmt == "gift":
        questions = [q for q in questions if not q.get("blanks")]
    back = parse(dump(questions, fmt), fmt)
    assert back.errors == []
    assert back.questions == [expressible(q, fmt) for q in questions]
    # and the re-imported questions export to the same JSON again
    assert parse(dump(back.questions, "json"), "json").questions == back.questions


def test_format_error_str_names_line_row_or_question():
    with translation.override("en"):
        assert str(FormatError("Bad weight.", line=12)) == "Line 12: Bad weight."
        assert str(FormatError("Bad answer.", row=5)) == "Row 5: Bad answer."
        assert str(FormatError("Cannot.", question="第一责任人")) == "Question “第一责任人”: Cannot."
        assert str(FormatError("Plain.")) == "Plain."
    error = FormatError("x", line=3)
    assert isinstance(error, Exception) and error.line == 3


def test_parse_result_error_at_and_in_file_duplicate_warning():
    text = "生产经营单位的主要负责人是本单位安全生产第一责任人。{T}\n\n生产经营单位的主要负责人，是本单位安全生产第一责任人{T}"
    result = parse(text.encode(), "gift")
    assert isinstance(result, ParseResult) and result.ok
    [warning] = result.warnings
    assert warning.line == 3
    assert "line 1" in warning.message
    error = result.error_at(0, "重复")
    assert (error.line, error.message) == (1, "重复")


def test_find_duplicate_stems_ignores_whitespace_punctuation_width_and_case():
    questions = [
        {"stem": "生产经营单位的主要负责人是本单位安全生产第一责任人。"},
        {"stem": "违法行为在二年内未被发现的，不再给予行政处罚。"},
        {"stem": " 生产经营单位的主要负责人，是本单位 安全生产第一责任人！"},
        {"stem": "<p>违法行为在二年内未被发现的 不再给予行政处罚</p>", "stem_format": "html"},
        {"stem": "ＡＢＣ安全 (  )"},
        {"stem": "abc安全____"},
        {"stem": "完全不同的题目"},
    ]
    assert find_duplicate_stems(questions) == [(0, 2), (1, 3), (4, 5)]
    assert stem_key("Ａ, b") == stem_key("a b")


def test_normalise_fills_defaults_and_folds_general_feedback():
    q = normalise({"type": "true_false", "stem": " 题 ", "answer": 1, "general_feedback": "通用反馈"})
    assert q == {
        "type": "true_false",
        "title": None,
        "stem": "题",
        "stem_format": "plain",
        "category": None,
        "explanation": "通用反馈",
        "legal_basis": None,
        "difficulty": None,
        "points": None,
        "tags": [],
        "answer": True,
        "feedback": {"true": None, "false": None},
    }


# --------------------------------------------------------------------------- property: import → export → import

_ALPHABET = list(
    "安全生产法主要负责人隐患排查应急预案abcXYZ0123456789 ,.;:!?~=#{}[]()<>&\"'\\/|%-_\n，。、；：？！“”（）＝／｜"
)
# whole tokens that look like syntax in one format or another
_ALPHABET += [
    "//",
    "->",
    "[html]",
    "::",
    "$CATEGORY:",
    "ANSWER: A",
    "\nA. ",
    "\t",
    "]]>",
    "&amp;",
    "\\n",
    "说明",
]


def _text(rng, min_len=1, max_len=12, alphabet=_ALPHABET):
    while True:
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(min_len, max_len))).strip()
        if text and "____" not in text:
            return text


def _random_question(rng):
    qtype = rng.choice(
        [
            "single_choice",
            "multiple_choice",
            "true_false",
            "short_answer",
            "short_answer",
            "numerical",
            "matching",
            "essay",
        ]
    )
    q = {
        "type": qtype,
        "title": _text(rng) if rng.random() < 0.3 else None,
        "stem": _text(rng, 4, 40),
        "category": rng.choice([None, "法律法规/安全生产法", "执法程序", "隐患排查/重大隐患"]),
        "explanation": _text(rng, 1, 30) if rng.random() < 0.5 else None,
        "legal_basis": rng.choice([None, "《安全生产法》第五条", "《行政处罚法》第三十六条"]),
        "difficulty": rng.choice([None, 1, 3, 5]),
        "points": rng.choice([None, 1.0, 2.5, 10.0]),
        "tags": rng.sample(["安全生产法", "执法", "危化品", "消防"], rng.randint(0, 2)),
    }
    if qtype in ("single_choice", "multiple_choice"):
        n = rng.randint(2, 6)
        texts = list(dict.fromkeys(_text(rng) for _ in range(n)))
        while len(texts) < 2:
            texts.append(_text(rng) + str(len(texts)))
        right = rng.sample(range(len(texts)), 1 if qtype == "single_choice" else rng.randint(1, len(texts)))
        q["choices"] = [
            {
                "text": t,
                "fraction": (1 / len(right)) if i in right else 0.0,
                "feedback": _text(rng) if rng.random() < 0.3 else None,
            }
            for i, t in enumerate(texts)
        ]
    elif qtype == "true_false":
        q["answer"] = rng.random() < 0.5
        q["feedback"] = {"true": rng.choice([None, "对的"]), "false": rng.choice([None, "错的"])}
    elif qtype == "short_answer":
        if rng.random() < 0.4:
            n = rng.randint(2, 3)
            q["stem"] = "____".join(_text(rng, 2, 8) for _ in range(n)) + "____"
            q["answers"] = []
            q["blanks"] = [
                [{"text": _text(rng), "fraction": 1.0} for _ in range(rng.randint(1, 2))] for _ in range(n)
            ]
        else:
            q["answers"] = [{"text": _text(rng), "fraction": 1.0} for _ in range(rng.randint(1, 3))]
    elif qtype == "numerical":
        q["answers"] = [
            {
                "value": rng.choice([100, 2.5, -3, 0.001, 35]),
                "tolerance": rng.choice([0, 0.5, 2]),
                "fraction": 1.0,
            }
        ]
    elif qtype == "matching":
        q["pairs"] = [{"left": _text(rng) + str(i), "right": _text(rng)} for i in range(rng.randint(2, 4))]
        if rng.random() < 0.5:
            q["pairs"].append({"left": "", "right": _text(rng)})
    return q


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fmt", FORMATS)
def test_import_export_import_gives_the_same_questions(fmt, seed):
    rng = random.Random(f"formats-{fmt}-{seed}")
    questions = [normalise(_random_question(rng)) for _ in range(120 if fmt != "aiken" else 600)]
    if fmt == "aiken":
        questions = [q for q in questions if q["type"] == "single_choice"]
    kept = []
    for q in questions:
        try:
            dump([q], fmt)
        except FormatError:
            continue
        kept.append(q)
    # Aiken refuses stems with option-like lines and multi-line options, which the generator makes often
    assert len(kept) >= len(questions) * (0.3 if fmt == "aiken" else 0.6), (
        f"{fmt} refused too many: {len(kept)}/{len(questions)}"
    )
    first = parse(dump(kept, fmt), fmt)
    assert first.errors == []
    assert first.questions == [expressible(q, fmt) for q in kept]
    second = parse(dump(first.questions, fmt), fmt)
    assert second.questions == first.questions


def test_large_xlsx_parses_every_question():
    """How fast is measured by bench/formats_bench.py, not here."""
    rng = random.Random(7)
    questions = [normalise(_random_question(rng)) for _ in range(400)]
    ok = []
    for q in questions:
        try:
            dump([q], "xlsx")
            ok.append(q)
        except FormatError:
            pass
    data = dump(ok * 3, "xlsx")
    result = parse(data, "xlsx")
    assert result.errors == [] and len(result.questions) == len(ok) * 3


def test_validate_question_accepts_raw_form_data():
    assert (
        validate_question(
            {
                "type": "single_choice",
                "stem": "题",
                "choices": [{"text": "甲", "fraction": "1"}, {"text": "乙"}],
            }
        )
        == []
    )
    assert validate_question(
        {"type": "single_choice", "stem": "题", "choices": [{"text": "甲"}, {"text": "乙"}]}
    )
    assert validate_question({"type": "numerical", "stem": "题", "answers": [{"value": "abc"}]})
    assert validate_question({"type": "essay", "stem": "题", "tags": 5})
    assert validate_question({"type": "riddle", "stem": "题"})
