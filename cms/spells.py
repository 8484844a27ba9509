"""The rulebook of employment spells (任职经历), with no ORM: one place says when spells overlap, what is wrong with
a person's spells, which spell is current and where the person stands.

Works on anything spell-like: an object with `hire_date`, `leave_date`, `leave_reason` (and, for `position_of`,
whatever unit and category attributes the caller reads off the deciding spell) — an `EmploymentSpell`, a roster
plan's spell, or the `Spell` tuple below. Spells are half-open periods [hire_date, leave_date): a spell ending on
the day the next one starts (an internal transfer) does not overlap it. A spell without a leave date is current.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class SpellLike(Protocol):
    hire_date: datetime.date
    leave_date: datetime.date | None
    leave_reason: str


class Spell(NamedTuple):
    """A plain spell, for callers (and tests) that hold no model instances."""

    hire_date: datetime.date
    leave_date: datetime.date | None = None
    leave_reason: str = ""
    unit: Any = None
    staff_category: str = ""


# Stable codes → messages. The field a problem belongs to, where it has one, is in FIELDS.
MESSAGES = {
    "leave_before_hire": _("The leave date cannot be earlier than the hire date."),
    "leave_reason_missing": _("A leave reason is required when a leave date is given."),
    "leave_date_missing": _("A leave date is required when a leave reason is given."),
    "same_hire_date": _("Two employment spells start on the same day (%(date)s)."),
    "overlap": _("The employment spell starting %(later)s overlaps the one starting %(earlier)s."),
    "several_current": _(
        "More than one employment spell is current (has no leave date): those starting %(dates)s."
    ),
}
FIELDS = {
    "leave_before_hire": "leave_date",
    "leave_reason_missing": "leave_reason",
    "leave_date_missing": "leave_date",
}


@dataclass(frozen=True)
class Problem:
    """One broken rule. `index` is the position of the spell concerned in the list given to `problems` (the later
    spell for a pair); `field` names the spell's field for rules about one spell."""

    code: str
    index: int
    params: dict = field(default_factory=dict)

    @property
    def field(self) -> str | None:
        return FIELDS.get(self.code)

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])

    def as_validation_error(self) -> ValidationError:
        return ValidationError(self.message, code=self.code)


def overlaps(a: SpellLike, b: SpellLike) -> bool:
    """Whether two spells share a day, as half-open periods [hire, leave)."""
    return (a.leave_date is None or b.hire_date < a.leave_date) and (
        b.leave_date is None or a.hire_date < b.leave_date
    )


def spell_problems(spell: SpellLike, index: int = 0) -> list[Problem]:
    """The rules about one spell on its own: dates in order, and a leave date and reason go together."""
    found = []
    if spell.leave_date is not None and spell.hire_date is not None and spell.leave_date < spell.hire_date:
        found.append(Problem("leave_before_hire", index))
    if spell.leave_date is not None and not spell.leave_reason:
        found.append(Problem("leave_reason_missing", index))
    if spell.leave_reason and spell.leave_date is None:
        found.append(Problem("leave_date_missing", index))
    return found


def problems(spells: Sequence[SpellLike]) -> list[Problem]:
    """Every rule a person's spells break: each spell's own rules, then, in hire-date order, two spells starting
    on one day, a spell overlapping an earlier one (reported once, against the nearest earlier one it overlaps),
    and more than one current spell."""
    found: list[Problem] = []
    for index, spell in enumerate(spells):
        found.extend(spell_problems(spell, index))
    order = sorted(range(len(spells)), key=lambda i: spells[i].hire_date)
    for position, index in enumerate(order):
        later = spells[index]
        for earlier_index in reversed(order[:position]):
            earlier = spells[earlier_index]
            if earlier.hire_date == later.hire_date:
                found.append(Problem("same_hire_date", index, {"date": later.hire_date.isoformat()}))
                break
            if overlaps(earlier, later):
                found.append(
                    Problem(
                        "overlap",
                        index,
                        {"later": later.hire_date.isoformat(), "earlier": earlier.hire_date.isoformat()},
                    )
                )
                break
    current = [i for i in order if spells[i].leave_date is None]
    if len(current) > 1:
        dates = ", ".join(spells[i].hire_date.isoformat() for i in current)
        found.append(Problem("several_current", current[-1], {"dates": dates}))
    return found


def check(spells: Sequence[SpellLike]) -> None:
    """Raise one ValidationError listing every problem (each with its code), or nothing."""
    found = problems(spells)
    if found:
        raise ValidationError([p.as_validation_error() for p in found])


def current_of(spells: Iterable[SpellLike]) -> SpellLike | None:
    """The current spell: the latest one without a leave date, or None when the person has left."""
    current = [s for s in spells if s.leave_date is None]
    return max(current, key=lambda s: s.hire_date) if current else None


class Position(NamedTuple):
    spell: SpellLike  # the spell whose unit and category are the person's
    active: bool  # some spell is current


def position_of(spells: Iterable[SpellLike]) -> Position | None:
    """Where the person stands: the unit and category of their current spell, else of their latest one; active
    while any spell is current. None for a person without spells."""
    spells = list(spells)
    if not spells:
        return None
    current = current_of(spells)
    deciding = current if current is not None else max(spells, key=lambda s: s.hire_date)
    return Position(deciding, current is not None)
