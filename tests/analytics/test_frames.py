"""analytics.frames against small hand-computed cases (no database)."""

import datetime as dt
import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from analytics import frames

D = dt.date
COLUMNS = ["officer_id", "unit", "unit_path", "staff_category", "hire_date", "leave_date", "leave_reason"]
PATHS = {
    "C": "0001",
    "D1": "00010001",
    "S1": "000100010001",
    "S2": "000100010002",
    "D2": "00010002",
    "S3": "000100020001",
}
UNITS = pd.DataFrame({"code": list(PATHS), "path": list(PATHS.values())})


def spells(*rows):
    return pd.DataFrame(
        [(o, u, PATHS[u], c, h, lv, r) for o, u, c, h, lv, r in rows],
        columns=COLUMNS,
    )


# Officer 1 stays; 2 resigns in February; 3 is dismissed on 31 March; 4 retired on 1 January 2024.
BASIC = spells(
    (1, "S1", "full_time", D(2024, 1, 1), None, ""),
    (2, "S1", "full_time", D(2024, 1, 15), D(2024, 2, 10), "resigned"),
    (3, "S2", "auxiliary", D(2024, 2, 1), D(2024, 3, 31), "dismissed"),
    (4, "S1", "civil_servant", D(2023, 6, 1), D(2024, 1, 1), "retired"),
)


def row(table, period, group="all"):
    hit = table[(table["period"] == period) & (table["group"] == group)]
    assert len(hit) == 1, (period, group)
    return hit.iloc[0]


