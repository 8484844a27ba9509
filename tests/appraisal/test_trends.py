"""Outcomes across rounds: per officer and per unit, the mean score per closed round and the weakest items
(hand-checked over two closed rounds, with a third review and a co-handled file), on the handler's own results page,
the staff round results page and the staff officer page; scoping, denials and bounded queries.

The district 南城区 (make_setup) has two handlers: 王承办 (南湖街道) and 李办案 (南岭街道). Items score 0–10, weights
20/20/20/15/15/10.

Round A, 2025年下半年 (closed):
  A1 王承办: 60 / 70 (uniform 6, 7), within the gap → 65.00
  A2 李办案: 94.50 / 94.50 (procedure 8, documents 9, the rest 10) → 94.50
Round B, 2026年上半年 (closed):
  B1 王承办: 85 (procedure 4, documents 8, the rest 10) / 80 (uniform 8) → 82.50
  B2 王承办: 60 / 90, a third review 70 → median 70.00 (all three reviews count)
  B3 李办案 with 王承办 as co-handler: 100 / 100 → 100.00
Round C (open): C1 王承办: 20 / 20 → 20.00 — never part of a trend or of the weakest items.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal import outcomes
from appraisal.models import ReviewAssignment, ReviewRound, RoundCase
from appraisal.services import rounds
from tests.appraisal.factories import CaseFileFactory, ReviewRoundFactory
from tests.appraisal.review_factories import make_setup, scores_for, submit, uniform
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

B1_FIRST = {"facts": 10, "law": 10, "procedure": 4, "evidence": 10, "documents": 8, "archiving": 10}  # 85
A2_BOTH = {"facts": 10, "law": 10, "procedure": 8, "evidence": 10, "documents": 9, "archiving": 10}  # 94.5


def _new_round(s, name, period_end, status=ReviewRound.Status.OPEN):
    return ReviewRoundFactory(
        unit=s.district,
        opened_by=s.leader,
        status=status,
        name=name,
        period_start=period_end.replace(month=1 if period_end.month <= 6 else 7, day=1),
        period_end=period_end,
    )


def _file(s, round_, handler, *, reviewers, co_handlers=()):
    """A drawn file of `handler` in `round_`, its first two reviews assigned to `reviewers`."""
    case = CaseFileFactory(handler=handler, co_handlers=list(co_handlers))
    rc = RoundCase.objects.create(round=round_, case=case, draw_order=round_.cases.count() + 1)
    for ordinal, reviewer in enumerate(reviewers, start=1):
        ReviewAssignment.objects.create(round_case=rc, reviewer=reviewer, ordinal=ordinal)
    return rc


def _review(s, rc, ordinal, score_map):
    submit(s, rc, ordinal, score_map)


def _setup(make_officer):
    s = make_setup(make_officer, files=0, name="2026年上半年案卷评查")  # round B
    s.second = make_officer(s.streets[1], username="handler_two", name="李办案")
    round_b = s.round
    south_reviewers = s.reviewers[:2]  # 南岭, 南山: for 南湖's files
    north_reviewers = s.reviewers[1:]  # 南山, 南山: for 南岭's files
    s.round_a = _new_round(s, "2025年下半年案卷评查", datetime.date(2025, 12, 31))
    a1 = _file(s, s.round_a, s.handler, reviewers=south_reviewers)
    _review(s, a1, 1, uniform(s.round_a, 6))
    _review(s, a1, 2, uniform(s.round_a, 7))
    a2 = _file(s, s.round_a, s.second, reviewers=north_reviewers)
    _review(s, a2, 1, scores_for(s.round_a, A2_BOTH))
    _review(s, a2, 2, scores_for(s.round_a, A2_BOTH))
    rounds.close_round(by=s.leader, round_=s.round_a)

    b1 = _file(s, round_b, s.handler, reviewers=south_reviewers)
    _review(s, b1, 1, scores_for(round_b, B1_FIRST))
    _review(s, b1, 2, uniform(round_b, 8))
    b2 = _file(s, round_b, s.handler, reviewers=south_reviewers)
    _review(s, b2, 1, uniform(round_b, 6))
    _review(s, b2, 2, uniform(round_b, 9))  # 30 apart: a third reviewer is assigned
    _review(s, b2, 3, uniform(round_b, 7))
    b3 = _file(s, round_b, s.second, reviewers=north_reviewers, co_handlers=[s.handler])
    _review(s, b3, 1, uniform(round_b, 10))
    _review(s, b3, 2, uniform(round_b, 10))
    rounds.close_round(by=s.leader, round_=round_b)

    s.round_c = _new_round(s, "2026年下半年案卷评查", datetime.date(2026, 12, 31))
    c1 = _file(s, s.round_c, s.handler, reviewers=south_reviewers)
    _review(s, c1, 1, uniform(s.round_c, 2))
    _review(s, c1, 2, uniform(s.round_c, 2))
    s.files = {"A1": a1, "A2": a2, "B1": b1, "B2": b2, "B3": b3, "C1": c1}
    for rc in s.files.values():
        rc.refresh_from_db()
    return s


def _points(trend):
    return [(t["round"], t["files"], t["mean"], t["change"]) for t in trend]


def _shares(items):
    return [(i["code"], i["mean_share"]) for i in items]


def test_the_files_scores_are_as_hand_checked(make_officer):
    s = _setup(make_officer)
    scores = {name: rc.score for name, rc in s.files.items()}
    assert scores == {
        "A1": Decimal("65.00"),
        "A2": Decimal("94.50"),
        "B1": Decimal("82.50"),
        "B2": Decimal("70.00"),
        "B3": Decimal("100.00"),
        "C1": Decimal("20.00"),  # scored, but its round is still open
    }
    assert s.files["B2"].needs_third and not s.files["B1"].needs_third


def test_officer_trend_and_weakest_items_across_closed_rounds(make_officer, django_assert_max_num_queries):
    s = _setup(make_officer)
    with django_assert_max_num_queries(2):
        mine = outcomes.own_outcomes(s.handler)
    # A: A1 65.00. B: B1 82.50, B2 70.00 and B3 (co-handled) 100.00 → 252.50 / 3 = 84.17, up 19.17.
    assert _points(mine["trend"]) == [
        ("2025年下半年案卷评查", 1, Decimal("65.00"), None),
        ("2026年上半年案卷评查", 3, Decimal("84.17"), Decimal("19.17")),
    ]
    # Nine counted scores per item (A1 ×2, B1 ×2, B2 ×3, B3 ×2), as shares of 10:
    # procedure .6 .7 .4 .8 .6 .9 .7 1 1 = 6.7 / 9 = 74.44 %; documents .6 .7 .8 .8 .6 .9 .7 1 1 = 7.1 / 9 = 78.89 %;
    # every other item 7.3 / 9 = 81.11 %: four items tied at the cut, so none of them is named a weakness.
    assert _shares(mine["weakest"]) == [
        ("procedure", Decimal("74.44")),
        ("documents", Decimal("78.89")),
    ]
    assert mine["weakest"][0]["mean_score"] == Decimal("7.44") and mine["weakest"][0]["name"] == "办案程序"
    assert len(mine["items"]) == 6
    # 李办案: A2 94.50, B3 100.00; the items every reviewer gave full marks are nobody's weakness.
    theirs = outcomes.own_outcomes(s.second)
    assert _points(theirs["trend"]) == [
        ("2025年下半年案卷评查", 1, Decimal("94.50"), None),
        ("2026年上半年案卷评查", 1, Decimal("100.00"), Decimal("5.50")),
    ]
    # procedure .8 .8 1 1 = 90 %; documents .9 .9 1 1 = 95 %; facts, law, evidence, archiving 100 %.
    assert _shares(theirs["weakest"]) == [("procedure", Decimal("90.00")), ("documents", Decimal("95.00"))]
    # The staff view of the same officer over the rounds the leader reads is the same.
    staff = outcomes.officer_outcomes(s.handler, rounds=outcomes.closed_rounds_for(s.leader))
    assert staff["trend"] == mine["trend"] and staff["weakest"] == mine["weakest"]
    assert outcomes.trend(s.leader, officer=s.handler) == mine["trend"]


def test_unit_trends_and_each_units_weakest_items(make_officer, django_assert_max_num_queries):
    s = _setup(make_officer)
    outcomes.closed_rounds_for(s.leader).exists()  # the leader's roles and scope are read once per request
    with django_assert_max_num_queries(2):
        data = outcomes.unit_trends(s.leader, unit=s.district)
    assert [r["round"] for r in data["rounds"]] == ["2025年下半年案卷评查", "2026年上半年案卷评查"]
    cells = {u["unit"]: [(c["files"], c["mean"]) if c else None for c in u["cells"]] for u in data["units"]}
    # 南湖: A1 65.00; B1 82.50 and B2 70.00 → 76.25. 南岭: A2 94.50; B3 100.00 (the file's unit, not a co-handler's).
    assert cells == {
        "南湖街道": [(1, Decimal("65.00")), (2, Decimal("76.25"))],
        "南岭街道": [(1, Decimal("94.50")), (1, Decimal("100.00"))],
    }
    weakest = {u["unit"]: _shares(u["weakest"]) for u in data["units"]}
    # 南湖: seven counted scores per item (A1 ×2, B1 ×2, B2 ×3): procedure 4.7 / 7 = 67.14 %, documents 5.1 / 7 =
    # 72.86 %, the others 5.3 / 7 = 75.71 % (tied at the cut: none named).
    assert weakest == {
        "南湖街道": [
            ("procedure", Decimal("67.14")),
            ("documents", Decimal("72.86")),
        ],
        "南岭街道": [("procedure", Decimal("90.00")), ("documents", Decimal("95.00"))],
    }
    # The subtree: A (65.00 + 94.50) / 2 = 79.75; B 252.50 / 3 = 84.17, up 4.42; the open round C is not in it.
    assert _points(data["trend"]) == [
        ("2025年下半年案卷评查", 2, Decimal("79.75"), None),
        ("2026年上半年案卷评查", 3, Decimal("84.17"), Decimal("4.42")),
    ]
    assert data["trend"] == outcomes.trend(s.leader, unit=s.district)


def test_the_sql_weakest_items_agree_with_the_round_results(make_officer):
    """The aggregate follows _counted's rule: the third review counts only when the first two were too far apart."""
    s = _setup(make_officer)
    for round_ in (s.round_a, s.round):
        by_item = outcomes.round_results(round_)["by_item"]
        files = RoundCase.objects.filter(round=round_, score__isnull=False)
        aggregated = outcomes._items_by(outcomes._counted_scores(files))[None]
        assert _shares(aggregated) == _shares(by_item)
        assert [i["mean_score"] for i in aggregated] == [i["mean_score"] for i in by_item]


