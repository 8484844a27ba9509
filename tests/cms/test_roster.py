"""Roster import: file formats and encodings, multiple spells, every validation error, all-or-nothing,
idempotent re-import, dry runs, the command's exit code, new accounts and the audit trail."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.urls import reverse
from django.utils import translation

from cms.management.commands.import_roster import Command as ImportRosterCommand
from cms.models import AuditEvent, EmploymentSpell, LeaveReason, Officer, Specialty, StaffCategory, Unit
from cms.roster import RosterFileError, parse_date, read_table
from cms.services import roster_import
from cms.signals import officers_changed
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory

DATA = Path(__file__).parent / "data"
GOOD_CSV = DATA / "roster_good.csv"

HEADER_ZH = "工号,姓名,单位,人员类别,入职日期,离职日期,离职原因,特长"
HEADER_EN = "employee_no,name,unit,staff_category,hire_date,leave_date,leave_reason,specialties"


@pytest.fixture
def units(city, district_east, district_west, street_east, street_west):
    return {
        "city": city,
        "east": district_east,
        "west": district_west,
        "s_east": street_east,
        "s_west": street_west,
    }


def run(text_or_bytes, *, name="roster.csv", actor=None, dry_run=False):
    data = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
    return roster_import(actor=actor, file_name=name, data=data, dry_run=dry_run)


def csv_text(*rows, header=HEADER_ZH):
    return "\n".join([header, *rows]) + "\n"


def error_set(result):
    return {(e.row, e.code) for e in result.errors}


def db_counts():
    return (
        Officer.objects.count(),
        EmploymentSpell.objects.count(),
        Unit.objects.count(),
        Specialty.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Good files -----------------------------------------------------------------


def assert_good_roster_imported(units):
    wang = Officer.objects.get(employee_no="R001")
    spells = list(wang.spells.order_by("hire_date"))
    assert [(s.unit.code, s.hire_date, s.leave_date, s.leave_reason) for s in spells] == [
        ("S0101", datetime.date(2019, 3, 1), datetime.date(2022, 5, 1), LeaveReason.INTERNAL_TRANSFER),
        ("S0201", datetime.date(2022, 5, 1), None, ""),
    ]
    # The officer follows the latest spell: the internal transfer moved him west.
    assert wang.unit == units["s_west"]
    assert wang.status == Officer.Status.ACTIVE
    assert wang.staff_category == StaffCategory.FULL_TIME
    assert sorted(wang.specialties.values_list("name", flat=True)) == ["法律", "消防"]
    assert (wang.phone, wang.education, wang.gender) == ("13800000001", "bachelor", "M")

    zhao = Officer.objects.get(employee_no="R002")  # rehired after resigning
    assert list(zhao.spells.order_by("hire_date").values_list("hire_date", "leave_reason")) == [
        (datetime.date(2020, 1, 6), LeaveReason.RESIGNED),
        (datetime.date(2023, 2, 1), ""),
    ]
    assert zhao.status == Officer.Status.ACTIVE and zhao.staff_category == StaffCategory.AUXILIARY
    # Specialties come from the latest row that names them (full-width comma separated).
    assert sorted(zhao.specialties.values_list("name", flat=True)) == ["危险化学品", "应急救援"]

    qian = Officer.objects.get(employee_no="R003")  # retired, placed in a district
    assert qian.status == Officer.Status.LEFT and qian.unit == units["east"]
    assert qian.staff_category == StaffCategory.CIVIL_SERVANT

    sun = Officer.objects.get(employee_no="R004")  # a new district and street are created
    south = Unit.objects.get(name="南城区")
    street = Unit.objects.get(name="南湖街道")
    assert (south.kind, street.kind) == (Unit.Kind.DISTRICT, Unit.Kind.STREET)
    assert south.get_parent() == units["city"] and street.get_parent() == south
    assert (south.code, street.code) == ("C0101", "C010101")  # parent code + sequence
    assert sun.unit == street


def test_good_csv_with_chinese_headers_via_command(units):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_roster", str(GOOD_CSV), stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert Officer.objects.count() == 4 and EmploymentSpell.objects.count() == 6
    assert_good_roster_imported(units)
    assert "4" in out.getvalue()


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8"),
        pytest.param(lambda text: text.encode("utf-8-sig"), id="utf-8-bom"),
        pytest.param(lambda text: text.encode("gb18030"), id="gb18030"),
    ],
)
def test_csv_encodings(units, encode):
    data = encode(GOOD_CSV.read_text(encoding="utf-8"))
    result = run(data)
    assert result.ok, [e.message for e in result.errors]
    assert_good_roster_imported(units)


def test_gb18030_bytes_are_not_utf8():
    data = "工号,姓名\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_csv_with_crlf_and_semicolons(units):
    text = GOOD_CSV.read_text(encoding="utf-8").replace(",", ";").replace("\n", "\r\n")
    assert run(text).ok
    assert Officer.objects.count() == 4


def build_xlsx(rows, *, leading_blank_rows=0):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for _ in range(leading_blank_rows):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_good_xlsx_with_english_headers_and_date_cells(units):
    data = build_xlsx(
        [
            HEADER_EN.split(",") + ["phone", "email"],
            [
                "R001",
                "王五",
                "示范市/东城区/东华街道",
                "full_time",
                datetime.datetime(2019, 3, 1),
                datetime.date(2022, 5, 1),
                "internal_transfer",
                "消防,法律",
                13800000001,
                "wang@example.com",
            ],
            [
                "R001",
                "王五",
                "示范市/西城区/西苑街道",
                "专职安监员",
                datetime.datetime(2022, 5, 1),
                None,
                None,
                None,
                None,
                None,
            ],
            [
                "R002",
                "赵六",
                "示范市/东城区/东华街道",
                "辅助执法人员",
                "2020-01-06",
                44561,
                "resigned",
                "危险化学品",
                None,
                None,
            ],
            [
                "R002",
                "赵六",
                "示范市/东城区/东华街道",
                "auxiliary",
                "2023/2/1",
                None,
                None,
                "危险化学品、应急救援",
                None,
                None,
            ],
        ]  # fmt: skip
    )
    result = run(data, name="花名册.xlsx")
    assert result.ok, [e.message for e in result.errors]
    wang = Officer.objects.get(employee_no="R001")
    assert wang.unit == units["s_west"] and wang.phone == "13800000001"
    assert wang.user.email == "wang@example.com"
    zhao = Officer.objects.get(employee_no="R002")
    # 44561 is the Excel serial number of 2021-12-31.
    assert zhao.spells.get(hire_date=datetime.date(2020, 1, 6)).leave_date == datetime.date(2021, 12, 31)


def test_xlsx_header_is_first_non_empty_row_and_row_numbers_follow_the_sheet(units):
    data = build_xlsx(
        [HEADER_EN.split(","), ["R001", "王五", "示范市/东城区/东华街道", "full_time", "2024-13-01"]],
        leading_blank_rows=2,
    )
    result = run(data, name="r.xlsx")
    assert error_set(result) == {(4, "bad_date")}  # header on sheet row 3, the bad row is row 4


def test_template_instruction_row_and_blank_rows_are_skipped(units):
    text = csv_text(
        "# 说明：每行一段任职经历,,,,,,,",
        ",,,,,,,",
        "R001,王五,示范市/东城区/东华街道,专职安监员,2024-03-01,,,",
    )
    result = run(text)
    assert result.ok and result.rows == 1
    assert Officer.objects.filter(employee_no="R001").exists()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024-03-01", datetime.date(2024, 3, 1)),
        ("2024/3/1", datetime.date(2024, 3, 1)),
        ("2024年3月1日", datetime.date(2024, 3, 1)),
        ("2024.03.01", datetime.date(2024, 3, 1)),
        ("2024-03-01 00:00:00", datetime.date(2024, 3, 1)),
        (datetime.datetime(2024, 3, 1, 0, 0), datetime.date(2024, 3, 1)),
        (45352, datetime.date(2024, 3, 1)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "03/01/2024", "昨天", "2024-3"])
def test_parse_date_rejects(text):
    with pytest.raises(ValueError):
        parse_date(text)


# --- Errors -----------------------------------------------------------------------


def test_every_row_error_is_reported_with_its_row_number_and_nothing_is_written(units):
    text = csv_text(
        "B001,甲,示范市/东城区/东华街道,专职安监员,2024-03-01,,,",  # 2 fine
        ",乙,示范市/东城区/东华街道,专职安监员,2024-03-01,,,",  # 3 missing employee number
        "B003,丙,示范市/东城区/东华街道,专职安监员,2024-13-45,,,",  # 4 bad date
        "B004,丁,示范市/东城区/东华街道,临时工,2024-03-01,,,",  # 5 unknown category
        "B005,戊,示范市/东城区/东华街道,专职安监员,2020-03-01,2021-03-01,跳槽,",  # 6 unknown reason
        "B006,己,示范市/东城区/东华街道,专职安监员,2024-03-01,2023-03-01,辞职,",  # 7 leave before hire
        "B007,庚,示范市/东城区/东华街道,专职安监员,2020-03-01,2021-03-01,,",  # 8 leave date without reason
        "B008,辛,示范市/东城区/东华街道,专职安监员,2020-03-01,,辞职,",  # 9 reason without leave date
        "B001,甲,示范市/东城区/东华街道,专职安监员,2024-03-01,,,",  # 10 duplicate of row 2
        "B009,壬,示范市/东城区/东华街道,专职安监员,2020-01-01,2022-01-01,辞职,",  # 11 fine
        "B009,壬,示范市/东城区/东华街道,专职安监员,2021-06-01,2023-01-01,辞职,",  # 12 overlaps row 11
        "B010,癸,示范市/东城区/东华街道,专职安监员,2020-01-01,,,",  # 13 fine
        "B010,癸,示范市/西城区/西苑街道,专职安监员,2022-01-01,,,",  # 14 second current spell
        "B011,子,示范市/东城区/东华街道,专职安监员,2020-01-01,2021-01-01,辞职,",  # 15 fine
        "B011,子丑,示范市/东城区/东华街道,专职安监员,2022-01-01,,,",  # 16 name mismatch
        "B012,寅,示范市/东城区/东华街道/一社区,专职安监员,2024-03-01,,,",  # 17 too deep
        "B013,卯,示范市/东城区/东华街道,专职安监员,,,,",  # 18 missing hire date
        "B001,甲,示范市/西城区/西苑街道,专职安监员,2024-03-01,,,",  # 19 same spell as row 2, other data
    )
    before = db_counts()
    result = run(text)
    assert error_set(result) == {
        (3, "required"),
        (4, "bad_date"),
        (5, "unknown_category"),
        (6, "unknown_reason"),
        (7, "leave_before_hire"),
        (8, "leave_without_reason"),
        (9, "reason_without_leave"),
        (10, "duplicate_row"),
        (12, "overlap_file"),
        (14, "several_open"),
        (16, "name_mismatch"),
        (17, "unit_too_deep"),
        (18, "required"),
        (19, "duplicate_spell"),
    }
    assert not result.applied
    assert db_counts() == before
    messages = {e.row: e.message for e in result.errors}
    assert "2024-13-45" in messages[4]
    assert "临时工" in messages[5]
    assert "跳槽" in messages[6]
    assert "11" in messages[12]
    assert "2" in messages[10]
    assert "子" in messages[16] and "15" in messages[16]


def test_errors_are_translated_to_chinese(units, settings):
    text = csv_text("B004,丁,示范市/东城区/东华街道,临时工,2024-03-01,,,")
    result = run(text)
    with translation.override("en"):
        assert "Unknown staff category" in result.errors[0].message
    with translation.override("zh-hans"):
        assert "临时工" in result.errors[0].message


def test_spell_overlapping_a_stored_spell_the_file_omits(units, make_officer):
    officer = make_officer(
        units["s_east"], employee_no="S001", name="老张", hire_date=datetime.date(2020, 1, 1)
    )
    EmploymentSpell.objects.filter(officer=officer).update(
        leave_date=datetime.date(2022, 1, 1), leave_reason=LeaveReason.RESIGNED
    )
    result = run(csv_text("S001,老张,示范市/东城区/东华街道,专职安监员,2021-06-01,2023-01-01,辞职,"))
    assert error_set(result) == {(2, "overlap_stored")}
    assert "2020-01-01" in result.errors[0].message


def test_second_current_spell_against_stored_current_spell(units, make_officer):
    make_officer(units["s_east"], employee_no="S002", name="老李", hire_date=datetime.date(2020, 1, 1))
    result = run(csv_text("S002,老李,示范市/东城区/东华街道,专职安监员,2023-01-01,,,"))
    assert error_set(result) == {(2, "several_open_stored")}


def test_rehire_after_stored_spell_keeps_the_stored_spell(units, make_officer):
    officer = make_officer(
        units["s_east"], employee_no="S003", name="老王", hire_date=datetime.date(2018, 1, 1)
    )
    EmploymentSpell.objects.filter(officer=officer).update(
        leave_date=datetime.date(2020, 1, 1), leave_reason=LeaveReason.CONTRACT_ENDED
    )
    Officer.objects.filter(pk=officer.pk).update(status=Officer.Status.LEFT)
    result = run(csv_text("S003,老王,示范市/西城区/西苑街道,辅助执法人员,2023-01-01,,,"))
    assert result.ok, [e.message for e in result.errors]
    officer.refresh_from_db()
    assert officer.spells.count() == 2  # the stored spell the file does not mention is kept
    assert officer.status == Officer.Status.ACTIVE and officer.unit == units["s_west"]
    assert officer.staff_category == StaffCategory.AUXILIARY


def test_unknown_and_missing_columns_are_named(units):
    result = run("工号,姓名,单位,入职日期,岗位\nX1,甲,示范市,2024-01-01,科员\n")
    messages = " ".join(e.message for e in result.errors)
    assert {e.code for e in result.errors} == {"unknown_column", "missing_column"}
    assert "岗位" in messages and "人员类别" in messages
    assert all(e.row is None for e in result.errors)


def test_unsupported_file_types_and_broken_files(units):
    assert error_set(run(b"whatever", name="roster.xls")) == {(None, "file_type")}
    assert error_set(run(b"not a zip", name="roster.xlsx")) == {(None, "file_unreadable")}
    assert error_set(run(b"", name="roster.csv")) == {(None, "no_header")}
    assert error_set(run(HEADER_ZH + "\n", name="roster.csv")) == {(None, "no_rows")}
    with pytest.raises(RosterFileError) as exc:
        read_table("roster.pdf", b"%PDF")
    assert [e.code for e in exc.value.errors] == ["file_type"]


def test_unit_code_column(units):
    header = HEADER_EN + ",unit_code"
    ok = run(csv_text("U1,甲,示范市/东城区/新街道,full_time,2024-01-01,,,,S0199", header=header))
    assert ok.ok
    assert Unit.objects.get(code="S0199").name == "新街道"
    wrong = run(csv_text("U2,乙,示范市/东城区/东华街道,full_time,2024-01-01,,,,S9999", header=header))
    assert error_set(wrong) == {(2, "unit_code_mismatch")}
    taken = run(csv_text("U3,丙,示范市/东城区/另一街道,full_time,2024-01-01,,,,S0201", header=header))
    assert error_set(taken) == {(2, "unit_code_taken")}


def test_existing_username_not_linked_to_the_officer_is_an_error(units):
    UserFactory(username="X100")
    result = run(csv_text("X100,甲,示范市/东城区/东华街道,专职安监员,2024-01-01,,,"))
    assert error_set(result) == {(2, "username_taken")}


# --- All or nothing, idempotence, dry run, command ----------------------------------


def test_one_bad_row_means_nothing_is_written(units):
    text = (
        GOOD_CSV.read_text(encoding="utf-8")
        + "R005,周九,示范市/东城区/东华街道,专职安监员,2024-02-30,,,,,,\n"
    )
    before = db_counts()
    result = run(text)
    assert error_set(result) == {(8, "bad_date")}
    assert db_counts() == before
    assert not Unit.objects.filter(name="南城区").exists()


def test_reimport_is_idempotent(units):
    first = run(GOOD_CSV.read_bytes())
    assert first.ok and first.report()["officers"]["create"] == 4
    state = (
        list(Officer.objects.order_by("pk").values()),
        list(EmploymentSpell.objects.order_by("pk").values()),
        list(Unit.objects.order_by("pk").values()),
    )
    officer_events = AuditEvent.objects.exclude(action="cms.roster_import").count()
    second = run(GOOD_CSV.read_bytes())
    report = second.report()
    assert second.ok
    assert report["officers"] == {"create": 0, "update": 0, "unchanged": 4}
    assert report["spells"] == {"create": 0, "update": 0, "unchanged": 6}
    assert report["users_created"] == 0 and report["units_created"] == 0
    assert state == (
        list(Officer.objects.order_by("pk").values()),
        list(EmploymentSpell.objects.order_by("pk").values()),
        list(Unit.objects.order_by("pk").values()),
    )
    assert AuditEvent.objects.exclude(action="cms.roster_import").count() == officer_events


def test_changed_row_updates_spell_and_officer_with_audit_snapshot(units):
    run(GOOD_CSV.read_bytes())
    changed = GOOD_CSV.read_text(encoding="utf-8").replace(
        "R001,王五,示范市/西城区/西苑街道,专职安监员,2022年5月1日,,,,,,",
        "R001,王五,示范市/西城区/西苑街道,专职安监员,2022年5月1日,2025-01-31,辞职,,,,",
    )
    result = run(changed)
    report = result.report()
    assert report["officers"] == {"create": 0, "update": 1, "unchanged": 3}
    assert report["spells"] == {"create": 0, "update": 1, "unchanged": 5}
    wang = Officer.objects.get(employee_no="R001")
    assert wang.status == Officer.Status.LEFT
    event = AuditEvent.objects.get(action="cms.officer_update")
    assert event.object_id == str(wang.pk)
    assert event.before["status"] == "active" and event.after["status"] == "left"
    assert event.after["spells"][-1]["leave_date"] == "2025-01-31"
    assert event.unit_id == wang.unit_id


def test_dry_run_writes_nothing(units):
    before = db_counts()
    out = io.StringIO()
    call_command("import_roster", str(GOOD_CSV), "--dry-run", stdout=out)
    assert db_counts() == before
    assert "4" in out.getvalue()


def test_command_exits_non_zero_with_messages_on_stderr(units, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(connections, "close_all", lambda: None)  # run_from_argv closes the test's connection
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text("B004,丁,示范市/东城区/东华街道,临时工,2024-03-01,,,"), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        ImportRosterCommand().run_from_argv(["manage.py", "import_roster", str(bad)])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert "临时工" in err and "2" in err
    assert Officer.objects.count() == 0


def test_command_errors_for_missing_file_and_unknown_user(units, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_roster", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        call_command("import_roster", str(GOOD_CSV), "--user", "nobody")
    UserFactory(username="plain", roles=["trainee"])
    with pytest.raises(CommandError, match="plain"):
        call_command("import_roster", str(GOOD_CSV), "--user", "plain")
    assert not Officer.objects.exists()


def test_command_dry_run_with_errors_also_fails(units, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        csv_text("B006,己,示范市/东城区/东华街道,专职安监员,2024-03-01,2023-03-01,辞职,"), encoding="utf-8"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", str(bad), "--dry-run", stderr=err)
    assert "2023-03-01" in err.getvalue()


# --- Accounts, audit, scope ------------------------------------------------------------


def test_new_officers_get_accounts_that_cannot_log_in(units):
    run(GOOD_CSV.read_bytes())
    for officer in Officer.objects.select_related("user"):
        assert officer.user.username == officer.employee_no
        assert not officer.user.has_usable_password()
        assert list(officer.user.groups.values_list("name", flat=True)) == ["trainee"]


def test_existing_officer_without_account_gets_one(units):
    officer = OfficerFactory(user=None, unit=units["s_east"], employee_no="N001", name="无号")
    EmploymentSpellFactory(officer=officer, hire_date=datetime.date(2024, 3, 1))
    result = run(csv_text("N001,无号,示范市/东城区/东华街道,专职安监员,2024-03-01,,,"))
    assert result.ok and result.report()["users_created"] == 1
    officer.refresh_from_db()
    assert officer.user.username == "N001" and not officer.user.has_usable_password()


def test_audit_records(units, superuser):
    result = run(GOOD_CSV.read_bytes(), actor=superuser)
    assert result.ok
    imports = AuditEvent.objects.filter(action="cms.roster_import")
    assert imports.count() == 1
    event = imports.get()
    assert event.actor == superuser
    assert event.after["file_name"] == "roster.csv"
    assert event.after["officers"]["create"] == 4 and event.after["spells"]["create"] == 6
    creates = AuditEvent.objects.filter(action="cms.officer_create")
    assert creates.count() == 4
    wang = Officer.objects.get(employee_no="R001")
    snapshot = creates.get(object_id=str(wang.pk)).after
    assert snapshot["unit"] == "示范市/西城区/西苑街道" and len(snapshot["spells"]) == 2
    assert not AuditEvent.objects.filter(action="cms.officer_update").exists()


def test_hr_cannot_import_outside_their_subtree(units, hr_east, make_officer):
    make_officer(units["s_west"], employee_no="W001", name="西人", hire_date=datetime.date(2020, 1, 1))
    text = csv_text(
        "E001,东人,示范市/东城区/东华街道,专职安监员,2024-01-01,,,",  # 2 in scope
        "E002,西新,示范市/西城区/西苑街道,专职安监员,2024-01-01,,,",  # 3 another district
        "E003,新区,示范市/北城区/北街道,专职安监员,2024-01-01,,,",  # 4 a new district: not under their unit
        "W001,西人,示范市/东城区/东华街道,专职安监员,2019-01-01,2019-12-31,辞职,",  # 5 officer of the west
        "E004,新街,示范市/东城区/新建街道,专职安监员,2024-01-01,,,",  # 6 new street under their district
    )
    result = run(text, actor=hr_east)
    assert error_set(result) == {
        (3, "out_of_scope_unit"),
        (4, "out_of_scope_unit"),
        (5, "out_of_scope_officer"),
    }
    assert Officer.objects.filter(employee_no__startswith="E").count() == 0
    fixed = "\n".join(line for i, line in enumerate(text.splitlines(), 1) if i in (1, 2, 6)) + "\n"
    assert run(fixed, actor=hr_east).ok
    assert set(Officer.objects.filter(employee_no__startswith="E").values_list("employee_no", flat=True)) == {
        "E001",
        "E004",
    }
    assert AuditEvent.objects.get(action="cms.roster_import").unit == units["east"]


def test_hr_without_unit_in_charge_cannot_import(units):
    hr = UserFactory(username="hr_nowhere", roles=["hr"])
    result = run(csv_text("E001,东人,示范市/东城区/东华街道,专职安监员,2024-01-01,,,"), actor=hr)
    assert (None, "no_scope") in error_set(result)
    assert not Officer.objects.exists()


def test_officers_changed_signal_sent_once(units):
    calls = []

    def receiver(sender, officer_ids, **kwargs):
        calls.append(officer_ids)

    officers_changed.connect(receiver)
    try:
        run(GOOD_CSV.read_bytes())
        run(GOOD_CSV.read_bytes())  # nothing changes the second time
    finally:
        officers_changed.disconnect(receiver)
    assert len(calls) == 1 and len(calls[0]) == 4


def many_rows(n):
    lines = []
    for i in range(n):
        street = "示范市/东城区/东华街道" if i % 2 else "示范市/西城区/西苑街道"
        lines.append(f"M{i:05d},人员{i},{street},专职安监员,2020-01-01,2021-01-01,内部调动,消防")
        lines.append(f"M{i:05d},人员{i},{street},专职安监员,2021-01-01,,,消防、法律")
    return csv_text(*lines)


def test_dry_run_queries_do_not_grow_with_rows(units, django_assert_max_num_queries):
    text = many_rows(300)
    with django_assert_max_num_queries(8):
        assert run(text, dry_run=True).ok
    assert run(text).ok
    with django_assert_max_num_queries(8):
        result = run(text, dry_run=True)
    assert result.report()["officers"] == {"create": 0, "update": 0, "unchanged": 300}


def test_command_user_option_sets_actor_and_scope(units, hr_east, tmp_path):
    roster = tmp_path / "east.csv"
    roster.write_text(csv_text("E001,东人,示范市/东城区/东华街道,专职安监员,2024-01-01,,,"), encoding="utf-8")
    call_command("import_roster", str(roster), "--user", "hr_east", stdout=io.StringIO())
    assert AuditEvent.objects.get(action="cms.roster_import").actor == hr_east
    west = tmp_path / "west.csv"
    west.write_text(csv_text("W001,西人,示范市/西城区/西苑街道,专职安监员,2024-01-01,,,"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_roster", str(west), "--user", "hr_east", stderr=io.StringIO())
    assert not Officer.objects.filter(employee_no="W001").exists()


def test_imported_officer_cannot_log_in_until_a_password_is_set(client, units):
    run(csv_text("L001,登录人,示范市/东城区/东华街道,专职安监员,2024-01-01,,,"))
    for password in ("", "L001", "Passw0rd!2026"):
        response = client.post(
            reverse("login"), {"username": "L001", "password": password}, REMOTE_ADDR="10.9.0.1"
        )
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    user = Officer.objects.get(employee_no="L001").user
    user.set_password("Passw0rd!2026")  # what an administrator does
    user.save()
    response = client.post(
        reverse("login"), {"username": "L001", "password": "Passw0rd!2026"}, REMOTE_ADDR="10.9.0.1"
    )
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_imported_officer_with_email_can_set_a_first_password_by_reset(client, units, mailoutbox):
    header = HEADER_ZH + ",邮箱"
    run(
        csv_text(
            "L002,重置人,示范市/东城区/东华街道,专职安监员,2024-01-01,,,,l002@example.com", header=header
        )
    )
    client.post(reverse("password_reset"), {"email": "l002@example.com"})
    assert len(mailoutbox) == 1 and "l002@example.com" in mailoutbox[0].to
