"""Aiken: single choice with "A." / "A)" options and "ANSWER:", errors with line numbers, round trips."""

from pathlib import Path

import pytest

from exams.formats import FormatError, dump, expressible, parse

DATA = Path(__file__).parent / "data" / "formats"


def test_reads_both_option_styles_and_questions_without_blank_lines():
    result = parse((DATA / "aiken.txt").read_bytes(), filename="aiken.txt")
    assert result.errors == []
    assert [q["stem"] for q in result.questions] == [
        "根据《安全生产法》，生产经营单位的哪一类人员是本单位安全生产第一责任人？",
        "违法行为在几年内未被发现的，一般不再给予行政处罚？",
        "当事人要求听证的，应当在行政机关告知后几日内提出？",
    ]
    second = result.questions[1]
    assert second["type"] == "single_choice"
    assert [c["text"] for c in second["choices"]] == ["一年", "二年", "三年", "五年"]
    assert [c["fraction"] for c in second["choices"]] == [0.0, 1.0, 0.0, 0.0]
    assert [o["line"] for o in result.origins] == [1, 8, 14]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("题一？\nA. 甲\nB. 乙\n\n题二？\nA. 甲\nB. 乙\nANSWER: A\n", 1, "ANSWER"),
        ("题一？\nA. 甲\nB. 乙\n", 1, "ANSWER"),
        ("题一？\nA. 甲\nB. 乙\nC. 丙\nANSWER: E\n", 5, "not one of the options"),
        ("题一？\nA. 甲\nB. 乙\nANSWER: AB\n", 4, "one option letter"),
        ("题一？\nA. 甲\nANSWER: A\n", 1, "at least two"),
        ("题一？\nA. 甲\nC. 乙\nANSWER: A\n", 3, "where option B"),
        ("\n\nANSWER: A\n", 3, "without a question"),
    ],
)
def test_malformed_aiken_names_the_line(text, line, needle):
    result = parse(text.encode(), "aiken")
    assert result.errors
    assert result.errors[0].line == line
    assert needle.lower() in result.errors[0].message.lower()


def test_round_trip_keeps_what_aiken_holds():
    source = parse((DATA / "aiken.txt").read_bytes(), "aiken").questions
    again = parse(dump(source, "aiken"), "aiken")
    assert again.questions == source
    q = {
        "type": "single_choice",
        "title": "第一责任人",
        "stem": "第一责任人是？",
        "category": "法律法规",
        "explanation": "第五条",
        "tags": ["x"],
        "choices": [
            {"text": "主要负责人", "fraction": 1, "feedback": "对"},
            {"text": "从业人员", "fraction": 0},
        ],
    }
    assert parse(dump([q], "aiken"), "aiken").questions == [expressible(q, "aiken")]


@pytest.mark.parametrize(
    "question",
    [
        {"type": "true_false", "stem": "判断题", "answer": True},
        {
            "type": "multiple_choice",
            "stem": "多选题",
            "choices": [{"text": "甲", "fraction": 0.5}, {"text": "乙", "fraction": 0.5}],
        },
        {
            "type": "single_choice",
            "stem": "部分分",
            "choices": [{"text": "甲", "fraction": 1}, {"text": "乙", "fraction": 0.5}],
        },
        {
            "type": "single_choice",
            "stem": "题干\nA. 像选项",
            "choices": [{"text": "甲", "fraction": 1}, {"text": "乙", "fraction": 0}],
        },
    ],
)
def test_dump_refuses_what_aiken_cannot_hold(question):
    with pytest.raises(FormatError) as exc:
        dump([question], "aiken")
    assert exc.value.question == question["stem"].split("\n")[0] or exc.value.question.startswith("题干")
