"""GIFT: every question type, Moodle's syntax corners, malformed files with line numbers, round trips."""

from pathlib import Path

import pytest

from exams.formats import FormatError, dump, expressible, parse

DATA = Path(__file__).parent / "data" / "formats"


@pytest.fixture(scope="module")
def sample():
    result = parse((DATA / "anquan.gift").read_bytes(), filename="anquan.gift")
    assert result.errors == []
    return result


def by_title(result, title):
    return next(q for q in result.questions if q["title"] == title)


def test_reads_every_question_and_skips_the_description(sample):
    assert [q["type"] for q in sample.questions] == [
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "numerical",
        "numerical",
        "numerical",
        "matching",
        "essay",
        "true_false",
        "single_choice",
    ]
    [warning] = sample.warnings
    assert warning.line == 52


def test_single_choice_missing_word_with_feedback_category_and_tags(sample):
    q = by_title(sample, "第一责任人")
    assert q["stem"] == "根据《安全生产法》，生产经营单位的____是本单位安全生产第一责任人。"
    assert q["category"] == "法律法规/安全生产法"
    assert q["tags"] == ["安全生产法", "主体责任"]
    assert q["choices"] == [
        {"text": "主要负责人", "fraction": 1.0, "feedback": "正确：主要负责人是本单位安全生产第一责任人。"},
        {
            "text": "分管安全的副职",
            "fraction": 0.0,
            "feedback": "错误：其他负责人对职责范围内的安全生产工作负责。",
        },
        {"text": "安全生产管理人员", "fraction": 0.0, "feedback": None},
    ]
    assert sample.origins[0] == {"line": 8, "row": None}


def test_multiple_choice_weights_and_general_feedback(sample):
    q = by_title(sample, "从业人员权利")
    assert q["stem"] == "下列属于从业人员安全生产权利的有:"
    assert [c["fraction"] for c in q["choices"]] == [0.5, 0.5, -1.0]
    assert q["choices"][0]["feedback"] == "第五十三条"
    assert q["explanation"] == "从业人员享有知情权、建议权、批评检举控告权、拒绝权、紧急撤离权等。"


def test_true_false_feedback_order_follows_moodle(sample):
    # {TRUE#feedback for the wrong pick#feedback for the right pick}
    q = by_title(sample, "紧急撤离")
    assert q["answer"] is True
    assert q["feedback"] == {
        "true": "对：见《安全生产法》第五十五条。",
        "false": "错：法律明确赋予紧急撤离权。",
    }
    assert by_title(sample, "标记")["answer"] is True


def test_short_answer_with_partial_credit(sample):
    q = by_title(sample, "方针")
    assert q["answers"] == [
        {"text": "安全第一、预防为主、综合治理", "fraction": 1.0, "feedback": None},
        {"text": "安全第一、预防为主", "fraction": 0.5, "feedback": None},
    ]


def test_numerical_single_multiple_catch_all_and_range(sample):
    assert by_title(sample, "施行年份")["answers"] == [
        {"value": 2002.0, "tolerance": 0.0, "fraction": 1.0, "feedback": None}
    ]
    assert by_title(sample, "管理人员门槛")["answers"] == [
        {"value": 100.0, "tolerance": 0.0, "fraction": 1.0, "feedback": "正确。"},
        {"value": 100.0, "tolerance": 20.0, "fraction": 0.5, "feedback": "接近，但法律规定的是一百人。"},
        {"value": None, "tolerance": 0.0, "fraction": 0.0, "feedback": "请查阅《安全生产法》第二十四条。"},
    ]
    assert by_title(sample, "范围")["answers"][0] | {} == {
        "value": 50.0,
        "tolerance": 2.0,
        "fraction": 1.0,
        "feedback": None,
    }


def test_matching_with_distractor_in_second_category(sample):
    q = by_title(sample, "预警颜色")
    assert q["category"] == "法律法规/突发事件应对法"
    assert q["pairs"][0] == {"left": "一级", "right": "红色"}
    assert q["pairs"][-1] == {"left": "", "right": "绿色"}


