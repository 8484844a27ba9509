"""import_cases: Chinese headers, row errors naming row and column, all or nothing, idempotent on 案号."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from appraisal.importers.cases import error_message, import_cases
from appraisal.models import CaseFile
from cms.models import AuditEvent

HEADER = [
    "案号",
    "案由",
    "案件类型",
    "承办单位",
    "承办人工号",
    "协办人工号",
    "立案日期",
    "结案日期",
    "适用法律条款",
    "案情摘要",
    "罚款金额",
]


def _csv(rows, header=HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def people(street_east, street_west, make_officer):
    return {
        "a": make_officer(street_east, employee_no="A001"),
        "b": make_officer(street_east, employee_no="A002"),
        "c": make_officer(street_east, employee_no="A003"),
        "w": make_officer(street_west, employee_no="W001"),
    }


ROWS = [
    [
        "应急罚〔2026〕1号",
        "未开展安全培训",
        "行政处罚",
        "示范市/东城区/东华街道",
        "A001",
        "A002、A003",
        "2026-03-02",
        "2026/4/18",
        "安全生产法第九十七条",
        "摘要一",
        "20000",
    ],
    [
        "应急罚〔2026〕2号",
        "未排查隐患",
        "责令整改",
        "S0201",
        "W001",
        "",
        "2026-03-05",
        "2026年5月1日",
        "",
        "",
        "",
    ],
]


def test_import_creates_then_is_idempotent_and_updates_changed_rows(people, tmp_path):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(_xlsx(ROWS))
    out = io.StringIO()
    call_command("import_cases", str(path), stdout=out)
    assert "2 new" in out.getvalue() or "新增 2" in out.getvalue() or "2" in out.getvalue()
    first = CaseFile.objects.get(number="应急罚〔2026〕1号")
    assert first.handler == people["a"] and set(first.co_handlers.all()) == {people["b"], people["c"]}
    assert (
        first.penalty_amount == Decimal("20000.00") and first.kind == "penalty" and first.source == "import"
    )
    assert CaseFile.objects.get(number="应急罚〔2026〕2号").unit.code == "S0201"
    assert AuditEvent.objects.filter(action="appraisal.case_create").count() == 2

    again = import_cases(actor=None, file_name="cases.xlsx", data=path.read_bytes())
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 2)
    changed = [row[:] for row in ROWS]
    changed[1][9] = "补充了摘要"
    changed[0][5] = "A002"
    result = import_cases(actor=None, file_name="cases.csv", data=_csv(changed))
    assert (len(result.created), len(result.updated), len(result.unchanged)) == (0, 2, 0)
    assert set(first.co_handlers.all()) == {people["b"]}
    assert CaseFile.objects.get(number="应急罚〔2026〕2号").summary == "补充了摘要"
    assert AuditEvent.objects.filter(action="appraisal.case_update").count() == 2


def test_row_errors_name_row_and_column_and_nothing_is_written(people, tmp_path):
    bad = [row[:] for row in ROWS]
    bad[0][2] = "罚没"
    bad[1][4] = "X999"
    bad[1][7] = "2026-02-30"
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv(bad))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), stderr=err)
    text = err.getvalue()
    assert "2" in text and "案件类型" in text and "罚没" in text
    assert "3" in text and "承办人工号" in text and "X999" in text and "结案日期" in text
    assert not CaseFile.objects.exists()


def test_dry_run_writes_nothing(people, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(_csv(ROWS))
    call_command("import_cases", str(path), "--dry-run", stdout=io.StringIO())
    assert not CaseFile.objects.exists()


def test_missing_column_and_duplicate_numbers_are_reported(people):
    result = import_cases(actor=None, file_name="x.csv", data=_csv([r[:4] for r in ROWS], header=HEADER[:4]))
    messages = [error_message(e) for e in result.errors]
    assert any("承办人工号" in m for m in messages)
    duplicate = import_cases(actor=None, file_name="x.csv", data=_csv([ROWS[0], ROWS[0]]))
    assert [e["code"] for e in duplicate.errors] == ["duplicate_case"]
    assert duplicate.errors[0]["row"] == 3


def test_staff_import_only_inside_their_subtree(people, make_officer, district_east):
    from tests.factories import make_staff

    leader = make_staff("leader_east_import", "unit_leader", district_east)
    result = import_cases(actor=leader, file_name="x.csv", data=_csv(ROWS))
    codes = {(e["row"], e["code"]) for e in result.errors}
    assert (3, "unit_out_of_scope") in codes and (3, "officer_out_of_scope") in codes
    ok = import_cases(actor=leader, file_name="x.csv", data=_csv(ROWS[:1]))
    assert ok.ok and len(ok.created) == 1
    hr = make_staff("hr_east_import", "hr", district_east)
    assert import_cases(actor=hr, file_name="x.csv", data=_csv(ROWS[:1])).errors[0]["code"] == "not_allowed"


INTERFACE_EN = ["case_no", "handler", "unit", "kind", "opened", "closed", "provisions"]
INTERFACE_ZH = ["案号", "承办人工号", "单位", "案件类型", "立案日期", "结案日期", "适用条款"]


@pytest.mark.parametrize("header", [INTERFACE_EN, INTERFACE_ZH], ids=["english", "chinese-short"])
def test_the_interface_columns_with_several_handlers_in_one_cell(people, tmp_path, header):
    """The stable interface: English or Chinese headers; `handler` holds several employee numbers separated by 、,
    the first the handler and the others co-handlers."""
    rows = [
        [
            "应急罚〔2026〕7号",
            "A001、A002、A003",
            "示范市/东城区/东华街道",
            "行政处罚",
            "2026-03-02",
            "2026-04-18",
            "安全生产法第九十七条",
        ],
        ["应急罚〔2026〕8号", "W001", "示范市/东城区/东华街道", "责令整改", "2026-03-05", "2026-05-01", ""],
    ]
    rows[1][2] = "S0201"
    path = tmp_path / "cases.csv"
    path.write_bytes(_csv(rows, header=header))
    call_command("import_cases", str(path), "--dry-run", stdout=io.StringIO())
    assert not CaseFile.objects.exists()
    call_command("import_cases", str(path), stdout=io.StringIO())
    seven = CaseFile.objects.get(number="应急罚〔2026〕7号")
    assert seven.handler == people["a"]
    assert set(seven.co_handlers.all()) == {people["b"], people["c"]}
    assert seven.kind == "penalty" and seven.legal_provisions == "安全生产法第九十七条"
    assert seven.unit.name == "东华街道"
    eight = CaseFile.objects.get(number="应急罚〔2026〕8号")
    assert eight.handler == people["w"] and not eight.co_handlers.exists() and eight.unit.code == "S0201"
    again = import_cases(actor=None, file_name="cases.csv", data=path.read_bytes())
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 2)
