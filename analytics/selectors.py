"""Read queries of analytics: spells and units as DataFrames for analytics.frames, whole-city or scoped to a user."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cms.models import EmploymentSpell, StaffCategory, Unit
from cms.selectors import units_visible_to

SPELL_COLUMNS = [
    "officer_id",
    "unit",
    "unit_path",
    "staff_category",
    "hire_date",
    "leave_date",
    "leave_reason",
]
UNIT_COLUMNS = ["code", "path", "name"]


class UnknownUnit(LookupError):
    """The unit code does not exist or lies outside what the user may see."""


@dataclass
class Dataset:
    """The two frames a metric needs, and the subtree they cover (None = everything visible)."""

    spells: pd.DataFrame
    units: pd.DataFrame
    root: Unit | None

    def unit_labels(self) -> dict[str, str]:
        return dict(zip(self.units["code"], self.units["name"], strict=True))


def _dates(values) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


def spells_frame(queryset: QuerySet[EmploymentSpell] | None = None) -> pd.DataFrame:
    """EmploymentSpell rows (one query, unit joined) → the spells frame of analytics.frames."""
    qs = queryset if queryset is not None else EmploymentSpell.objects.all()
    rows = list(
        qs.order_by().values_list(
            "officer_id",
            "unit__code",
            "unit__path",
            "staff_category",
            "hire_date",
            "leave_date",
            "leave_reason",
        )
    )
    if not rows:
        return pd.DataFrame(
            {
                "officer_id": np.zeros(0, np.int64),
                "unit": np.zeros(0, object),
                "unit_path": np.zeros(0, object),
                "staff_category": np.zeros(0, object),
                "hire_date": np.zeros(0, "datetime64[D]"),
                "leave_date": np.zeros(0, "datetime64[D]"),
                "leave_reason": np.zeros(0, object),
            }
        )
    officer, unit, path, category, hire, leave, reason = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "officer_id": np.array(officer, dtype=np.int64),
            "unit": np.array(unit, dtype=object),
            "unit_path": np.array(path, dtype=object),
            "staff_category": np.array(category, dtype=object),
            "hire_date": _dates(hire),
            "leave_date": _dates(leave),
            "leave_reason": np.array([r or "" for r in reason], dtype=object),
        }
    )


def units_frame(queryset: QuerySet[Unit] | None = None) -> pd.DataFrame:
    """Units (code, path, name) in tree order (one query)."""
    qs = queryset if queryset is not None else Unit.objects.all()
    rows = list(qs.order_by("path").values_list("code", "path", "name"))
    return pd.DataFrame(rows, columns=UNIT_COLUMNS) if rows else pd.DataFrame({c: [] for c in UNIT_COLUMNS})


def city_dataset(*, unit_code: str | None = None) -> Dataset:
    """Every spell (or those in one unit's subtree) for the management commands: two queries (+1 for the unit)."""
    root = None
    units = Unit.objects.all()
    spells = EmploymentSpell.objects.all()
    if unit_code:
        root = Unit.objects.filter(code=unit_code).first()
        if root is None:
            raise UnknownUnit(_("No unit with code %(code)s.") % {"code": unit_code})
        units = units.filter(path__startswith=root.path)
        spells = spells.filter(unit__path__startswith=root.path)
    return Dataset(spells_frame(spells), units_frame(units), root)


def dataset_visible_to(user, *, unit_code: str | None = None) -> Dataset:
    """Spells served in the units the user may see (cms.selectors.units_visible_to), optionally one subtree of them.

    A unit outside the user's scope is reported as unknown, so views can turn it into a 404."""
    visible = units_visible_to(user)
    root = None
    if unit_code:
        root = visible.filter(code=unit_code).first()
        if root is None:
            raise UnknownUnit(_("No unit with code %(code)s.") % {"code": unit_code})
        visible = visible.filter(path__startswith=root.path)
    units = units_frame(visible)
    spells = EmploymentSpell.objects.filter(unit__in=visible.values("pk"))
    return Dataset(spells_frame(spells), units, root)


def category_labels() -> dict[str, str]:
    return {c.value: str(c.label) for c in StaffCategory}


def category_order() -> list[str]:
    return [c.value for c in StaffCategory]