def test_format_markers_keep_the_raw_source(sample):
    essay = by_title(sample, "简答")
    assert (essay["type"], essay["stem_format"]) == ("essay", "html")
    assert essay["stem"] == "<p>简述生产经营单位主要负责人的安全生产职责。</p>"
    assert by_title(sample, "标记")["stem_format"] == "markdown"


def test_escapes(sample):
    q = by_title(sample, "转义")
    assert q["stem"] == "公式 a=b 与 {x} 的写法: 用反斜杠转义 ~ 与 #，换行\n第二行"
    assert q["choices"][0]["text"] == "正确#1"


def test_short_answer_without_equals_and_weighted_multiple_correct():
    result = parse("听证应当在告知后几日内提出？{五}\n\n下列正确的是{~%50%甲 ~%50%乙 ~丙}".encode(), "gift")
    assert result.errors == []
    assert result.questions[0]["answers"][0]["text"] == "五"
    assert result.questions[1]["type"] == "multiple_choice"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("第一题{=对 ~错}\n\n第二题\n未闭合{=对\n~错\n\n第三题{T}", 4, "never closed"),
        ("题目{=对 ~%abc%错}", 1, "valid weight"),
        ("题目\n{=对\n~%150%错}", 3, "outside"),
        ("题目{~对 ~错 ~%50 错}", 1, "not closed"),
        ("题目}{=对 ~错}", 1, "no matching"),
        ("::标题 {=对 ~错}", 1, "title"),
        ("题目{#abc}", 1, "not a number"),
        ("题目{#5..1}", 1, "backwards"),
        ("题目{=甲 -> 乙 =丙}", 1, "->"),
        ("题目{~对 ~错}", 1, "No option is marked correct"),
        ("题目{~%50%对 ~错}", 1, "add up to 100%"),
        ("题目{=a ~b}{=c}", 1, "only one answer block"),
    ],
)
def test_malformed_gift_names_the_line(text, line, needle):
    result = parse(text.encode(), "gift")
    assert result.errors, text
    error = result.errors[0]
    assert error.line == line
    assert needle.lower() in error.message.lower()


def test_error_in_one_question_does_not_hide_the_others():
    result = parse("甲{=对 ~错}\n\n乙{=对 ~%x%错}\n\n丙{F}".encode(), "gift")
    assert [e.line for e in result.errors] == [3]
    assert [q["stem"] for q in result.questions] == ["甲", "丙"]


def test_gb18030_and_bad_encoding():
    assert parse("题目{T}".encode("gb18030"), "gift").questions[0]["stem"] == "题目"
    result = parse(b"\xe9\xa2\x98{T}\n\n\xff\xfe\x81{T}", "gift")
    assert result.errors[0].line == 3


def test_round_trip(sample):
    again = parse(dump(sample.questions, "gift"), "gift")
    assert again.errors == []
    assert again.questions == [expressible(q, "gift") for q in sample.questions]


def test_round_trip_drops_what_gift_cannot_hold():
    q = {
        "type": "true_false",
        "stem": "题目",
        "answer": False,
        "legal_basis": "《安全生产法》第五条",
        "difficulty": 3,
        "points": 2,
        "title": "有标题",
        "explanation": "解析\n两行",
        "feedback": {"true": None, "false": "对"},
    }
    [back] = parse(dump([q], "gift"), "gift").questions
    assert back == expressible(q, "gift")
    assert back["legal_basis"] is None and back["explanation"] == "解析\n两行"
    assert back["feedback"] == {"true": None, "false": "对"}


def test_dump_refuses_several_blanks_naming_the_question():
    q = {
        "type": "short_answer",
        "stem": "坚持____、____的方针",
        "answers": [],
        "blanks": [[{"text": "安全第一", "fraction": 1}], [{"text": "预防为主", "fraction": 1}]],
    }
    with pytest.raises(FormatError) as exc:
        dump([q], "gift")
    assert exc.value.question == "坚持____、____的方针"


def test_dump_escapes_special_characters():
    q = {
        "type": "single_choice",
        "stem": "a=b {c} #d ~e: f\\g",
        "choices": [{"text": "x=1", "fraction": 1}, {"text": "y#2", "fraction": 0, "feedback": "~反馈{}"}],
    }
    out = dump([q], "gift").decode()
    assert "a\\=b \\{c\\} \\#d \\~e\\: f\\\\g" in out
    assert parse(out.encode(), "gift").questions == [expressible(q, "gift")]