def test_a_correction_after_closing_moves_the_trend(make_officer):
    """Only effective reviews count: the correction replaces the review it corrects."""
    s = _setup(make_officer)
    b1 = s.files["B1"]
    from appraisal.services import reviews  # noqa: PLC0415

    first = reviews.effective_by_ordinal(b1)[1]
    fixed = {**B1_FIRST, "procedure": 6}  # 85 → 89, still within the gap of 80: B1 (89 + 80) / 2 = 84.50
    reviews.correct_review(by=s.leader, review=first, scores=scores_for(s.round, fixed), reason="复核")
    mine = outcomes.own_outcomes(s.handler)
    # B: (84.50 + 70.00 + 100.00) / 3 = 84.83, up 19.83 from A's 65.00
    assert _points(mine["trend"])[1] == ("2026年上半年案卷评查", 3, Decimal("84.83"), Decimal("19.83"))
    # procedure's 0.4 becomes 0.6: 6.9 / 9 = 76.67 %
    assert _shares(mine["weakest"]) == [
        ("procedure", Decimal("76.67")),
        ("documents", Decimal("78.89")),
    ]


# --- pages ----------------------------------------------------------------------------------------------------------


def test_handler_page_shows_own_trend_and_weakest_items_of_closed_rounds_only(client, make_officer):
    s = _setup(make_officer)
    client.force_login(s.handler.user)
    page = client.get(reverse("appraisal:results")).content.decode()
    trend = page[page.index('id="my-trend"') : page.index('id="my-weakest"')]
    assert "2025年下半年案卷评查" in trend and "2026年上半年案卷评查" in trend
    assert trend.index("2025年下半年案卷评查") < trend.index("2026年上半年案卷评查")  # oldest first
    assert "65" in trend and "84.17" in trend and "+19.17" in trend
    assert "2025年12月31日" in trend  # dates the Chinese way
    weakest = page[page.index('id="my-weakest"') :]
    assert (
        weakest.index("办案程序") < weakest.index("文书制作")
        and "74.44%" in weakest
        and "7.44 / 10" in weakest
    )
    # the open round is nowhere: neither its file nor its score
    assert "2026年下半年案卷评查" not in page and s.files["C1"].case.number not in page
    assert s.files["B3"].case.number in page  # the co-handled file
    # English strings are translated
    assert "我的各轮得分" in page and "我的薄弱项目" in page


