"""The turnover and retention commands: JSON/CSV shapes of DESIGN.md, scoping by --unit, bad input."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.utils import translation

from tests.factories import EmploymentSpellFactory, OfficerFactory

D = dt.date
ROW_KEYS = {
    "period",
    "group",
    "label",
    "start_headcount",
    "end_headcount",
    "avg_headcount",
    "hires",
    "separations",
    "voluntary_separations",
    "turnover_rate",
}
GROUP_KEYS = {"key", "label", "n", "events", "median_tenure_days", "survival"}
POINT_KEYS = {"t", "at_risk", "events", "s", "ci_low", "ci_high"}


@pytest.fixture
def staff(street_east, street_west, district_east, district_west):
    """Four officers: one stays in the east street, one resigns there, one moves east → west (internal transfer),
    one auxiliary in the west leaves at contract end."""

    def spell(officer, unit, hire, leave=None, reason="", category=None):
        return EmploymentSpellFactory(
            officer=officer,
            unit=unit,
            hire_date=hire,
            leave_date=leave,
            leave_reason=reason,
            staff_category=category or officer.staff_category,
        )

    stays = OfficerFactory(unit=street_east, user=None)
    spell(stays, street_east, D(2024, 1, 1))
    quits = OfficerFactory(unit=street_east, user=None)
    spell(quits, street_east, D(2024, 1, 10), D(2024, 2, 10), "resigned")
    mover = OfficerFactory(unit=street_west, user=None)
    spell(mover, street_east, D(2023, 7, 1), D(2024, 2, 1), "internal_transfer")
    spell(mover, street_west, D(2024, 2, 1))
    aux = OfficerFactory(unit=street_west, user=None, staff_category="auxiliary")
    spell(aux, street_west, D(2024, 1, 1), D(2024, 3, 31), "contract_ended")
    return {"stays": stays, "quits": quits, "mover": mover, "aux": aux}


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(*args):
    return json.loads(run(*args, "--format", "json"))


def rows_by(report):
    return {(r["period"], r["group"]): r for r in report["rows"]}


@pytest.mark.django_db
class TestTurnoverCommand:
    def test_json_shape_and_city_figures(self, staff):
        report = run_json("turnover", "--period", "month", "--from", "2024-01-01", "--to", "2024-03-31")
        assert set(report) == {"period", "by", "rows"}
        assert (report["period"], report["by"]) == ("month", "none")
        assert [r["period"] for r in report["rows"]] == ["2024-01", "2024-02", "2024-03"]
        for r in report["rows"]:
            assert set(r) == ROW_KEYS
            assert r["group"] == "all"
        jan, feb, mar = report["rows"]
        assert (jan["start_headcount"], jan["end_headcount"], jan["avg_headcount"]) == (3, 4, 3.5)
        assert (jan["hires"], jan["separations"]) == (3, 0)
        # The mover's transfer on 1 Feb is neither a hire nor a separation for the city.
        assert (feb["hires"], feb["separations"], feb["voluntary_separations"]) == (0, 1, 1)
        assert feb["turnover_rate"] == pytest.approx(1 / 3.5)
        assert (mar["separations"], mar["voluntary_separations"], mar["end_headcount"]) == (1, 0, 2)
        assert isinstance(jan["avg_headcount"], float) and isinstance(jan["hires"], int)

    def test_quarter_and_year_labels(self, staff):
        q = run_json("turnover", "--period", "quarter", "--from", "2023-08-15", "--to", "2024-02-01")
        assert [r["period"] for r in q["rows"]] == ["2023-Q3", "2023-Q4", "2024-Q1"]
        y = run_json("turnover", "--period", "year", "--from", "2024-05-05", "--to", "2024-05-05")
        assert [r["period"] for r in y["rows"]] == ["2024"]
        assert y["rows"][0]["separations"] == 2

    def test_by_unit_rolls_up_and_counts_transfer_at_unit_level(self, staff):
        report = run_json(
            "turnover", "--period", "month", "--by", "unit", "--from", "2024-02-01", "--to", "2024-02-29"
        )
        rows = rows_by(report)
        assert [r["group"] for r in report["rows"]] == ["C01", "D01", "S0101", "D02", "S0201"]
        assert rows[("2024-02", "S0101")]["separations"] == 2  # the resignation and the transfer out
        assert rows[("2024-02", "D01")]["separations"] == 2
        assert rows[("2024-02", "S0201")]["hires"] == 1
        assert rows[("2024-02", "D02")]["hires"] == 1
        assert rows[("2024-02", "C01")]["hires"] == 0 and rows[("2024-02", "C01")]["separations"] == 1
        assert rows[("2024-02", "S0101")]["label"] == "东华街道"
        assert rows[("2024-02", "C01")]["end_headcount"] == 3

    def test_by_category_lists_every_category(self, staff):
        report = run_json(
            "turnover",
            "--period",
            "quarter",
            "--by",
            "category",
            "--from",
            "2024-01-01",
            "--to",
            "2024-03-31",
        )
        assert [r["group"] for r in report["rows"]] == ["civil_servant", "full_time", "auxiliary"]
        rows = rows_by(report)
        assert rows[("2024-Q1", "civil_servant")]["start_headcount"] == 0
        assert rows[("2024-Q1", "civil_servant")]["turnover_rate"] is None
        assert rows[("2024-Q1", "auxiliary")]["separations"] == 1
        assert rows[("2024-Q1", "auxiliary")]["label"] == "辅助执法人员"

    def test_unit_option_restricts_to_subtree(self, staff):
        report = run_json(
            "turnover", "--period", "month", "--unit", "D01", "--from", "2024-02-01", "--to", "2024-02-29"
        )
        (feb,) = report["rows"]
        assert feb["group"] == "all" and feb["label"] == "东城区"
        # Seen from the east district the mover left it.
        assert feb["separations"] == 2 and feb["start_headcount"] == 2 and feb["end_headcount"] == 1

    def test_csv(self, staff):
        text = run(
            "turnover", "--period", "month", "--from", "2024-01-01", "--to", "2024-02-29", "--format", "csv"
        )
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0]) == [
            "period",
            "group",
            "label",
            "start_headcount",
            "end_headcount",
            "avg_headcount",
            "hires",
            "separations",
            "voluntary_separations",
            "turnover_rate",
        ]
        assert [r["period"] for r in rows] == ["2024-01", "2024-02"]
        assert rows[1]["separations"] == "1"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--period", "month", "--from", "2024-02-30"], "2024-02-30"),
            (["--period", "month", "--from", "2024-03-01", "--to", "2024-01-01"], "2024-03-01"),
            (["--period", "month", "--unit", "NOPE"], "NOPE"),
            (["--period", "week"], "invalid choice"),
            (["--period", "month", "--by", "cohort"], "invalid choice"),
        ],
    )
    def test_bad_input(self, staff, args, message):
        with pytest.raises(CommandError, match=message):
            run("turnover", *args, "--format", "json")

    def test_format_is_required(self, staff):
        with pytest.raises(CommandError):
            run("turnover", "--period", "month")


@pytest.mark.django_db
class TestRetentionCommand:
    def test_json_shape(self, staff):
        report = run_json("retention", "--as-of", "2024-12-31")
        assert set(report) == {"as_of", "by", "groups"}
        assert (report["as_of"], report["by"]) == ("2024-12-31", "none")
        (group,) = report["groups"]
        assert set(group) == GROUP_KEYS
        assert group["key"] == "all"
        # Tenures (the transfer is merged): stays (censored), quits 31 d, mover (censored), aux 90 d.
        assert (group["n"], group["events"], group["median_tenure_days"]) == (4, 2, 90)  # S(90) = 0.75 · 2/3
        assert [set(p) for p in group["survival"]] == [POINT_KEYS, POINT_KEYS]
        first, second = group["survival"]
        assert (first["t"], first["at_risk"], first["events"]) == (31, 4, 1)
        assert first["s"] == pytest.approx(0.75, abs=1e-12)
        assert (second["t"], second["at_risk"]) == (90, 3)
        assert second["s"] == pytest.approx(0.5, abs=1e-12)
        assert first["ci_low"] < first["s"] < first["ci_high"]

    def test_median_is_first_time_at_or_below_half(self, staff):
        group = run_json("retention", "--as-of", "2024-12-31", "--by", "category")["groups"]
        assert [g["key"] for g in group] == ["civil_servant", "full_time", "auxiliary"]
        aux = group[2]
        assert aux["label"] == "辅助执法人员" and aux["median_tenure_days"] == 90
        assert group[0]["n"] == 0 and group[0]["survival"] == []

    def test_by_unit_ends_tenure_at_transfer(self, staff):
        groups = {
            g["key"]: g for g in run_json("retention", "--as-of", "2024-12-31", "--by", "unit")["groups"]
        }
        assert groups["S0101"]["events"] == 2  # resigned + transferred out
        assert groups["C01"]["events"] == 2  # the resignation and the contract end; the transfer is not one
        assert groups["S0101"]["label"] == "东华街道"

    def test_by_cohort_keys_are_years(self, staff):
        groups = run_json("retention", "--as-of", "2024-12-31", "--by", "cohort")["groups"]
        assert [g["key"] for g in groups] == ["2023", "2024"]
        assert [g["n"] for g in groups] == [1, 3]

    def test_as_of_censors_later_leaves(self, staff):
        (group,) = run_json("retention", "--as-of", "2024-02-01")["groups"]
        assert group["events"] == 0 and group["survival"] == []

    def test_unit_option(self, staff):
        (group,) = run_json("retention", "--as-of", "2024-12-31", "--unit", "D02")["groups"]
        assert group["label"] == "西城区"
        assert group["n"] == 2  # the mover (hired into the west on 1 Feb) and the auxiliary

    def test_csv(self, staff):
        text = run("retention", "--as-of", "2024-12-31", "--by", "category", "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0])[:5] == ["key", "label", "n", "total_events", "median_tenure_days"]
        assert rows[0]["key"] == "civil_servant" and rows[0]["t"] == ""
        assert {r["key"] for r in rows} == {"civil_servant", "full_time", "auxiliary"}

    @pytest.mark.parametrize(
        "args",
        [["--as-of", "31/12/2024"], ["--by", "mentor"], ["--unit", "NOPE"]],
    )
    def test_bad_input(self, staff, args):
        with pytest.raises(CommandError):
            run("retention", *args, "--format", "json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["turnover", "--period", "week", "--format", "json"], 2, "invalid choice"),
        (["retention", "--format", "yaml"], 2, "invalid choice"),
        (["turnover", "--period", "month", "--format", "csv", "--unit", "NOPE"], 1, "NOPE"),
        (["retention", "--format", "json", "--as-of", "2024-02-30"], 1, "2024-02-30"),
    ],
)
def test_bad_arguments_exit_non_zero(args, code, message, capsys):
    """As run from the shell (manage.py): a non-zero exit status, the reason on stderr, nothing on stdout."""
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", *args])
    assert exc.value.code == code
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


@pytest.mark.django_db
def test_error_messages_are_translated():
    with translation.override("zh-hans"), pytest.raises(CommandError, match="没有代码为 NOPE 的单位"):
        run("turnover", "--period", "month", "--unit", "NOPE", "--format", "json")
    with translation.override("en"), pytest.raises(CommandError, match="No unit with code NOPE"):
        run("turnover", "--period", "month", "--unit", "NOPE", "--format", "json")


def test_help_lists_the_interface():
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("turnover", "--help", stdout=out)
    assert exc.value.code == 0


@pytest.mark.django_db
def test_json_output_is_one_row_a_line_and_the_same_report(staff):
    """The JSON is written a row a line (the C encoder; an indented dump of 1,000 units × 132 months took seconds)
    and reads back as the report, Chinese labels unescaped."""
    text = run(
        "turnover",
        "--period",
        "month",
        "--by",
        "unit",
        "--from",
        "2024-01-01",
        "--to",
        "2024-03-31",
        "--format",
        "json",
    )
    report = json.loads(text)
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    row_lines = [line for line in lines if line.startswith('  {"period"')]
    assert len(row_lines) == len(report["rows"]) > 3
    assert [json.loads(line.rstrip(",")) for line in row_lines] == report["rows"]
    assert "\\u" not in text
    retention = run("retention", "--by", "unit", "--as-of", "2024-12-31", "--format", "json")
    groups = json.loads(retention)["groups"]
    assert sum(1 for line in retention.splitlines() if line.startswith('  {"key"')) == len(groups) > 1
