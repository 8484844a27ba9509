"""The rulebook of employment spells (cms.spells), one table: each row is a person's spells and what the rules
say about them. Pure: no database."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cms import spells
from cms.spells import Spell


def d(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def s(
    hire: str,
    leave: str | None = None,
    reason: str | None = None,
    unit: str = "U1",
    category: str = "full_time",
):
    """A spell from ISO dates; a leave date without a reason gets "resigned"."""
    if reason is None:
        reason = "resigned" if leave else ""
    return Spell(d(hire), d(leave), reason, unit, category)


# (name, spells, problem codes in order, current spell's hire date, deciding spell's unit, active)
CASES = [
    ("no spells", [], [], None, None, None),
    ("one current spell", [s("2024-03-01")], [], "2024-03-01", "U1", True),
    ("one ended spell", [s("2020-01-01", "2022-01-01")], [], None, "U1", False),
    ("leave on the hire day", [s("2024-03-01", "2024-03-01")], [], None, "U1", False),
    ("leave before hire", [s("2024-03-01", "2024-02-01")], ["leave_before_hire"], None, "U1", False),
    (
        "leave date without reason",
        [s("2020-01-01", "2021-01-01", reason="")],
        ["leave_reason_missing"],
        None,
        "U1",
        False,
    ),
    (
        "reason without leave date",
        [s("2020-01-01", reason="retired")],
        ["leave_date_missing"],
        "2020-01-01",
        "U1",
        True,
    ),
    (
        "adjacent spells (internal transfer on one day)",
        [s("2019-03-01", "2022-05-01", "internal_transfer"), s("2022-05-01", unit="U2")],
        [],
        "2022-05-01",
        "U2",
        True,
    ),
    (
        "gap between spells (rehire)",
        [s("2018-01-01", "2020-01-01", "contract_ended"), s("2021-06-01", unit="U2")],
        [],
        "2021-06-01",
        "U2",
        True,
    ),
    (
        "left after the rehire too",
        [s("2018-01-01", "2020-01-01"), s("2021-06-01", "2023-01-01", unit="U2")],
        [],
        None,
        "U2",
        False,
    ),
    (
        "overlapping ended spells",
        [s("2018-01-01", "2020-06-01"), s("2020-01-01", "2021-01-01", unit="U2")],
        ["overlap"],
        None,
        "U2",
        False,
    ),
    (
        "a past spell reaching into the current one",
        [s("2024-03-01"), s("2023-01-01", "2024-06-01", "internal_transfer", unit="U2")],
        ["overlap"],
        "2024-03-01",
        "U1",
        True,
    ),
    (
        "a past spell ending the day the current one starts",
        [s("2024-03-01"), s("2023-01-01", "2024-03-01", "internal_transfer", unit="U2")],
        [],
        "2024-03-01",
        "U1",
        True,
    ),
    (
        "an ended spell inside a current one",
        [s("2020-01-01"), s("2021-01-01", "2021-06-01", unit="U2")],
        ["overlap"],
        "2020-01-01",
        "U1",
        True,
    ),
    (
        "two current spells",
        [s("2020-01-01"), s("2024-01-01", unit="U2")],
        ["overlap", "several_current"],
        "2024-01-01",
        "U2",
        True,
    ),
    (
        "two spells starting on one day",
        [s("2020-01-01", "2021-01-01"), s("2020-01-01", unit="U2")],
        ["same_hire_date"],
        "2020-01-01",
        "U2",
        True,
    ),
    (
        "transfer chain, given out of order",
        [
            s("2022-05-01", "2023-07-01", "internal_transfer", unit="U2"),
            s("2023-07-01", unit="U3", category="civil_servant"),
            s("2019-03-01", "2022-05-01", "internal_transfer"),
        ],
        [],
        "2023-07-01",
        "U3",
        True,
    ),
    (
        "transfer chain that ended",
        [
            s("2019-03-01", "2022-05-01", "internal_transfer"),
            s("2022-05-01", "2023-07-01", "internal_transfer", unit="U2"),
            s("2023-07-01", "2024-12-31", "retired", unit="U3"),
        ],
        [],
        None,
        "U3",
        False,
    ),
    (
        "transfer chain with a link overlapping the next",
        [
            s("2019-03-01", "2022-05-02", "internal_transfer"),
            s("2022-05-01", "2023-07-01", "internal_transfer", unit="U2"),
            s("2023-07-01", unit="U3"),
        ],
        ["overlap"],
        "2023-07-01",
        "U3",
        True,
    ),
    (
        "an overlap is reported once, against the nearest earlier spell",
        [
            s("2018-01-01", "2030-01-01"),
            s("2019-01-01", "2030-01-01", unit="U2"),
            s("2020-01-01", "2021-01-01"),
        ],
        ["overlap", "overlap"],
        None,
        "U1",
        False,
    ),
    (
        "every rule at once",
        [s("2020-01-01", "2019-01-01"), s("2021-01-01"), s("2022-01-01", unit="U2")],
        ["leave_before_hire", "overlap", "several_current"],
        "2022-01-01",
        "U2",
        True,
    ),
]


@pytest.mark.parametrize(
    ("spell_list", "codes", "current", "unit", "active"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_rulebook(spell_list, codes, current, unit, active):
    assert [p.code for p in spells.problems(spell_list)] == codes
    found = spells.current_of(spell_list)
    assert (found.hire_date if found else None) == d(current)
    position = spells.position_of(spell_list)
    if unit is None:
        assert position is None
    else:
        assert (position.spell.unit, position.active) == (unit, active)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (s("2020-01-01", "2021-01-01"), s("2021-01-01"), False),  # adjacent: half-open periods
        (s("2020-01-01", "2021-01-02"), s("2021-01-01"), True),
        (s("2020-01-01"), s("2030-01-01", "2031-01-01"), True),  # an open spell reaches forever
        (s("2020-01-01"), s("2010-01-01", "2020-01-01"), False),
        (s("2020-01-01"), s("2010-01-01"), True),
        (s("2020-01-01", "2020-01-01"), s("2020-01-01", "2020-01-01"), False),  # empty periods share no day
    ],
)
def test_overlaps_is_symmetric(a, b, expected):
    assert spells.overlaps(a, b) is expected
    assert spells.overlaps(b, a) is expected


def test_problems_name_the_spell_and_carry_translated_messages():
    spell_list = [s("2020-01-01"), s("2024-01-01", unit="U2"), s("2022-01-01", "2021-01-01")]
    found = spells.problems(spell_list)
    by_code = {p.code: p for p in found}
    assert by_code["leave_before_hire"].index == 2 and by_code["leave_before_hire"].field == "leave_date"
    assert by_code["several_current"].index == 1 and by_code["several_current"].field is None
    assert (
        "2020-01-01" in by_code["several_current"].message
        and "2024-01-01" in by_code["several_current"].message
    )
    assert [p.params for p in found if p.code == "overlap"] == [
        {"later": "2022-01-01", "earlier": "2020-01-01"},
        {"later": "2024-01-01", "earlier": "2020-01-01"},
    ]


def test_check_raises_one_error_listing_every_code():
    with pytest.raises(ValidationError) as exc:
        spells.check([s("2020-01-01"), s("2021-01-01")])
    assert [e.code for e in exc.value.error_list] == ["overlap", "several_current"]
    spells.check([s("2020-01-01", "2021-01-01"), s("2021-01-01")])  # fine: no error