def test_handler_page_before_any_round_closes_shows_no_trend(client, make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    submit(s, rc, 1, uniform(s.round, 5))
    submit(s, rc, 2, uniform(s.round, 6))
    client.force_login(s.handler.user)
    page = client.get(reverse("appraisal:results")).content.decode()
    assert 'id="my-trend"' not in page and 'id="my-weakest"' not in page and "55.00" not in page


def test_staff_round_page_shows_unit_trends_and_links_officers(client, make_officer):
    s = _setup(make_officer)
    client.force_login(s.leader)
    page = client.get(reverse("appraisal_results_detail", args=[s.round.pk])).content.decode()
    table = page[page.index('id="unit-trend"') : page.index('id="unit-weakest"')]
    assert table.index("南湖街道") < table.index("南岭街道")
    assert "76.25" in table and "94.50" in table and "（2）" in table
    assert "2026年下半年案卷评查" not in table  # open
    weakest = page[page.index('id="unit-weakest"') :]
    assert "办案程序 67.14%、文书制作 72.86%</td>" in weakest
    assert "办案程序 90.00%、文书制作 95.00%" in weakest
    trend = page[page.index('id="trend"') : page.index('id="unit-trend"')]
    assert "79.75" in trend and "84.17" in trend
    assert reverse("appraisal_results_officer", args=[s.handler.pk]) in page
    assert reverse("appraisal_results_officer", args=[s.second.pk]) in page
    assert "各单位历轮走势" in page


def test_staff_officer_page_shows_trend_and_weakest_items(client, make_officer):
    s = _setup(make_officer)
    client.force_login(s.leader)
    response = client.get(reverse("appraisal_results_officer", args=[s.handler.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    trend = page[page.index('id="officer-trend"') : page.index('id="officer-items"')]
    assert reverse("appraisal_results_detail", args=[s.round_a.pk]) in trend
    assert "65.00" in trend and "84.17" in trend and "+19.17" in trend and "2026年下半年案卷评查" not in trend
    items = page[page.index('id="officer-items"') :]
    assert "办案程序 ⚠" in items and "74.44" in items and "文书制作 ⚠" in items
    assert "案卷归档 ⚠" not in items and "事实认定 ⚠" not in items  # tied at the cut


def test_staff_officer_page_is_scoped(client, make_officer, leader_east, hr_east, superuser):
    s = _setup(make_officer)
    url = reverse("appraisal_results_officer", args=[s.handler.pk])
    hr_south = make_staff("hr_south", "hr", s.district)
    admin_south = make_staff("tadmin_south", "training_admin", s.district)
    street_leader = make_staff("leader_nanling", "unit_leader", s.streets[1])  # 南岭街道 only
    for user, status in (
        (s.leader, 200),
        (hr_south, 200),
        (admin_south, 200),
        (superuser, 200),
        (leader_east, 404),  # another subtree
        (hr_east, 404),
        (street_leader, 404),  # 王承办 works in 南湖街道, outside 南岭街道
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    client.force_login(street_leader)
    assert client.get(reverse("appraisal_results_officer", args=[s.second.pk])).status_code == 200
    for user in (
        s.handler.user,
        s.second.user,
        s.reviewers[0].user,
    ):  # handlers and reviewers: not staff pages
        client.force_login(user)
        for officer in (s.handler, s.second):
            assert client.get(reverse("appraisal_results_officer", args=[officer.pk])).status_code in (
                302,
                403,
            )
    client.force_login(s.leader)
    assert client.get(reverse("appraisal_results_officer", args=[999999])).status_code == 404


def test_other_subtrees_trends_stay_out(client, make_officer, district_east, leader_east):
    """A leader of another district reads neither these rounds nor these units' trends."""
    s = _setup(make_officer)
    assert outcomes.unit_trends(leader_east, unit=district_east) == {"trend": [], "rounds": [], "units": []}
    assert outcomes.trend(leader_east, officer=s.handler) == []
    assert outcomes.officer_outcomes(s.handler, rounds=outcomes.closed_rounds_for(leader_east))["trend"] == []
    client.force_login(leader_east)
    assert client.get(reverse("appraisal_results_detail", args=[s.round.pk])).status_code == 404


# --- bounded queries ------------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # warm the per-process caches (Wagtail's locales, menus)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _more_rounds(s, make_officer, n_rounds=2, officers=3):
    """More closed rounds with files of more officers of both streets."""
    extra = [
        make_officer(s.streets[i % 2], username=f"extra_handler_{i}", name=f"新承办{i}")
        for i in range(officers)
    ]
    for k in range(n_rounds):
        round_ = _new_round(s, f"加轮{k}", datetime.date(2024, 6 + k, 28))
        for officer in [s.handler, s.second, *extra]:
            reviewers = s.reviewers[:2] if officer.unit_id == s.streets[0].pk else s.reviewers[1:]
            rc = _file(s, round_, officer, reviewers=reviewers)
            _review(s, rc, 1, uniform(round_, 7))
            _review(s, rc, 2, uniform(round_, 8))
        rounds.close_round(by=s.leader, round_=round_)
    return extra


# Signed-in page overhead (session, user, roles, scope, Wagtail's menus) plus: the handler's page 6 (officer, files,
# their counted scores, follow-ups, items across rounds, trend), the round page 8 (round, round_results' 5, the
# units' trend, the units' items), the officer page 3 (officer, items across rounds, trend).
HANDLER_PAGE_QUERIES = 10
ROUND_PAGE_QUERIES = 20
OFFICER_PAGE_QUERIES = 15


def test_page_queries_do_not_grow_with_rounds_or_officers(
    client, make_officer, django_assert_max_num_queries
):
    s = _setup(make_officer)
    pages = {
        "handler": (s.handler.user, reverse("appraisal:results"), HANDLER_PAGE_QUERIES),
        "round": (s.leader, reverse("appraisal_results_detail", args=[s.round.pk]), ROUND_PAGE_QUERIES),
        "officer": (
            s.leader,
            reverse("appraisal_results_officer", args=[s.handler.pk]),
            OFFICER_PAGE_QUERIES,
        ),
    }

    def counts():
        out = {}
        for name, (user, url, _limit) in pages.items():
            client.force_login(user)
            out[name] = _count(client, url)
        return out

    before = counts()
    _more_rounds(s, make_officer)
    assert ReviewRound.objects.filter(status=ReviewRound.Status.CLOSED).count() == 4
    after = counts()
    assert after == before
    for _name, (user, url, limit) in pages.items():
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200
