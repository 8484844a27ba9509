"""Weakness 9: a 1.6 KB xlsx declaring `<dimension ref="A1:XFD20000"/>` made the roster import pad every row to
16,384 columns and 20,000 rows (163 s, 2.7 GB) in the web process; question import behaved the same.

Now only the header's columns are read, rows and columns are capped (roster 20,000 rows, questions 5,000), question
files are capped at 10 MB like rosters, and both uploads only store the file: the worker parses it.
The tests count the cells openpyxl hands out (a patched reader that gives up past a small budget), not the time.
"""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from cms.models import RosterImport
from cms.roster import apply as roster_apply
from cms.roster import format_error
from cms.services import roster_import
from exams.formats import parse
from exams.models import ImportJob, QuestionBank

CELL_BUDGET = 5_000  # far more than the files below hold, far less than the declared 20,000 × 16,384

ROSTER_HEADER = ["工号", "姓名", "单位", "人员类别", "入职日期"]
ROSTER_ROWS = [
    ["B001", "甲", "示范市/东城区/东华街道", "专职安监员", "2024-03-01"],
    ["B002", "乙", "示范市/东城区/东华街道", "专职安监员", "2024-03-02"],
]
QUESTION_HEADER = ["题型", "题干", "选项A", "选项B", "答案"]
QUESTION_ROWS = [["单选", "第一题？", "对", "错", "A"], ["判断", "第二题。", "", "", "正确"]]


