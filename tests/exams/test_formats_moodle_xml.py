"""Moodle XML: a file as Moodle exports it, Cloze fill-ins, malformed and hostile XML, round trips."""

from pathlib import Path

import pytest

from exams.formats import FormatError, dump, expressible, parse

DATA = Path(__file__).parent / "data" / "formats"


@pytest.fixture(scope="module")
def sample():
    result = parse((DATA / "moodle_export.xml").read_bytes(), filename="moodle_export.xml")
    assert result.errors == []
    return result


def by_title(result, title):
    return next(q for q in result.questions if q["title"] == title)


def test_reads_every_type_and_skips_description(sample):
    assert [q["type"] for q in sample.questions] == [
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "numerical",
        "matching",
        "essay",
        "short_answer",
    ]
    [warning] = sample.warnings
    assert warning.question == "说明"
    assert warning.line == 142


def test_multichoice_html_cdata_feedback_points_tags(sample):
    q = by_title(sample, "追责时效")
    assert q["stem_format"] == "html"
    assert q["stem"] == "<p>违法行为在<strong>几年内</strong>未被发现的，一般不再给予行政处罚？</p>"
    assert q["category"] == "默认/法律法规/行政处罚法"
    assert [c["text"] for c in q["choices"]] == ["一年", "二年", "五年 & 以上"]
    assert [c["fraction"] for c in q["choices"]] == [0.0, 1.0, 0.0]
    assert q["choices"][1]["feedback"] == "正确"
    assert q["explanation"].startswith("《行政处罚法》第三十六条")
    assert q["points"] == 2.0
    assert q["tags"] == ["行政处罚法", "时效"]


def test_multiple_choice_weights(sample):
    q = by_title(sample, "处罚种类")
    assert q["stem_format"] == "plain"
    assert [c["fraction"] for c in q["choices"]] == [0.3333333, 0.3333333, 0.3333334, -1.0]


def test_truefalse_feedback_belongs_to_the_pick(sample):
    q = by_title(sample, "听证期限")
    assert q["answer"] is False
    assert q["feedback"] == {"true": "错：应当在告知后五日内提出。", "false": "对。"}


def test_shortanswer_blank_is_normalised(sample):
    q = by_title(sample, "听证日数")
    assert q["stem"] == "当事人要求听证的，应当在行政机关告知后____日内提出。"
    assert [a["text"] for a in q["answers"]] == ["五", "5"]


def test_numerical_catch_all(sample):
    q = by_title(sample, "管理人员门槛")
    assert q["category"] == "默认/法律法规/安全生产法"
    assert q["answers"][1] == {
        "value": None,
        "tolerance": 0.0,
        "fraction": 0.0,
        "feedback": "见《安全生产法》第二十四条。",
    }


def test_matching_html_subquestions_and_distractor(sample):
    q = by_title(sample, "预警颜色")
    assert q["pairs"] == [
        {"left": "一级", "right": "红色"},
        {"left": "二级", "right": "橙色"},
        {"left": "四级", "right": "蓝色"},
        {"left": "", "right": "绿色"},
    ]


def test_essay_grader_info(sample):
    q = by_title(sample, "主要负责人职责")
    assert q["grader_info"].startswith("建立健全全员安全生产责任制")
    assert q["points"] == 10.0


def test_cloze_short_answers_become_blanks(sample):
    q = by_title(sample, "方针填空")
    assert q["stem"] == "安全生产工作坚持____、____、____的方针。"
    assert q["answers"] == []
    assert q["blanks"][2] == [
        {"text": "综合治理", "fraction": 1.0, "feedback": None},
        {"text": "治理", "fraction": 0.5, "feedback": None},
    ]


def test_untitled_question_round_trips_without_inventing_a_title():
    q = {
        "type": "true_false",
        "stem": "生产经营单位可以以任何形式与从业人员订立协议，免除其依法应承担的责任。",
        "answer": False,
    }
    out = dump([q], "moodle-xml")
    assert "<name>" in out.decode()
    assert parse(out, "moodle-xml").questions[0]["title"] is None


def test_round_trip(sample):
    again = parse(dump(sample.questions, "moodle-xml"), "moodle-xml")
    assert again.errors == []
    assert again.questions == sample.questions


def test_round_trip_keeps_legal_basis_and_difficulty():
    q = {
        "type": "short_answer",
        "stem": "坚持安全第一、____、综合治理的方针。",
        "legal_basis": "《安全生产法》第三条",
        "difficulty": 2,
        "points": 1.5,
        "answers": [{"text": "预防为主", "fraction": 1, "feedback": "对"}],
    }
    assert parse(dump([q], "moodle-xml"), "moodle-xml").questions == [expressible(q, "moodle-xml")]


def test_cloze_dump_needs_one_marker_per_blank():
    q = {
        "type": "short_answer",
        "stem": "坚持____的方针",
        "answers": [],
        "blanks": [[{"text": "安全第一", "fraction": 1}], [{"text": "预防为主", "fraction": 1}]],
    }
    with pytest.raises(FormatError) as exc:
        dump([q], "moodle-xml")
    assert exc.value.question == "坚持____的方针"


def _quiz(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}\n</quiz>\n'.encode()


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        (
            '<question type="multichoice">\n<name><text>a</text></name>\n<questiontext><text>题</text>\n</question>',
            6,
            "well-formed",
        ),
        (
            '<question type="calculated">\n<name><text>算</text></name>\n'
            "<questiontext><text>题</text></questiontext></question>",
            3,
            "Unknown question type",
        ),
        (
            '<question type="multichoice"><name><text>坏</text></name><questiontext><text>题</text></questiontext>\n'
            '<answer fraction="abc"><text>甲</text></answer>\n<answer fraction="0"><text>乙</text></answer></question>',
            4,
            "valid weight",
        ),
        (
            '<question type="truefalse"><name><text>tf</text></name><questiontext><text>题</text></questiontext>\n'
            '<answer fraction="0"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
            "</question>",
            3,
            "no answer",
        ),
        (
            '\n\n<question type="multianswer"><name><text>cz</text></name>\n'
            "<questiontext><text>{1:MULTICHOICE:=甲}</text></questiontext></question>",
            5,
            "two options",
        ),
        (
            '<question type="numerical"><name><text>n</text></name><questiontext><text>题</text></questiontext>\n'
            '<answer fraction="100"><text>一百</text></answer></question>',
            4,
            "not a number",
        ),
    ],
)
def test_malformed_xml_names_line_and_question(body, line, needle):
    result = parse(_quiz(body), "moodle-xml")
    assert result.errors
    assert result.errors[0].line == line
    assert needle.lower() in result.errors[0].message.lower()


def test_error_names_the_question():
    body = (
        '<question type="multichoice"><name><text>无正确项</text></name><questiontext><text>题</text>'
        '</questiontext><answer fraction="0"><text>甲</text></answer><answer fraction="0"><text>乙</text>'
        "</answer></question>"
    )
    [error] = parse(_quiz(body), "moodle-xml").errors
    assert error.question == "无正确项"


def test_entities_and_dtd_are_refused():
    evil = (
        b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b'<quiz><question type="essay"><name><text>&xxe;</text></name></question></quiz>'
    )
    result = parse(evil, "moodle-xml")
    assert result.questions == []
    assert "DTD" in result.errors[0].message


def test_root_must_be_quiz():
    assert "<quiz>" in parse(b"<questions/>", "moodle-xml").errors[0].message