class TestHeadcountAndTurnover:
    def test_headcount_counts_hire_day_but_not_leave_day(self):
        assert frames.headcount_on(BASIC, D(2024, 1, 1))["all"] == 1  # 1 hired that day, 4 left that day
        assert frames.headcount_on(BASIC, D(2023, 12, 31))["all"] == 1
        assert frames.headcount_on(BASIC, D(2024, 2, 1))["all"] == 3
        assert frames.headcount_on(BASIC, D(2024, 3, 31))["all"] == 1

    def test_monthly(self):
        t = frames.turnover(BASIC, period="month", start=D(2024, 1, 1), end=D(2024, 3, 31))
        assert list(t["period"]) == ["2024-01", "2024-02", "2024-03"]
        jan, feb, mar = row(t, "2024-01"), row(t, "2024-02"), row(t, "2024-03")
        assert (jan.start_headcount, jan.end_headcount, jan.avg_headcount) == (1, 2, 1.5)
        assert (feb.start_headcount, feb.end_headcount, feb.avg_headcount) == (3, 2, 2.5)
        assert (mar.start_headcount, mar.end_headcount, mar.avg_headcount) == (2, 1, 1.5)
        assert (jan.hires, feb.hires, mar.hires) == (2, 1, 0)
        assert (jan.separations, feb.separations, mar.separations) == (1, 1, 1)
        assert (jan.voluntary_separations, feb.voluntary_separations, mar.voluntary_separations) == (0, 1, 0)
        assert jan.turnover_rate == pytest.approx(1 / 1.5)
        assert feb.turnover_rate == pytest.approx(0.4)

    def test_quarter_average_is_mean_of_monthly_averages(self):
        t = frames.turnover(BASIC, period="quarter", start=D(2024, 2, 15), end=D(2024, 2, 15))
        q = row(t, "2024-Q1")
        assert (q.start_headcount, q.end_headcount) == (1, 1)
        assert q.avg_headcount == pytest.approx(5.5 / 3)
        assert (q.hires, q.separations, q.voluntary_separations) == (3, 3, 1)
        assert q.turnover_rate == pytest.approx(3 / (5.5 / 3))
        assert str(q.period_start)[:10] == "2024-01-01" and str(q.period_end)[:10] == "2024-03-31"

    def test_year(self):
        t = frames.turnover(BASIC, period="year", start=D(2024, 6, 1), end=D(2024, 6, 1))
        y = row(t, "2024")
        assert y.avg_headcount == pytest.approx((1.5 + 2.5 + 1.5 + 9 * 1) / 12)
        assert (y.hires, y.separations) == (3, 3)
        assert y.turnover_rate == pytest.approx(3 / (14.5 / 12))

    def test_rate_is_nan_when_nobody_employed(self):
        t = frames.turnover(BASIC, period="month", start=D(2022, 1, 1), end=D(2022, 1, 31))
        assert row(t, "2022-01").avg_headcount == 0
        assert math.isnan(row(t, "2022-01").turnover_rate)

    def test_by_category(self):
        t = frames.turnover(BASIC, period="quarter", by="category", start=D(2024, 1, 1), end=D(2024, 3, 1))
        assert row(t, "2024-Q1", "civil_servant").separations == 1
        assert row(t, "2024-Q1", "auxiliary").hires == 1
        assert row(t, "2024-Q1", "full_time").voluntary_separations == 1

    def test_trailing_twelve_months(self):
        t = frames.trailing_turnover(BASIC, start=D(2024, 3, 1), end=D(2024, 3, 31))
        r = t.iloc[0]
        # Apr 2023 … Mar 2024: nobody in April and May, officer 4 alone from 1 June 2023 (counted on his hire day)
        monthly = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1.5, 2.5, 1.5]
        assert r.period == "2024-03"
        assert r.separations_12m == 3
        assert r.avg_headcount_12m == pytest.approx(sum(monthly) / 12)
        assert r.turnover_rate_12m == pytest.approx(3 / (sum(monthly) / 12))

    def test_trailing_twelve_months_by_unit_keeps_the_tree_order(self):
        t = frames.trailing_turnover(
            TRANSFERS, by="unit", start=D(2024, 3, 1), end=D(2024, 4, 30), units=UNITS
        )
        assert list(t["period"]) == ["2024-03"] * 6 + ["2024-04"] * 6
        assert list(t["group"]) == list(UNITS.sort_values("path")["code"]) * 2
        monthly = frames.turnover(
            TRANSFERS, period="month", by="unit", start=D(2023, 5, 1), end=D(2024, 4, 30), units=UNITS
        )
        window = (
            monthly[monthly["period"] >= "2023-05"]
            .groupby("group")
            .agg(sep=("separations", "sum"), avg=("avg_headcount", "mean"))
        )
        april = t[t["period"] == "2024-04"].set_index("group")
        assert (april["separations_12m"] == window.loc[april.index, "sep"]).all()
        assert (april["avg_headcount_12m"] == window.loc[april.index, "avg"]).all()

    def test_hire_cohort_grouping(self):
        t = frames.turnover(BASIC, period="year", by="cohort", start=D(2024, 1, 1), end=D(2024, 1, 1))
        assert row(t, "2024", "2023").separations == 1
        assert row(t, "2024", "2024").hires == 3


# Officer 10 moves street→street inside D1; 11 moves S1 (D1) → S3 (D2) then resigns; 12 changes category
# in the same street; 13's "internal transfer" has a one-day gap, so it is no link.
TRANSFERS = spells(
    (10, "S1", "full_time", D(2024, 1, 1), D(2024, 2, 15), "internal_transfer"),
    (10, "S2", "full_time", D(2024, 2, 15), None, ""),
    (11, "S1", "full_time", D(2024, 1, 1), D(2024, 2, 20), "internal_transfer"),
    (11, "S3", "full_time", D(2024, 2, 20), D(2024, 3, 10), "resigned"),
    (12, "S2", "full_time", D(2024, 1, 1), D(2024, 2, 1), "internal_transfer"),
    (12, "S2", "auxiliary", D(2024, 2, 1), None, ""),
    (13, "S1", "full_time", D(2024, 1, 1), D(2024, 2, 5), "internal_transfer"),
    (13, "S2", "full_time", D(2024, 2, 6), None, ""),
)


