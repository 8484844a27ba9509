"""Round outcomes: scorecards and weakest items (hand-checked), the xlsx export (text as text), the printable report,
`review_round_report`, scoping and bounded queries."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from appraisal import outcomes
from appraisal.models import CaseFile
from appraisal.services import rounds
from tests.appraisal.review_factories import make_setup, scores_for, submit, uniform
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def _closed_round(make_officer):
    s = make_setup(make_officer, files=2)
    a, b = s.round_cases
    CaseFile.objects.filter(pk=a.case_id).update(title='=HYPERLINK("http://x")')
    values = {"facts": 10, "law": 10, "procedure": 4, "evidence": 10, "documents": 8, "archiving": 10}
    submit(s, a, 1, scores_for(s.round, values))  # 20+20+8+15+12+10 = 85
    submit(s, a, 2, uniform(s.round, 8))  # 80
    submit(s, b, 1, uniform(s.round, 6))  # 60
    submit(s, b, 2, uniform(s.round, 7))  # 70
    rounds.close_round(by=s.leader, round_=s.round)
    return s


def test_scorecards_and_weakest_items_hand_checked(make_officer, django_assert_max_num_queries):
    s = _closed_round(make_officer)
    with django_assert_max_num_queries(8):
        results = outcomes.round_results(s.round)
    assert [f["final_score"] for f in results["files"]] == [Decimal("82.50"), Decimal("65.00")]
    (unit,) = results["by_unit"]
    assert unit["files"] == 2 and unit["mean"] == Decimal("73.75") and unit["lowest"] == Decimal("65.00")
    (officer,) = results["by_officer"]
    assert officer["officer"] == "王承办" and officer["mean"] == Decimal("73.75")
    by_item = {i["code"]: i for i in results["by_item"]}
    # procedure: (0.4 + 0.8 + 0.6 + 0.7) / 4 = 0.625; documents: (0.8 + 0.8 + 0.6 + 0.7) / 4 = 0.725
    assert by_item["procedure"]["mean_share"] == Decimal("62.50")
    assert by_item["procedure"]["mean_score"] == Decimal("6.25")
    assert outcomes.weakest_items(results, 2)[0]["code"] == "procedure"
    trend = outcomes.trend(s.leader, officer=s.handler)
    assert trend == [
        {
            "round_id": s.round.pk,
            "round": s.round.name,
            "period_end": s.round.period_end,
            "files": 2,
            "mean": Decimal("73.75"),
            "change": None,
        }
    ]


def test_export_writes_text_as_text_and_the_numbers(client, make_officer):
    s = _closed_round(make_officer)
    client.force_login(s.leader)
    response = client.get(reverse("appraisal_results_export", args=[s.round.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "案号" and rows[0][-1] == "最终得分"
    first = rows[1]
    assert first[1] == '=HYPERLINK("http://x")' and ws.cell(row=2, column=2).data_type == "s"
    assert first[6] == 85 and first[8] == 80 and first[-1] == 82.5
    assert first[11 + 2] == 6  # 办案程序: the mean of 4 and 8


def test_results_pages_are_scoped(client, make_officer, leader_east, hr_east):
    s = _closed_round(make_officer)
    hr_south = make_staff("hr_south", "hr", s.district)
    for user, status in ((s.leader, 200), (hr_south, 200), (leader_east, 404), (hr_east, 404)):
        client.force_login(user)
        assert client.get(reverse("appraisal_results_detail", args=[s.round.pk])).status_code == status
        assert client.get(reverse("appraisal_results_report", args=[s.round.pk])).status_code == status
    client.force_login(s.reviewers[0].user)
    assert client.get(reverse("appraisal_results_detail", args=[s.round.pk])).status_code in (302, 403)
    client.force_login(s.leader)
    page = client.get(reverse("appraisal_results_report", args=[s.round.pk])).content.decode()
    assert "@page{size:A4" in page and "82.50" in page


def test_review_round_report_command(make_officer, tmp_path):
    s = _closed_round(make_officer)
    out = io.StringIO()
    xlsx = tmp_path / "round.xlsx"
    call_command(
        "review_round_report", "--round", str(s.round.pk), "--format", "json", "--xlsx", str(xlsx), stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["round"]["id"] == s.round.pk
    first = data["files"][0]
    assert first["handler"] == "王承办" and first["final_score"] == 82.5
    assert [r["total"] for r in first["reviews"]] == [85.0, 80.0]
    assert first["reviews"][0]["items"]["procedure"] == 4.0
    assert data["by_unit"][0]["mean"] == 73.75
    assert {i["code"]: i["mean_share"] for i in data["by_item"]}["procedure"] == 62.5
    assert load_workbook(xlsx).active.max_row == 3
    out = io.StringIO()
    call_command("review_round_report", "--round", str(s.round.pk), "--format", "csv", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("案号,")
    with pytest.raises(CommandError):
        call_command("review_round_report", "--round", "999999", stdout=io.StringIO())


def test_an_item_at_full_marks_is_never_a_weakest_item():
    results = {
        "by_item": [
            {"code": "facts", "mean_share": Decimal("100.00")},
            {"code": "archive", "mean_share": Decimal("100.00")},
            {"code": "procedure", "mean_share": Decimal("62.50")},
            {"code": "documents", "mean_share": None},
        ]
    }
    assert [i["code"] for i in outcomes.weakest_items(results)] == ["procedure"]


def test_items_tied_at_the_cut_are_not_picked_by_their_code():
    from appraisal.outcomes import _lowest

    def item(code, share):
        return {"code": code, "mean_share": Decimal(share)}

    items = [
        item("A", "79.23"),
        item("B", "79.23"),
        item("C", "74.62"),
        item("D", "79.23"),
        item("E", "77.69"),
    ]
    assert [i["code"] for i in _lowest(items, 3)] == ["C", "E"]
    assert [i["code"] for i in _lowest(items, 5)] == ["C", "E", "A", "B", "D"]
    assert [i["code"] for i in _lowest([item("A", "50"), item("B", "60")], 3)] == ["A", "B"]
    assert _lowest([item("A", "100")], 3) == []
