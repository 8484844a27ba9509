"""The xlsx/csv template: every type, aliases, encodings, malformed rows with row numbers, the blank template."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from exams.formats import FormatError, dump, expressible, parse, xlsx_template
from exams.formats.table import HEADERS, INSTRUCTION

HEADER = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "选项G",
    "选项H",
    "答案",
    "解析",
    "难度",
    "知识点",
    "分值",
    "法条依据",
]


def row(
    qtype, stem, options=(), answer="", explanation="", difficulty=None, category="", points=None, legal=""
):
    options = list(options) + [""] * (8 - len(options))
    return [qtype, stem, *options, answer, explanation, difficulty, category, points, legal]


ROWS = [
    row(
        "单选",
        "根据《安全生产法》，生产经营单位的（　）是本单位安全生产第一责任人。",
        ["主要负责人", "分管安全的副职", "安全生产管理人员", "从业人员"],
        "A",
        "主要负责人对本单位的安全生产工作全面负责。",
        1,
        "法律法规/安全生产法",
        1,
        "《安全生产法》第五条",
    ),
    row(
        "多选题",
        "根据《行政处罚法》，下列属于行政处罚种类的有（　）。",
        ["警告、通报批评", "罚款", "约谈", "责令停产停业"],
        "A,B,D",
        "",
        2,
        "法律法规/行政处罚法",
        2,
        "《行政处罚法》第九条",
    ),
    row(
        "判断",
        "违法行为在二年内未被发现的，除法律另有规定外，不再给予行政处罚。",
        [],
        "√",
        "",
        2,
        "法律法规/行政处罚法",
        1,
        "《行政处罚法》第三十六条",
    ),
    row(
        "填空",
        "安全生产工作坚持____、____、____的方针。",
        [],
        "安全第一|预防为主|综合治理",
        "",
        1,
        "法律法规/安全生产法",
        3,
        "《安全生产法》第三条",
    ),
    row(
        "填空",
        "当事人要求听证的，应当在行政机关告知后（　）日内提出。",
        [],
        "五/5",
        "",
        3,
        "执法程序",
        1,
        "《行政处罚法》第六十四条",
    ),
    row(
        "数值",
        "其他生产经营单位从业人员超过多少人的，应当设置安全生产管理机构或者配备专职安全生产管理人员？",
        [],
        "100",
        "",
        3,
        "法律法规/安全生产法",
        1.5,
        "《安全生产法》第二十四条",
    ),
    row("数值", "某储罐区温度报警设定值为 35 ℃，允许偏差 0.5 ℃，报警值应为多少？", [], "35±0.5"),
    row(
        "匹配",
        "请将突发事件预警级别与其标示颜色对应。",
        ["一级=红色", "二级=橙色", "三级=黄色", "四级=蓝色", "=绿色"],
        "",
        "一级为最高级别。",
        2,
        "法律法规/突发事件应对法",
        2,
        "《突发事件应对法》",
    ),
    row(
        "简答",
        "简述从业人员在安全生产方面享有的主要权利。",
        [],
        "知情权、建议权、拒绝违章指挥权、紧急撤离权等。",
        "",
        4,
        "法律法规/安全生产法",
        10,
        "《安全生产法》第五十三条至第五十五条",
    ),
]


def xlsx(rows, header=HEADER, instruction=True) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    if instruction:
        sheet.append(["说明：请按模板填写，本行导入时跳过。"])
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows, header=HEADER) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(["# 说明行"])
    for r in rows:
        writer.writerow(["" if v is None else v for v in r])
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sample():
    result = parse(xlsx(ROWS), filename="题库.xlsx")
    assert result.errors == []
    return result


def test_every_type_from_xlsx(sample):
    qs = sample.questions
    assert [q["type"] for q in qs] == [
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "short_answer",
        "numerical",
        "numerical",
        "matching",
        "essay",
    ]
    assert [o["row"] for o in sample.origins] == list(range(3, 12))
    single = qs[0]
    assert single["choices"][0] == {"text": "主要负责人", "fraction": 1.0, "feedback": None}
    assert single["stem"].endswith("（　）是本单位安全生产第一责任人。")  # choice stems keep their brackets
    assert (single["difficulty"], single["category"], single["points"]) == (1, "法律法规/安全生产法", 1.0)
    assert single["legal_basis"] == "《安全生产法》第五条"
    assert [c["fraction"] for c in qs[1]["choices"]] == [0.3333333, 0.3333333, 0.0, 0.3333333]
    assert qs[2]["answer"] is True
    assert qs[3]["answers"] == [] and [[a["text"] for a in b] for b in qs[3]["blanks"]] == [
        ["安全第一"],
        ["预防为主"],
        ["综合治理"],
    ]
    assert qs[4]["stem"] == "当事人要求听证的，应当在行政机关告知后____日内提出。"
    assert [a["text"] for a in qs[4]["answers"]] == ["五", "5"]
    assert qs[5]["answers"] == [{"value": 100.0, "tolerance": 0.0, "fraction": 1.0, "feedback": None}]
    assert qs[6]["answers"][0]["value"] == 35.0 and qs[6]["answers"][0]["tolerance"] == 0.5
    assert qs[7]["pairs"][-1] == {"left": "", "right": "绿色"}
    assert qs[8]["grader_info"] == "知情权、建议权、拒绝违章指挥权、紧急撤离权等。"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("正确", True),
        ("错误", False),
        ("对", True),
        ("错", False),
        ("√", True),
        ("×", False),
        ("T", True),
        ("F", False),
        ("true", True),
        ("FALSE", False),
    ],
)
def test_true_false_answer_words(token, expected):
    result = parse(xlsx([row("判断题", "题干", [], token)]), "xlsx")
    assert result.questions[0]["answer"] is expected


@pytest.mark.parametrize("answer", ["ABD", "A,B,D", "A、B、D", "a b d", "ＡＢＤ", "A，B，D"])
def test_multiple_choice_answer_spellings(answer):
    result = parse(xlsx([row("多选", "题干", ["甲", "乙", "丙", "丁"], answer)]), "xlsx")
    assert [c["fraction"] > 0 for c in result.questions[0]["choices"]] == [True, True, False, True]


def test_english_headers_tags_title_and_numbers_typed_as_numbers():
    header = [
        "type",
        "stem",
        "A",
        "B",
        "answer",
        "explanation",
        "difficulty",
        "category",
        "points",
        "legal_basis",
        "tags",
        "title",
    ]
    data = xlsx(
        [
            ["single_choice", "题干", 1, 2, "B", "解析", 3, "执法程序", 2.5, "依据", "执法, 程序", "标题"],
            ["numerical", "数值", None, None, 3.5, None, "较难", None, None, None, None, None],
        ],
        header=header,
    )
    result = parse(data, "xlsx")
    assert result.errors == []
    q = result.questions[0]
    assert [c["text"] for c in q["choices"]] == ["1", "2"]
    assert (q["tags"], q["title"], q["points"], q["difficulty"]) == (["执法", "程序"], "标题", 2.5, 3)
    assert result.questions[1]["answers"][0]["value"] == 3.5
    assert result.questions[1]["difficulty"] == 4


@pytest.mark.parametrize(
    ("bad_row", "needle"),
    [
        (row("单选", "题干", ["甲", "乙"], "C"), "not one of the options"),
        (row("单选", "题干", ["甲", "乙"], ""), "answer) cell is empty"),
        (row("单选", "题干", ["甲", "乙"], "AB"), "exactly one"),
        (row("论述", "题干", [], "答"), "Unknown question type"),
        (row("多选", "题干", ["甲", "", "丙"], "AC"), "Option B is empty"),
        (row("判断", "题干", [], "也许"), "正确 or 错误"),
        (row("数值", "题干", [], "三点五"), "not a number"),
        (row("单选", "", ["甲", "乙"], "A"), "no stem"),
        (row("单选", "题干", ["甲", "乙"], "A", difficulty=7), "Difficulty"),
        (row("单选", "题干", ["甲", "乙"], "A", points="两分"), "Points"),
        (row("匹配", "题干", ["甲乙"]), "左项=右项"),
        (row("匹配", "题干", ["甲=乙"]), "at least two pairs"),
        (row("多选", "题干", ["甲", "乙"], "AA"), "repeats"),
        (row("填空", "题干____", [], "甲||丙"), "has no answer"),
    ],
)
def test_bad_rows_name_the_row(bad_row, needle):
    good = row("判断", "正确的题", [], "正确")
    result = parse(xlsx([good, good[:1] + ["另一道正确的题"] + good[2:], bad_row]), "xlsx")
    assert len(result.questions) == 2
    [error] = result.errors
    assert error.row == 5
    assert needle.lower() in error.message.lower()


def test_missing_required_column():
    header = [h for h in HEADER if h != "答案"]
    result = parse(xlsx([["单选", "题干", "甲", "乙"]], header=header), "xlsx")
    [error] = result.errors
    assert error.row == 1
    assert "答案" in error.message
    assert result.questions == []


def test_not_a_workbook():
    result = parse(b"PK\x03\x04garbage", filename="x.xlsx")
    assert result.errors and "xlsx" in result.errors[0].message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_encodings(encoding):
    result = parse(csv_text(ROWS).encode(encoding), filename="题库.csv")
    assert result.errors == []
    assert [q["stem"][:12] for q in result.questions] == [r[1][:12] for r in ROWS]
    assert result.origins[0]["row"] == 3


def test_csv_is_the_same_as_xlsx(sample):
    assert parse(csv_text(ROWS).encode("gb18030"), "csv").questions == sample.questions


def test_csv_bad_encoding_names_the_line():
    data = csv_text(ROWS[:2]).encode("utf-8") + b"\xff\xfe\x81,\xff\n"
    result = parse(data, "csv")
    assert result.questions == []
    assert result.errors[0].line == 5


def test_tab_separated_csv():
    text = "题型\t题干\t选项A\t选项B\t答案\n单选\t题干\t甲\t乙\tB\n"
    assert parse(text.encode(), "csv").questions[0]["choices"][1]["fraction"] == 1.0


def test_round_trip_xlsx_and_csv(sample):
    for fmt in ("xlsx", "csv"):
        again = parse(dump(sample.questions, fmt), fmt)
        assert again.errors == []
        assert again.questions == sample.questions


def test_dump_writes_the_template_with_instruction_row(sample):
    workbook = load_workbook(io.BytesIO(dump(sample.questions, "xlsx")))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][0] == INSTRUCTION
    assert rows[2][:2] == ("单选", ROWS[0][1])
    assert rows[9][2:7] == ("一级=红色", "二级=橙色", "三级=黄色", "四级=蓝色", "=绿色")  # not formulas


def test_blank_template():
    workbook = load_workbook(io.BytesIO(xlsx_template()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[0][:2] == ("题型", "题干") and rows[1][0].startswith("说明")
    result = parse(xlsx_template(), "xlsx")
    assert (result.questions, result.errors) == ([], [])


def test_round_trip_from_richer_source_drops_feedback():
    q = {
        "type": "true_false",
        "stem": "题干",
        "answer": False,
        "feedback": {"true": "错", "false": "对"},
        "stem_format": "html",
        "title": "标题",
        "tags": ["甲", "乙"],
    }
    [back] = parse(dump([q], "xlsx"), "xlsx").questions
    assert back == expressible(q, "xlsx")
    assert back["title"] == "标题" and back["tags"] == ["甲", "乙"]


def test_slashes_and_bars_in_fill_in_answers_survive():
    q = {
        "type": "short_answer",
        "stem": "限速____",
        "answers": [{"text": "60km/h", "fraction": 1}, {"text": "60 公里|小时", "fraction": 1}],
    }
    assert parse(dump([q], "xlsx"), "xlsx").questions == [expressible(q, "xlsx")]


@pytest.mark.parametrize(
    "question",
    [
        {
            "type": "single_choice",
            "stem": "部分分",
            "choices": [{"text": "甲", "fraction": 1}, {"text": "乙", "fraction": 0.5}],
        },
        {
            "type": "multiple_choice",
            "stem": "负分",
            "choices": [{"text": "甲", "fraction": 1}, {"text": "乙", "fraction": -1}],
        },
        {
            "type": "short_answer",
            "stem": "部分对",
            "answers": [{"text": "甲", "fraction": 1}, {"text": "乙", "fraction": 0.5}],
        },
        {
            "type": "numerical",
            "stem": "多答案",
            "answers": [{"value": 1, "fraction": 1}, {"value": 2, "fraction": 0.5}],
        },
        {
            "type": "single_choice",
            "stem": "九个选项",
            "choices": [{"text": str(i), "fraction": 1 if i == 0 else 0} for i in range(9)],
        },
    ],
)
def test_dump_refuses_what_the_template_cannot_hold(question):
    with pytest.raises(FormatError) as exc:
        dump([question], "xlsx")
    assert exc.value.question == question["stem"]


def test_semicolon_separated_csv():
    text = "题型;题干;选项A;选项B;答案\n单选;题干，含逗号;甲;乙;A\n"
    [q] = parse(text.encode(), "csv").questions
    assert q["stem"] == "题干，含逗号" and q["choices"][0]["fraction"] == 1.0