class TestInternalTransferRule:
    def feb(self, by):
        t = frames.turnover(
            TRANSFERS, period="month", by=by, start=D(2024, 2, 1), end=D(2024, 3, 31), units=UNITS
        )
        return {
            g: (r.hires, r.separations) for g, r in t[t["period"] == "2024-02"].set_index("group").iterrows()
        }

    def test_city_level_counts_neither(self):
        assert self.feb("none") == {"all": (1, 1)}  # only officer 13, whose move had a gap

    def test_unit_level_counts_separation_and_hire(self):
        feb = self.feb("unit")
        assert feb["S1"] == (0, 3)  # 10, 11 transferred out, 13 left
        assert feb["S2"] == (2, 0)  # 10 in, 13 re-hired; 12's same-street category change is neither
        assert feb["S3"] == (1, 0)
        # Rolled up: a move inside D1 is neither for D1; 11 left D1 for D2.
        assert feb["D1"] == (1, 2)
        assert feb["D2"] == (1, 0)
        assert feb["C"] == feb_city() == (1, 1)

    def test_category_level_counts_neither(self):
        feb = self.feb("category")
        assert feb["full_time"] == (1, 1)
        assert feb["auxiliary"] == (0, 0)

    def test_headcount_never_double_counts_the_transfer_day(self):
        assert frames.headcount_on(TRANSFERS, D(2024, 2, 15))["all"] == 4
        by_unit = frames.headcount_on(TRANSFERS, D(2024, 2, 20), by="unit", units=UNITS)
        assert by_unit["S3"] == 1 and by_unit["D2"] == 1 and by_unit["D1"] == 3 and by_unit["C"] == 4

    def test_roll_up_equals_sum_of_children_for_headcount(self):
        t = frames.turnover(TRANSFERS, period="month", by="unit", units=UNITS).set_index(["period", "group"])
        for p in ("2024-01", "2024-02", "2024-03"):
            assert (
                t.loc[(p, "D1"), "end_headcount"]
                == t.loc[(p, "S1"), "end_headcount"] + t.loc[(p, "S2"), "end_headcount"]
            )
            assert (
                t.loc[(p, "C"), "end_headcount"]
                == t.loc[(p, "D1"), "end_headcount"] + t.loc[(p, "D2"), "end_headcount"]
            )

    def test_city_tenure_merges_linked_spells(self):
        t = frames.tenures(TRANSFERS, by="none", as_of=D(2024, 12, 31)).set_index("officer_id")
        assert t.loc[11, "duration"] == 69 and t.loc[11, "event"] and t.loc[11, "leave_reason"] == "resigned"
        assert not t.loc[10, "event"] and t.loc[10, "duration"] == 365
        assert len(t.loc[[13]]) == 2  # the gap splits officer 13 into two tenures

    def test_unit_tenure_ends_at_transfer_out_of_the_unit(self):
        t = frames.tenures(TRANSFERS, by="unit", as_of=D(2024, 12, 31), units=UNITS)
        s1 = t[(t["group"] == "S1") & (t["officer_id"] == 11)].iloc[0]
        assert s1.duration == 50 and s1.event and s1.leave_reason == "internal_transfer"
        d1 = t[(t["group"] == "D1") & (t["officer_id"] == 10)]
        assert len(d1) == 1 and not d1.iloc[0].event  # street→street inside D1 does not end the D1 tenure
        d1_11 = t[(t["group"] == "D1") & (t["officer_id"] == 11)].iloc[0]
        assert d1_11.event and d1_11.duration == 50


def feb_city():
    t = frames.turnover(TRANSFERS, period="month", start=D(2024, 2, 1), end=D(2024, 2, 1))
    r = t.iloc[0]
    return (r.hires, r.separations)