def _col(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def bomb_xlsx(rows: list[list[str]], dimension: str = "A1:XFD20000") -> bytes:
    """A minimal workbook whose only sheet holds `rows` (inline strings) but declares `dimension`."""
    sheet_rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{_col(c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>'
            for c, value in enumerate(cells, 1)
            if value
        )
        + "</row>"
        for r, cells in enumerate(rows, 1)
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><dimension ref="{dimension}"/>'
            f"<sheetData>{sheet_rows}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def cells_read(monkeypatch):
    """Counts the cells openpyxl's read-only sheets yield, and stops a run that reads far too many."""
    counter = {"cells": 0}
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            counter["cells"] += len(row)
            if counter["cells"] > CELL_BUDGET:
                raise AssertionError(
                    f"read more than {CELL_BUDGET} cells: the declared dimension was trusted"
                )
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return counter


# --- roster --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_roster_bomb_reads_only_the_cells_that_are_there(cells_read, city):
    data = bomb_xlsx([ROSTER_HEADER, *ROSTER_ROWS])
    assert len(data) < 2_000  # the 1.6 KB file of the review
    assert b'ref="A1:XFD20000"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    result = roster_import(actor=None, file_name="bomb.xlsx", data=data, dry_run=True)
    assert [format_error(e) for e in result.errors] == []
    assert result.rows == 2
    assert result.report()["officers"]["create"] == 2
    assert cells_read["cells"] <= 100  # the header row (≤ 51 cells to spot "too many columns") + 3 × 5


@pytest.mark.django_db
def test_roster_columns_beyond_the_header_are_not_read(cells_read, city):
    wide = [ROSTER_HEADER, *[row + [""] * 200 + ["x"] for row in ROSTER_ROWS]]
    result = roster_import(actor=None, file_name="wide.xlsx", data=bomb_xlsx(wide, "A1:GX3"), dry_run=True)
    assert [format_error(e) for e in result.errors] == []
    assert cells_read["cells"] <= 100


@pytest.mark.django_db
def test_roster_with_more_than_20000_rows_is_refused_naming_the_cap(city):
    rows = [
        ROSTER_HEADER,
        *([f"N{i:05d}", "某", "示范市/东城区", "专职安监员", "2024-03-01"] for i in range(20_001)),
    ]
    result = roster_import(actor=None, file_name="big.xlsx", data=bomb_xlsx(rows, "A1:E20002"), dry_run=True)
    assert [e.code for e in result.errors] == ["too_many_rows"]
    assert "20000" in format_error(result.errors[0])
    # The same in a CSV.
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    result = roster_import(actor=None, file_name="big.csv", data=text.getvalue().encode(), dry_run=True)
    assert [e.code for e in result.errors] == ["too_many_rows"]


@pytest.mark.django_db
def test_roster_header_with_too_many_columns_is_refused(city):
    header = ROSTER_HEADER + [f"列{i}" for i in range(60)]
    result = roster_import(actor=None, file_name="wide.xlsx", data=bomb_xlsx([header]), dry_run=True)
    assert [e.code for e in result.errors] == ["too_many_columns"]


@pytest.mark.django_db
def test_roster_upload_request_does_not_parse_the_file(
    client, superuser, city, monkeypatch, cells_read, django_capture_on_commit_callbacks
):
    calls = []
    original = roster_apply.read_table

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(roster_apply, "read_table", spy)  # where the worker looks it up
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("cms_roster:upload"),
            {"file": SimpleUploadedFile("bomb.xlsx", bomb_xlsx([ROSTER_HEADER, *ROSTER_ROWS]))},
        )
    record = RosterImport.objects.get()
    assert response.status_code == 302
    assert calls == [] and cells_read["cells"] == 0  # the request stored the file, nothing more
    assert record.dry_run_report is None and not record.can_confirm
    page = client.get(reverse("cms_roster:preview", args=[record.pk])).content.decode()
    assert "data-roster-checking" in page and 'http-equiv="refresh"' in page
    for callback in queued:  # what the worker does (django-q2 runs tasks inline in tests)
        callback()
    assert len(calls) == 1
    record.refresh_from_db()
    assert record.dry_run_report["errors"] == [] and record.total_rows == 2 and record.can_confirm
    assert cells_read["cells"] <= 100


# --- questions -----------------------------------------------------------------------------------------------------


def test_question_bomb_reads_only_the_cells_that_are_there(cells_read):
    result = parse(bomb_xlsx([QUESTION_HEADER, *QUESTION_ROWS]), "xlsx")
    assert [str(e) for e in result.errors] == []
    assert [q["stem"] for q in result.questions] == ["第一题？", "第二题。"]
    assert cells_read["cells"] <= 100


def test_question_sheet_with_more_than_5000_rows_is_refused_naming_the_cap():
    rows = [QUESTION_HEADER, *(["判断", f"第{i}题。", "", "", "正确"] for i in range(5_001))]
    result = parse(bomb_xlsx(rows, "A1:E5002"), "xlsx")
    assert len(result.errors) == 1 and "5000" in str(result.errors[0]) and result.questions == []
    text = "\n".join(",".join(row) for row in rows).encode()
    result = parse(text, "csv")
    assert len(result.errors) == 1 and "5000" in str(result.errors[0])


def test_question_files_over_10_mb_are_refused_by_the_parser_and_the_command(tmp_path, db):
    big = b"::Q:: x {=a ~b}\n" * (10 * 1024 * 1024 // 16 + 1)
    result = parse(big, "gift")
    assert result.questions == [] and "10 MB" in str(result.errors[0])
    path = tmp_path / "big.gift"
    path.write_bytes(big)
    with pytest.raises(CommandError, match="10 MB"):
        call_command("import_questions", str(path), "--bank", "BIG")
    assert not QuestionBank.objects.filter(code="BIG").exists()


@pytest.fixture
def east_bank(district_east):
    from exams.models import QuestionBank

    fields = {f.name for f in QuestionBank._meta.get_fields()}
    extra = {"unit": district_east} if "unit" in fields else {}
    return QuestionBank.objects.create(code="EAST", name="东城区题库", **extra)


@pytest.mark.django_db
def test_question_upload_over_10_mb_is_a_form_error(client, superuser, east_bank):
    client.force_login(superuser)
    big = SimpleUploadedFile("big.gift", b"x" * (10 * 1024 * 1024 + 1))
    response = client.post(reverse("exams_import"), {"bank": east_bank.pk, "format": "auto", "file": big})
    assert response.status_code == 200 and "10 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_question_upload_request_does_not_parse_the_file(
    client, superuser, east_bank, monkeypatch, cells_read
):
    import django_q.tasks

    import exams.services.imports
    from exams import tasks

    calls, queued = [], []
    original = exams.services.imports.plan_import

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(exams.services.imports, "plan_import", spy)
    monkeypatch.setattr(
        django_q.tasks, "async_task", lambda func, *args, **kwargs: queued.append((func, args))
    )
    client.force_login(superuser)
    data = bomb_xlsx([QUESTION_HEADER, *QUESTION_ROWS])
    response = client.post(
        reverse("exams_import"),
        {
            "bank": east_bank.pk,
            "format": "auto",
            "publish": "on",
            "file": SimpleUploadedFile("bomb.xlsx", data),
        },
    )
    assert response.status_code == 302
    assert calls == [] and cells_read["cells"] == 0
    job = ImportJob.objects.get()
    assert queued == [("exams.tasks.check_import_job", (job.pk,))]
    page = client.get(response["Location"]).content.decode()
    assert "import-checking" in page and "confirm-import" not in page
    tasks.check_import_job(job.pk)  # what the worker does
    assert len(calls) == 1 and cells_read["cells"] <= 100
    page = client.get(response["Location"]).content.decode()
    assert "confirm-import" in page
    queued.clear()
    client.post(reverse("exams_import_confirm", args=[job.pk]))
    assert queued == [("exams.tasks.run_import_job", (job.pk,))]  # the import itself runs in the worker too
    tasks.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.done == 2
