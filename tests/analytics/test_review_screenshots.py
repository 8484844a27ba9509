"""The reviewer's findings on the /hr/ and selection-board screenshots (demo city, 360 and 1280 px)."""

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from analytics import charts, frames
from analytics.dashboard import Filters, appraisal_chart
from analytics.models import AppointmentDecision, SelectionBoard
from tests.analytics.test_frames import spells

TODAY = dt.date(2024, 12, 31)
FILTERS = Filters(unit=None, category=None, period="year", as_of=TODAY, start=dt.date(2023, 1, 1))


def _annotation(out) -> str:
    return " ".join(a["text"] for a in out["figure"]["layout"].get("annotations", []))


def test_appraisals_decided_today_draw_not_enough_data_not_empty_axes():
    # As in the demo city: every appraisal was decided on the as-of day, so nobody has any follow-up yet.
    rows, appraised = [], []
    for i in range(24):
        rows.append((i, "S1", "full_time", dt.date(2020, 1, 1), None, ""))
        appraised.append((i, TODAY.isoformat(), "competent" if i < 12 else "excellent"))
    appraisals = pd.DataFrame(
        {
            "officer_id": [r[0] for r in appraised],
            "appraised_on": pd.to_datetime([r[1] for r in appraised]).values.astype("datetime64[D]"),
            "band": [r[2] for r in appraised],
        }
    )
    chart = appraisal_chart(frames.prepare(spells(*rows)), FILTERS, appraisals)
    assert chart["figure"]["data"] == []  # no legend entries for curves that are not there
    assert "数据不足" in _annotation(chart)
    assert chart["figure"]["layout"]["xaxis"]["visible"] is False


def test_a_group_with_no_follow_up_has_no_curve_nor_legend_entry():
    durations = [100 * (i + 1) for i in range(12)] + [0] * 12
    events = [i % 3 == 0 for i in range(12)] + [False] * 12
    cmp = frames.compare(durations, events, ["long"] * 12 + ["today"] * 12)
    out = charts.km_curves(cmp, {}, x_title="days")
    names = {d.get("legendgroup") for d in out["figure"]["data"]}
    assert names == {"long"}


def test_short_follow_up_has_whole_day_ticks_that_do_not_repeat():
    cmp = frames.compare([1, 2, 3] * 4, [False] * 12, ["a"] * 12)
    layout = charts.km_curves(cmp, {}, x_title="days")["figure"]["layout"]
    assert layout["xaxis"]["dtick"] == 1 and layout["xaxis"]["tickformat"] == ",d"
    assert layout["xaxis"]["range"] == [0, 3.0]


def test_too_few_officers_is_said_once():
    cmp = frames.compare([10, 20, 30], [1, 0, 1], ["a", "a", "b"])
    out = charts.km_curves(cmp, {"a": "甲", "b": "乙"}, x_title="days")
    assert "样本不足" in _annotation(out)
    assert "样本不足" not in out["status"] and "甲" in out["status"] and "乙" in out["status"]
    assert (_annotation(out) + out["status"]).count("不作比较") == 1


def test_mode_bar_is_hidden_on_narrow_screens():
    js = (Path(charts.__file__).parent / "static" / "analytics" / "dashboard.js").read_text()
    assert "max-width: 600px" in js
    assert 'displayModeBar: narrow ? false : "hover"' in js
    assert "fig.layout, config()" in js


@pytest.mark.django_db
def test_board_names_the_decider_and_exports_xlsx_in_capitals(
    client, district_east, street_east, make_officer, hr_east
):
    hr_east.first_name, hr_east.last_name = "晓红", "王"
    hr_east.save()
    officer = make_officer(street_east, username="cand_x", name="候选人X")
    board = SelectionBoard.objects.create(title="择优选用", unit=district_east, created_by=hr_east)
    board.candidates.set([officer])
    AppointmentDecision.objects.create(
        board=board, officer=officer, outcome="extend", rationale="延长见习期", decided_by=hr_east
    )
    client.force_login(hr_east)
    page = client.get(reverse("analytics:board_detail", args=[board.pk])).content.decode()
    assert "由 王晓红 于" in page and f"由 {hr_east.username}" not in page
    assert "导出 XLSX" in page and "导出 xlsx" not in page
    ws = load_workbook(
        io.BytesIO(client.get(reverse("analytics:board_export", args=[board.pk])).content)
    ).active
    assert "王晓红" in [c.value for r in ws.iter_rows() for c in r]


def test_person_name_falls_back_to_the_login_name(django_user_model, db):
    from cms.selectors import person_name

    assert person_name(django_user_model(username="nobody")) == "nobody"
    assert person_name(django_user_model(username="x", first_name="三", last_name="张")) == "张三"
    assert person_name(None) == ""