class TestKaplanMeier:
    def test_ties_and_censoring_by_hand(self):
        # t=1: 6 at risk, 1 event, 1 censored; t=2: 4 at risk, 1 event; t=3: 3 at risk, 2 events; 4 censored
        km = frames.kaplan_meier([1, 1, 2, 3, 3, 4], [1, 0, 1, 1, 1, 0])
        c = km.curves
        assert list(c["t"]) == [1, 2, 3]
        assert list(c["at_risk"]) == [6, 4, 3]
        assert list(c["events"]) == [1, 1, 2]
        assert list(c["s"]) == pytest.approx([5 / 6, 5 / 8, 5 / 24])
        greenwood = np.cumsum([1 / (6 * 5), 1 / (4 * 3), 2 / (3 * 1)])
        z = NormalDist().inv_cdf(0.975)
        for (_, r), v_sum in zip(c.iterrows(), greenwood, strict=True):
            log_s = math.log(r.s)
            lo = math.exp(-math.exp(math.log(-log_s) - z * math.sqrt(v_sum) / log_s))
            hi = math.exp(-math.exp(math.log(-log_s) + z * math.sqrt(v_sum) / log_s))
            assert r.ci_low == pytest.approx(min(lo, hi), abs=1e-12)
            assert r.ci_high == pytest.approx(max(lo, hi), abs=1e-12)
            assert r.ci_low < r.s < r.ci_high
        assert km.summary.iloc[0]["median"] == 3
        assert km.summary.iloc[0]["n"] == 6 and km.summary.iloc[0]["events"] == 4

    def test_median_none_while_above_half_and_zero_survival_band(self):
        km = frames.kaplan_meier([5, 6, 7], [1, 0, 0])
        assert math.isnan(km.summary.iloc[0]["median"])
        km = frames.kaplan_meier([5, 5], [1, 1])
        r = km.curves.iloc[0]
        assert (r.s, r.ci_low, r.ci_high) == (0.0, 0.0, 0.0)

    def test_groups_are_independent_and_float_durations_work(self):
        km = frames.kaplan_meier([1.5, 2.5, 1.5, 9.0], [1, 1, 0, 1], ["b", "b", "a", "a"])
        assert list(km.summary["group"]) == ["a", "b"]
        a = km.curves[km.curves["group"] == "a"]
        assert list(a["t"]) == [9.0] and list(a["at_risk"]) == [1]
        b = km.curves[km.curves["group"] == "b"]
        assert list(b["s"]) == [0.5, 0.0]

    def test_rejects_bad_input(self):
        with pytest.raises(ValueError):
            frames.kaplan_meier([1, -2], [1, 1])
        with pytest.raises(ValueError):
            frames.kaplan_meier([1, 2], [1])

    def test_retention_censors_at_as_of_and_drops_later_hires(self):
        km = frames.retention(BASIC, as_of=D(2024, 3, 1))
        s = km.summary.iloc[0]
        # Officer 3 (leaves 31 March) is censored at 1 March; officer 4 and 2 have left.
        assert s.n == 4 and s.events == 2
        km = frames.retention(BASIC, as_of=D(2023, 12, 31))
        assert km.summary.iloc[0].n == 1


class TestLogRankAndChiSquare:
    @pytest.mark.parametrize(
        ("x", "df", "expected"),
        [
            (3.841458820694124, 1, 0.05),
            (5.991464547107979, 2, 0.05),
            (7.814727903251178, 3, 0.05),
            (11.070497693516351, 5, 0.05),
            (0.0, 4, 1.0),
        ],
    )
    def test_chi2_sf(self, x, df, expected):
        assert frames.chi2_sf(x, df) == pytest.approx(expected, rel=1e-12)

    def test_identical_groups_have_zero_statistic(self):
        res = frames.logrank([1, 2, 3, 1, 2, 3], [1, 1, 0, 1, 1, 0], ["a", "a", "a", "b", "b", "b"])
        assert res.statistic == pytest.approx(0.0, abs=1e-12)
        assert res.p_value == pytest.approx(1.0)
        assert res.df == 1

    def test_needs_two_groups(self):
        with pytest.raises(ValueError):
            frames.logrank([1, 2], [1, 1], ["a", "a"])


