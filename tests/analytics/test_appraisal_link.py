"""执法考评 in analytics: the selection board's seventh component (the latest appraisal total; missing → 0 with its
reason) on the board and its export with its weight, and retention by appraisal band on /hr/ (landmark at the
appraisal, the minimum group size applied)."""

import datetime as dt
import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from analytics import frames, selectors
from analytics.dashboard import CHART_IDS, Filters, appraisal_chart
from analytics.models import COMPONENT_LABELS, MISSING_REASONS, SelectionBoard
from appraisal.models import AppraisalBand
from appraisal.services import appraisals as appraisal_services
from tests.analytics.test_frames import spells

FILTERS = Filters(
    unit=None, category=None, period="year", as_of=dt.date(2024, 12, 31), start=dt.date(2023, 1, 1)
)


def _appraisals(rows):
    return pd.DataFrame(
        {
            "officer_id": np.array([r[0] for r in rows], dtype=np.int64),
            "appraised_on": np.array([r[1] for r in rows], dtype="datetime64[D]"),
            "band": np.array([r[2] for r in rows], dtype=object),
        }
    )


def test_retention_by_band_starts_at_the_appraisal_and_keeps_the_minimum_group_size():
    rows, appraised = [], []
    for i in range(1, 13):  # 12 excellent officers stay
        rows.append((i, "S1", "full_time", dt.date(2022, 1, 1), None, ""))
        appraised.append((i, "2024-01-10", "excellent"))
    for i in range(13, 25):  # 12 not competent ones: half resign mid-2024
        leave = dt.date(2024, 6, 30) if i % 2 else None
        rows.append((i, "S1", "full_time", dt.date(2022, 1, 1), leave, "resigned" if leave else ""))
        appraised.append((i, "2024-01-10", "incompetent"))
    rows.append((30, "S1", "full_time", dt.date(2022, 1, 1), dt.date(2023, 12, 31), "resigned"))
    appraised.append((30, "2024-01-10", "basic"))  # left before the appraisal: not counted (landmark)
    for i in range(40, 43):  # a small group (3 officers): listed, neither drawn nor compared
        rows.append((i, "S1", "full_time", dt.date(2022, 1, 1), None, ""))
        appraised.append((i, "2024-02-01", "competent"))
    chart = appraisal_chart(frames.prepare(spells(*rows)), FILTERS, _appraisals(appraised))
    label = {b.value: str(b.label) for b in AppraisalBand}
    table = {r[0]: r for r in chart["table"]["rows"]}
    # The officer who left before the appraisal is not counted: no 基本称职 group at all.
    assert set(table) == {label["excellent"], label["incompetent"], label["competent"]}
    assert table[label["excellent"]][1:3] == [12, 0] and table[label["incompetent"]][1:3] == [12, 6]
    assert (
        table[label["competent"]][1] == 3 and table[label["competent"]][-1]
    )  # too few: marked, not compared
    drawn = [d.get("name") for d in chart["figure"]["data"] if d.get("name")]
    assert label["competent"] not in drawn and label["excellent"] in drawn and label["incompetent"] in drawn


def test_the_chart_is_on_the_dashboard_list():
    assert CHART_IDS[-1] == "km_appraisal"


@pytest.mark.django_db
def test_dashboard_and_export_show_retention_by_band(client, street_east, make_officer, hr_east, leader_east):
    officer = make_officer(street_east, username="inpost1")
    cycle = appraisal_services.open_cycle(
        by=leader_east,
        name="2026年度执法考评",
        unit=street_east.get_parent(),
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
    )
    appraisal_services.decide(by=leader_east, cycle=cycle, officer=officer)
    frame = selectors.appraisal_frame([officer.pk])
    assert list(frame["band"]) == ["incompetent"]
    client.force_login(hr_east)
    page = client.get("/hr/")
    assert (
        page.status_code == 200
        and 'id="km_appraisal"' in page.content.decode()
        or any(c["id"] == "km_appraisal" for c in page.context["charts"])
    )
    export = client.get(reverse("analytics:export", args=["km_appraisal", "csv"]))
    assert export.status_code == 200


@pytest.mark.django_db
def test_board_seventh_component_is_the_latest_appraisal_with_its_weight(
    client, district_east, street_east, make_officer, hr_east, leader_east
):
    appraised, not_yet = (
        make_officer(street_east, username="ap1", name="甲"),
        make_officer(street_east, username="ap2", name="乙"),
    )
    board = SelectionBoard.objects.create(
        title="在岗择优",
        unit=district_east,
        created_by=hr_east,
        w_self_study=0,
        w_timeliness=0,
        w_training=0,
        w_exam=0,
        w_mentor_evaluation=0,
        w_milestones_on_time=0,
        w_appraisal=1,
    )
    board.candidates.set([appraised, not_yet])
    older = appraisal_services.open_cycle(
        by=leader_east,
        name="2025",
        unit=district_east,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
    )
    newer = appraisal_services.open_cycle(
        by=leader_east,
        name="2026",
        unit=district_east,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
    )
    items = list(newer.leader_rubric.items.all())
    appraisal_services.record_leader_evaluation(
        by=leader_east, cycle=older, officer=appraised, scores={i.pk: 10 for i in items}
    )
    appraisal_services.decide(by=leader_east, cycle=older, officer=appraised)  # 25
    appraisal_services.record_leader_evaluation(
        by=leader_east, cycle=newer, officer=appraised, scores={i.pk: 8 for i in items}
    )
    appraisal_services.decide(by=leader_east, cycle=newer, officer=appraised)  # 20: the newest cycle counts
    comps = selectors.components_for([appraised.pk, not_yet.pk])
    assert comps[appraised.pk]["appraisal"] == 20.0 and comps[not_yet.pk]["appraisal"] is None
    assert len(COMPONENT_LABELS) == 7
    client.force_login(hr_east)
    page = client.get(reverse("analytics:board_detail", args=[board.pk])).content.decode()
    assert str(COMPONENT_LABELS["appraisal"]) in page
    ranking = selectors.board_ranking(board, hr_east)
    assert [r["officer"].name for r in ranking["ranked_rows"]] == ["甲"]
    assert ranking["incomplete_rows"][0]["missing"] == [
        (str(COMPONENT_LABELS["appraisal"]), str(MISSING_REASONS["appraisal"]))
    ]
    xlsx = client.get(reverse("analytics:board_export", args=[board.pk]))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    weights_line, header = rows[1], rows[2]
    assert f"{COMPONENT_LABELS['appraisal']} 1" in weights_line
    column = header.index(str(COMPONENT_LABELS["appraisal"]))
    assert rows[3][column] == 20.0
    assert Decimal(str(rows[3][4])) == Decimal("20")  # the composite score