def test_answer_format_markers_are_dropped():
    [q] = parse("[html]<p>下列正确的是</p>{=[html]<b>甲</b> ~[plain]乙}".encode(), "gift").questions
    assert q["stem"] == "<p>下列正确的是</p>"
    # an [html] answer is stored as what a reader sees of it; markup never reaches an examinee
    assert [c["text"] for c in q["choices"]] == ["甲", "乙"]


def test_choice_containing_arrow_is_still_a_choice():
    [q] = parse("流程{=申请 -> 受理 ~受理 -> 申请}".encode(), "gift").questions
    assert q["type"] == "single_choice"
    assert q["choices"][0]["text"] == "申请 -> 受理"


def test_single_choice_with_two_right_options_round_trips():
    q = {
        "type": "single_choice",
        "stem": "任选其一",
        "choices": [
            {"text": "甲", "fraction": 1},
            {"text": "乙", "fraction": 1},
            {"text": "丙", "fraction": 0},
        ],
    }
    assert parse(dump([q], "gift"), "gift").questions == [expressible(q, "gift")]


@pytest.mark.parametrize("stem", ["// 不是注释", "[html] 不是格式标记", "$CATEGORY: 不是分类", "::不是标题"])
def test_stems_that_look_like_syntax_round_trip(stem):
    q = {"type": "true_false", "stem": stem, "answer": True}
    assert parse(dump([q], "gift"), "gift").questions == [expressible(q, "gift")]


def test_utf8_bom_and_crlf():
    [q] = parse("\ufeff// 注释\r\n::标题::题目{F}\r\n".encode(), "gift").questions
    assert (q["title"], q["answer"]) == ("标题", False)


MOODLE_DOCS_SAMPLE = """// true/false
::Q1:: 1+1=2 {T}

// multiple choice with specified feedback for right and wrong answers
::Q2:: What's between orange and green in the spectrum?
{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }

// fill-in-the-blank
::Q3:: Two plus {=two =2} equals four.

// matching
::Q4:: Which animal eats which food? { =cat -> cat food =dog -> dog food }

// math range question
::Q5:: What is a number from 1 to 5? {#3:2}

// math range specified with interval end points
::Q6:: What is a number from 1 to 5? {#1..5}
// translated on import to the same as Q5, but unavailable from Moodle question interface

// multiple numeric answers with partial credit and feedback
::Q7:: When was Ulysses S. Grant born? {#
         =1822:0      # Correct! Full credit.
         =%50%1822:2  # He was born in 1822. Half credit for being close.
}

// essay
::Q8:: How are you? {}

What two people are entombed in Grant's tomb? {
   ~%-100%No one
   ~%50%Grant
   ~%50%Grant's wife
   ~%-100%Grant's father
}
"""


def test_moodle_documentation_examples():
    result = parse(MOODLE_DOCS_SAMPLE.encode(), "gift")
    assert result.errors == []
    assert [(w.line, w.question) for w in result.warnings] == [(18, "Q6")]  # same stem as Q5
    q = {x["title"] or x["stem"][:4]: x for x in result.questions}
    assert q["Q1"]["stem"] == "1+1=2" and q["Q1"]["answer"] is True
    assert q["Q2"]["choices"][0] == {"text": "yellow", "fraction": 1.0, "feedback": "right; good!"}
    assert q["Q3"]["stem"] == "Two plus ____ equals four."
    assert [a["text"] for a in q["Q3"]["answers"]] == ["two", "2"]
    assert q["Q4"]["pairs"] == [{"left": "cat", "right": "cat food"}, {"left": "dog", "right": "dog food"}]
    assert q["Q5"]["answers"] == q["Q6"]["answers"]
    assert q["Q7"]["answers"][1] == {
        "value": 1822.0,
        "tolerance": 2.0,
        "fraction": 0.5,
        "feedback": "He was born in 1822. Half credit for being close.",
    }
    assert q["Q8"]["type"] == "essay"
    assert [c["fraction"] for c in q["What"]["choices"]] == [-1.0, 0.5, 0.5, -1.0]