class TestLogRankDegenerateGroups:
    # A: events on days 1 and 3; B: an event on day 2, censored on day 4.
    # Day 1: 2 + 2 at risk, 1 event (A): E_A = 1/2, V = 1·3/3 · ½ · ½ = 1/4.
    # Day 2: 1 + 2 at risk, 1 event (B): E_A = 1/3, V = 1·2/2 · ⅓ · ⅔ = 2/9.
    # Day 3: 1 + 1 at risk, 1 event (A): E_A = 1/2, V = 1·1/1 · ½ · ½ = 1/4.
    # O_A − E_A = 2 − 4/3 = 2/3; V = 13/18; statistic = (4/9) / (13/18) = 8/13.
    DURATIONS = [1, 3, 2, 4]
    EVENTS = [1, 1, 1, 0]
    GROUPS = ["A", "A", "B", "B"]

    def test_two_groups_by_hand(self):
        res = frames.logrank(self.DURATIONS, self.EVENTS, self.GROUPS)
        assert res.statistic == pytest.approx(8 / 13, rel=1e-12)
        assert res.df == 1
        assert res.p_value == pytest.approx(math.erfc(math.sqrt(8 / 13 / 2)), rel=1e-12)
        assert res.expected["A"] == pytest.approx(4 / 3) and res.dropped == []

    def test_a_group_nobody_of_which_is_at_risk_is_dropped_not_singular(self):
        # C's only member is censored on day 0.5, before any event: the old solve raised "Singular matrix".
        res = frames.logrank([*self.DURATIONS, 0.5], [*self.EVENTS, 0], [*self.GROUPS, "C"])
        assert res.dropped == ["C"]
        assert res.statistic == pytest.approx(8 / 13, rel=1e-12) and res.df == 1

    def test_only_one_informative_group_gives_no_p_value(self):
        # As in the demo city: the two mentored officers were censored at day 188, before anyone left, so at each
        # leaving only group n is at risk and there is nothing to compare.
        res = frames.logrank([188, 188, 200, 300, 400], [0, 0, 1, 1, 0], ["m", "m", "n", "n", "n"])
        assert res.df == 0 and res.p_value is None and res.dropped == ["m"]


class TestFollowUpAndComparison:
    def test_survival_is_not_reported_beyond_the_longest_observation(self):
        # Group a: events at 100 and 200, censored at 400 → S(365) = 1/3 · … : 3 at risk at 100, 2 at 200.
        km = frames.kaplan_meier([100, 200, 400, 50], [1, 1, 0, 0], ["a", "a", "a", "b"])
        assert frames.survival_at(km, "a", 365) == pytest.approx((2 / 3) * (1 / 2))
        assert frames.survival_at(km, "a", 400) == pytest.approx(1 / 3)
        assert frames.survival_at(km, "a", 1095) is None  # nobody in a was followed for 3 years
        assert frames.survival_at(km, "b", 30) == 1.0
        assert frames.survival_at(km, "b", 365) is None  # b's only member was seen for 50 days
        assert list(km.summary["follow_up"]) == [400, 50]

    def test_groups_below_the_minimum_are_neither_drawn_nor_tested(self):
        durations = [10, 20, 30, 40, 50, 15, 25, 35, 45, 55, 5]
        events = [1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0]
        groups = ["x"] * 5 + ["y"] * 5 + ["z"]
        cmp = frames.compare(durations, events, groups, min_n=5)
        assert cmp.shown == ["x", "y"] and cmp.small == ["z"]
        direct = frames.logrank(durations[:10], events[:10], groups[:10])
        assert cmp.test.statistic == pytest.approx(direct.statistic)
        assert list(cmp.shown_km.summary["group"]) == ["x", "y"]
        single = frames.compare(durations, events, groups, min_n=6)
        assert single.shown == [] and single.small == ["x", "y", "z"] and single.test is None

    def test_no_comparison_without_events(self):
        cmp = frames.compare([1, 2, 3, 4], [0, 0, 0, 0], ["a", "a", "b", "b"], min_n=2)
        assert cmp.shown == ["a", "b"] and cmp.test is None


