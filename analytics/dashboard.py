"""The HR dashboard's content for one user and one set of filters: scoped data → frames → charts, cached."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import json_script
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from analytics import charts, frames, selectors
from cms.models import LeaveReason, Role
from cms.selectors import scope_unit

CACHE_SECONDS = 60 * 60
SNAPSHOT_SECONDS = 26 * 60 * 60  # the nightly snapshot lasts until the next one has run
CACHE_VERSION = 1
CHART_IDS = ("headcount", "funnel", "km_category", "cohorts", "reasons")


@dataclass(frozen=True)
class Filters:
    unit: str | None  # unit code; None = the user's whole scope
    category: str | None  # staff category code; None = all
    period: str  # month | quarter | year
    as_of: datetime.date
    start: datetime.date  # first day shown on the time axis

    @classmethod
    def default(cls) -> Filters:
        today = timezone.localdate()
        return cls(
            unit=None,
            category=None,
            period="quarter",
            as_of=today,
            start=today.replace(year=today.year - 3, day=1),
        )


def _cache_key(user, filters: Filters) -> str:
    root = "*" if user.is_superuser else (scope_unit(user).path if scope_unit(user) else "-")
    raw = json.dumps({"scope": root, "lang": get_language(), **asdict(filters)}, default=str, sort_keys=True)
    return f"analytics:dashboard:v{CACHE_VERSION}:{hashlib.sha1(raw.encode()).hexdigest()}"


def dashboard(user, filters: Filters, *, refresh: bool = False, timeout: int = CACHE_SECONDS) -> dict:
    """{"computed_at": iso datetime, "charts": {id: {"title", "figure", "table", "note"}}}, from cache if fresh.

    Raises selectors.UnknownUnit for a unit outside the user's scope."""
    key = _cache_key(user, filters)
    if not refresh:
        hit = cache.get(key)
        if hit is not None:
            hit["cached"] = True
            return hit
    data = selectors.dataset_visible_to(user, unit_code=filters.unit)
    charts_ = compute(data, filters)
    for cid, chart in charts_.items():
        # Serialise once, at compute time: a cached page load then only pastes the ready-made script tags.
        chart["figure_html"] = json_script(chart.pop("figure"), f"figure-{cid}")
    result = {"computed_at": timezone.now().isoformat(), "charts": charts_, "cached": False}
    cache.set(key, result, timeout)
    return result


def refresh_snapshots() -> int:
    """Nightly: recompute the default dashboard of every scope an HR officer, unit leader or superuser looks at,
    and keep it until after the next run. Idempotent; returns the number of scopes computed."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Q
    from django.utils import translation

    users = (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True) | Q(groups__name__in=[Role.HR, Role.UNIT_LEADER]), is_active=True
        )
        .distinct()
        .order_by("pk")
    )
    done: set[str] = set()
    with translation.override(settings.LANGUAGE_CODE):
        filters = Filters.default()
        for user in users:
            key = _cache_key(user, filters)
            if key in done:
                continue
            dashboard(user, filters, refresh=True, timeout=SNAPSHOT_SECONDS)
            done.add(key)
    return len(done)


def compute(data: selectors.Dataset, filters: Filters) -> dict:
    """All dashboard charts for a dataset (no cache, no user)."""
    spells = data.spells
    if filters.category:
        spells = spells[spells["staff_category"] == filters.category]
    sp = frames.prepare(spells, data.units)
    unit_labels = data.unit_labels()
    category_labels = selectors.category_labels()
    root_label = data.root.name if data.root else _("All units")
    as_of_day = frames.day_of(filters.as_of)
    out = {}

    flows = frames.turnover(sp, period=filters.period, by="none", start=filters.start, end=filters.as_of)
    out["headcount"] = {
        **charts.headcount_flows(flows),
        "title": _("Headcount, hires and leavers"),
        "note": _("Internal transfers within %(scope)s are neither hires nor leavers.")
        % {"scope": root_label},
    }

    window_start = (np.datetime64(filters.as_of, "M") - 11).astype("datetime64[D]").astype(object)
    monthly = frames.turnover(sp, period="month", by="unit", start=window_start, end=filters.as_of)
    per_unit = monthly.groupby("group", sort=False).agg(
        avg_headcount=("avg_headcount", "mean"), separations=("separations", "sum")
    )
    per_unit = per_unit.reset_index()
    root_path = data.root.path if data.root else (data.units["path"].min() if len(data.units) else "")
    children = (
        set(data.units.loc[data.units["path"].str.len() == len(root_path) + frames.STEPLEN, "code"])
        if root_path
        else set()
    )
    shown = (
        per_unit[per_unit["group"].isin(children)]
        if children
        else per_unit[per_unit["group"] == (data.root.code if data.root else "")]
    )
    out["funnel"] = {
        **charts.turnover_funnel(
            shown, unit_labels, window=_("12 months to %(date)s") % {"date": filters.as_of.isoformat()}
        ),
        "title": _("Turnover rate by unit"),
        "note": _(
            "Points outside the funnel differ from the pooled rate by more than chance; small units scatter widely."
        ),
    }

    km = frames.retention(sp, by="category", as_of=filters.as_of)
    present = km.summary[km.summary["n"] > 0]["group"]
    p_value = None
    if len(present) >= 2 and km.summary["events"].sum() > 0:
        tenures = frames.tenures(sp, by="category", as_of=filters.as_of)
        p_value = frames.logrank(tenures["duration"], tenures["event"], tenures["group"]).p_value
    km = frames.KaplanMeier(
        km.curves[km.curves["group"].isin(present)], km.summary[km.summary["group"].isin(present)]
    )
    out["km_category"] = {
        **charts.km_curves(
            km, category_labels, p_value=p_value, title=_("Retention by staff category (Kaplan–Meier)")
        ),
        "title": _("Retention by staff category"),
        "note": _(
            "Shaded: 95%% confidence band (Greenwood, log(−log) scale). Current officers are censored at %(date)s."
        )
        % {"date": filters.as_of.isoformat()},
    }

    cohort_km = frames.retention(sp, by="cohort", as_of=filters.as_of)
    out["cohorts"] = {
        **charts.cohort_heatmap(cohort_km, as_of_day),
        "title": _("Retention by hire cohort"),
        "note": _("A cell stays blank until every member of the cohort could have reached that tenure."),
    }

    t = frames.tenures(sp, by="none", as_of=filters.as_of)
    t = t[t["event"] & (t["leave_day"] >= frames.day_of(filters.start))]
    leavers = pd.DataFrame(
        {
            "tenure_band": frames.tenure_band(t["duration"].to_numpy()),
            "leave_reason": t["leave_reason"].to_numpy(),
        }
    )
    bands = [b[2] for b in frames.TENURE_BANDS]
    out["reasons"] = {
        **charts.leavers_by_reason(
            leavers, {c.value: str(c.label) for c in LeaveReason}, bands, band_labels()
        ),
        "title": _("Leavers by reason"),
        "note": _("Leavers from %(start)s to %(end)s by tenure at leaving.")
        % {"start": filters.start, "end": filters.as_of},
    }
    return out


def band_labels() -> dict[str, str]:
    return {
        "0-3m": _("Under 3 months"),
        "3-6m": _("3–6 months"),
        "6-12m": _("6–12 months"),
        "1-2y": _("1–2 years"),
        "2-5y": _("2–5 years"),
        "5y+": _("5 years or more"),
    }