class TestReasonsLandmark:
    def test_leave_reasons_by_category_and_band(self):
        out = frames.leave_reasons(TRANSFERS, as_of=D(2024, 12, 31))
        # Linked transfers are not leavers; 13's unlinked move and 11's resignation are.
        assert out.to_dict("records") == [
            {
                "staff_category": "full_time",
                "tenure_band": "0-3m",
                "leave_reason": "internal_transfer",
                "voluntary": False,
                "leavers": 1,
            },
            {
                "staff_category": "full_time",
                "tenure_band": "0-3m",
                "leave_reason": "resigned",
                "voluntary": True,
                "leavers": 1,
            },
        ]

    def test_leave_reasons_from_start_counts_only_later_leavers(self):
        # 13's unlinked move (5 February) is before the start; 11's resignation (10 March) is not.
        out = frames.leave_reasons(TRANSFERS, as_of=D(2024, 12, 31), start=D(2024, 3, 1))
        assert out[["leave_reason", "leavers"]].to_dict("records") == [
            {"leave_reason": "resigned", "leavers": 1}
        ]
        assert frames.leave_reasons(TRANSFERS, as_of=D(2024, 12, 31), start=D(2024, 3, 11)).empty

    def test_landmark_keeps_only_those_employed_at_the_landmark(self):
        t = frames.tenures(BASIC, as_of=D(2024, 12, 31)).set_index("officer_id")
        t["landmark_date"] = [None] * len(t)
        t.loc[1, "landmark_date"] = D(2024, 7, 1)  # qualified, still employed
        t.loc[2, "landmark_date"] = D(2024, 3, 1)  # "qualified" after leaving: excluded
        t.loc[3, "landmark_date"] = D(2024, 3, 1)  # qualified, leaves 30 days later
        lm = frames.landmark(t.reset_index(), as_of=D(2024, 12, 31)).set_index("officer_id")
        assert sorted(lm.index) == [1, 3]
        assert lm.loc[1, "duration"] == (D(2024, 12, 31) - D(2024, 7, 1)).days and not lm.loc[1, "event"]
        assert lm.loc[3, "duration"] == 30 and lm.loc[3, "event"]

    def test_landmark_at_fixed_tenure(self):
        t = frames.tenures(BASIC, as_of=D(2024, 12, 31))
        lm = frames.landmark(t, landmark_days=60, as_of=D(2024, 12, 31)).set_index("officer_id")
        # officer 2 left after 26 days, so is excluded; 3 (59 days) too; 4 lasted 214 days
        assert sorted(lm.index) == [1, 4]
        assert lm.loc[4, "duration"] == 214 - 60


def test_prepare_rejects_incomplete_frames():
    with pytest.raises(ValueError, match="lacks columns"):
        frames.prepare(BASIC.drop(columns=["unit_path"]))
    bad = BASIC.copy()
    bad.loc[0, "leave_date"] = D(2023, 1, 1)
    with pytest.raises(ValueError):
        frames.prepare(bad)


def test_categorical_columns_give_the_same_results():
    """analytics.selectors delivers units, categories and reasons as categoricals (with unused categories)."""
    cat = TRANSFERS.copy()
    for col in ("unit", "unit_path", "staff_category", "leave_reason"):
        cat[col] = pd.Categorical(cat[col], categories=["zzz", *sorted(set(cat[col]))])
    for by in ("none", "unit", "category", "cohort"):
        a = frames.turnover(TRANSFERS, period="month", by=by)
        b = frames.turnover(cat, period="month", by=by)
        pd.testing.assert_frame_equal(a, b)
    a = frames.retention(TRANSFERS, by="unit", as_of=D(2024, 12, 31)).curves
    b = frames.retention(cat, by="unit", as_of=D(2024, 12, 31)).curves
    pd.testing.assert_frame_equal(a, b)
