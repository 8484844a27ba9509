"""The HR dashboard's content for one user and one set of filters: scoped data → frames → charts, cached."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import localize
from django.utils.html import conditional_escape, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from analytics import charts, frames, selectors
from appraisal.models import AppraisalBand
from cms.models import LeaveReason, Role
from cms.selectors import scope_unit

CACHE_SECONDS = 60 * 60
SNAPSHOT_SECONDS = 26 * 60 * 60  # the nightly snapshot lasts until the next one has run
CACHE_VERSION = 5  # bump when the cached dict's shape changes
CHART_IDS = (
    "headcount",
    "funnel",
    "km_category",
    "cohorts",
    "reasons",
    "qualification",
    "time_to_qualification",
    "mentoring",
    "self_study",
    "km_appraisal",
)
MENTORING_LANDMARK_DAYS = 90
QUALIFICATION_LANDMARK_DAYS = 180
SELF_STUDY_LANDMARK_DAYS = 120


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
    training = (
        selectors.training_frame(data.spell_queryset.values("officer_id")) if len(data.spells) else None
    )
    appraisals = (
        selectors.appraisal_frame(data.spell_queryset.values("officer_id")) if len(data.spells) else None
    )
    charts_ = compute(data, filters, training, appraisals)
    for cid, chart in charts_.items():
        chart["empty"] = not chart["figure"]["data"]  # the page draws the reason in a shorter box
        # Serialise once, at compute time: a cached page load then only pastes the ready-made script tags.
        chart["figure_html"] = json_script(chart.pop("figure"), f"figure-{cid}")
        chart["table_html"] = table_html(chart["table"])
    result = {"computed_at": timezone.now().isoformat(), "charts": charts_, "cached": False}
    cache.set(key, result, timeout)
    return result


def table_html(table: dict) -> str:
    """A chart's data table as the page shows it (values localised and escaped as a template would), built once at
    compute time and cached with the figure: through the template, one node per cell, the tables of a month-by-month
    decade cost a cached /hr/ load about 0.2 s."""
    head = "".join(f"<th>{conditional_escape(c)}</th>" for c in table["columns"])
    body = "".join(
        "<tr>"
        + "".join("<td>—</td>" if v is None else f"<td>{conditional_escape(localize(v))}</td>" for v in row)
        + "</tr>"
        for row in table["rows"]
    )
    if not body:
        # Outside the f-string, so makemessages finds the message.
        empty = conditional_escape(_("No data for these filters."))
        body = f'<tr><td colspan="{len(table["columns"])}">{empty}</td></tr>'
    return mark_safe(f'<table class="listing"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def refresh_snapshots() -> int:
    """Nightly: recompute the default dashboard of every scope an HR officer, unit leader or superuser looks at,
    and keep it until after the next run. Idempotent; returns the number of scopes computed."""
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


def compute(
    data: selectors.Dataset,
    filters: Filters,
    training: pd.DataFrame | None = None,
    appraisals: pd.DataFrame | None = None,
) -> dict:
    """All dashboard charts for a dataset (no cache, no user, no queries). ``training``: selectors.training_frame;
    ``appraisals``: selectors.appraisal_frame."""
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
    period_title, per_period = period_words()[filters.period]
    out["headcount"] = {
        **charts.headcount_flows(flows, period_title=period_title),
        "title": _("Headcount, hires and leavers"),
        "note": _(
            "%(per)s from %(start)s to %(end)s. Internal transfers within %(scope)s are neither hires nor leavers."
        )
        % {"per": per_period, "start": filters.start, "end": filters.as_of, "scope": root_label},
    }

    trailing = frames.trailing_turnover(sp, by="unit", start=filters.as_of, end=filters.as_of)
    per_unit = pd.DataFrame(
        {
            "group": trailing["group"],
            "avg_headcount": trailing["avg_headcount_12m"],
            "separations": trailing["separations_12m"].astype(np.int64),
        }
    )
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
        **charts.turnover_funnel(shown, unit_labels),
        "title": _("Turnover rate by unit"),
        "note": _(
            "Leavers in the 12 months to %(date)s over the average headcount. Points outside the funnel differ "
            "from the pooled rate by more than chance; small units scatter widely."
        )
        % {"date": filters.as_of.isoformat()},
    }

    tenures = frames.tenures(sp, by="category", as_of=filters.as_of)
    cmp = frames.compare(tenures["duration"], tenures["event"], tenures["group"])
    out["km_category"] = {
        **charts.km_curves(cmp, category_labels, x_title=_("Days since hire")),
        "title": _("Retention by staff category"),
        "note": _(
            "Shaded: 95%% confidence band (Greenwood, log(−log) scale). Current officers are censored at %(date)s. "
            "Each curve ends at its group's longest observed tenure."
        )
        % {"date": filters.as_of.isoformat()},
    }

    cohort_km = frames.retention(sp, by="cohort", as_of=filters.as_of)
    out["cohorts"] = {
        **charts.cohort_heatmap(cohort_km, as_of_day),
        "title": _("Retention by hire cohort"),
        "note": _("A cell stays blank until every member of the cohort could have reached that tenure."),
    }

    leavers = frames.leave_reasons(sp, as_of=filters.as_of, start=filters.start)
    bands = [b[2] for b in frames.TENURE_BANDS]
    out["reasons"] = {
        **charts.leavers_by_reason(
            leavers, {c.value: str(c.label) for c in LeaveReason}, bands, band_labels()
        ),
        "title": _("Leavers by reason"),
        "note": _("Leavers from %(start)s to %(end)s by tenure at leaving.")
        % {"start": filters.start, "end": filters.as_of},
    }
    out.update(_training_charts(sp, filters, training))
    out["km_appraisal"] = appraisal_chart(sp, filters, appraisals)
    return out


def appraisal_chart(sp: frames.Spells, filters: Filters, appraisals: pd.DataFrame | None) -> dict:
    """Retention by enforcement appraisal band (执法考评 as a covariate). Landmark: the clock starts on the day each
    officer's latest appraisal was decided, and only officers still employed then count (an officer must survive
    to be appraised, so counting from hire would flatter the appraised). The existing minimum group size applies."""
    if appraisals is None:
        appraisals = pd.DataFrame(
            {
                "officer_id": np.zeros(0, np.int64),
                "appraised_on": np.zeros(0, "datetime64[D]"),
                "band": np.zeros(0, object),
            }
        )
    t = frames.tenures(sp, by="none", as_of=filters.as_of).merge(appraisals, on="officer_id", how="left")
    a = frames.landmark(
        t.assign(landmark_date=t["appraised_on"]), landmark_col="landmark_date", as_of=filters.as_of
    )
    cmp = _compare(a, a["band"].astype(object).to_numpy())
    labels = {band.value: str(band.label) for band in AppraisalBand}
    return {
        **charts.km_curves(cmp, labels, x_title=_("Days since the appraisal")),
        "title": _("Retention by enforcement appraisal band"),
        "note": _(
            "Landmark analysis: the clock starts on the day each officer's latest enforcement appraisal (执法考评) "
            "was decided, and only officers still employed then are counted; groups by its band."
        ),
    }


def _compare(frame: pd.DataFrame, group) -> frames.Comparison:
    return frames.compare(
        frame["duration"].to_numpy(), frame["event"].to_numpy(), np.asarray(group, dtype=object)
    )


def _training_charts(sp: frames.Spells, filters: Filters, training: pd.DataFrame | None) -> dict:
    """Retention against training outcomes, each with its clock started at a landmark (immortal-time bias:
    an officer must survive until qualifying or being mentored, so counting from hire would flatter both)."""
    if training is None:
        training = pd.DataFrame(
            {
                "officer_id": np.zeros(0, np.int64),
                "qualified_on": np.zeros(0, "datetime64[D]"),
                "exam_percent": np.zeros(0, float),
                "mentored_from": np.zeros(0, "datetime64[D]"),
                "courses_done_on": np.zeros(0, "datetime64[D]"),
                "courses_assigned": np.zeros(0, np.int64),
            }
        )
    training = training.copy()
    if "courses_done_on" not in training:
        training["courses_done_on"] = np.array(["NaT"] * len(training), dtype="datetime64[D]")
    if "courses_assigned" not in training:
        training["courses_assigned"] = 0
    t = frames.tenures(sp, by="none", as_of=filters.as_of).merge(training, on="officer_id", how="left")
    out = {}

    q = frames.landmark(
        t.assign(landmark_date=t["qualified_on"]), landmark_col="landmark_date", as_of=filters.as_of
    )
    pct = q["exam_percent"].to_numpy(dtype=float)
    band = np.where(pct >= 85, "85+", np.where(pct >= 70, "70-84", np.where(np.isnan(pct), "none", "<70")))
    cmp = _compare(q, band)
    labels = {
        "85+": _("Exam score 85 or more"),
        "70-84": _("Exam score 70–84"),
        "<70": _("Exam score under 70"),
        "none": _("Score not recorded"),
    }
    out["qualification"] = {
        **charts.km_curves(cmp, labels, x_title=_("Days since qualifying")),
        "title": _("Retention after qualifying, by exam score"),
        "note": _(
            "Landmark analysis: the clock starts on each officer's qualification date and only officers still "
            "employed then are counted, so time before qualifying cannot flatter the qualified."
        ),
    }

    m = frames.landmark(t, landmark_days=MENTORING_LANDMARK_DAYS, as_of=filters.as_of)
    mentored_by = m["mentored_from"].to_numpy(dtype="datetime64[D]")
    landmark_day = m["landmark_day"].to_numpy().astype("datetime64[D]")
    was_mentored = ~np.isnat(mentored_by) & (mentored_by <= landmark_day)
    group = np.where(was_mentored, "mentored", "not_mentored")
    cmp = _compare(m, group)
    labels = {
        "mentored": _("Mentored within the first %(days)s days") % {"days": MENTORING_LANDMARK_DAYS},
        "not_mentored": _("Not mentored by day %(days)s") % {"days": MENTORING_LANDMARK_DAYS},
    }
    out["mentoring"] = {
        **charts.km_curves(cmp, labels, x_title=landmark_axis(MENTORING_LANDMARK_DAYS)),
        "title": _("Retention with and without a mentor"),
        "note": _(
            "Landmark analysis: the clock starts %(days)s days after hire and only officers still employed then are "
            "counted; the groups are fixed by whether mentoring had started by that day."
        )
        % {"days": MENTORING_LANDMARK_DAYS},
    }

    # Time to qualification: fixed landmark, groups by how soon after hire the officer qualified.
    days = QUALIFICATION_LANDMARK_DAYS
    lq = frames.landmark(t, landmark_days=days, as_of=filters.as_of)
    hire = lq["hire_day"].to_numpy(dtype=np.int64)
    qualified = frames.to_days(lq["qualified_on"])
    took = np.where(qualified == frames.OPEN, frames.OPEN, qualified - hire)
    group = np.where(took <= 90, "fast", np.where(took <= days, "slow", "not_yet"))
    cmp = _compare(lq, group)
    labels = {
        "fast": _("Qualified within 90 days of hire"),
        "slow": _("Qualified 91–%(days)s days after hire") % {"days": days},
        "not_yet": _("Not qualified by day %(days)s") % {"days": days},
    }
    out["time_to_qualification"] = {
        **charts.km_curves(cmp, labels, x_title=landmark_axis(days)),
        "title": _("Retention by time to qualification"),
        "note": _(
            "Landmark analysis: the clock starts %(days)s days after hire and only officers still employed then are "
            "counted; the groups are fixed by how soon each had qualified by that day."
        )
        % {"days": days},
    }

    # Self-study completion: did the officer finish every assigned course by the landmark day?
    days = SELF_STUDY_LANDMARK_DAYS
    ls = frames.landmark(t, landmark_days=days, as_of=filters.as_of)
    done = frames.to_days(ls["courses_done_on"])
    landmark_day = ls["landmark_day"].to_numpy(dtype=np.int64)
    assigned = ls["courses_assigned"].fillna(0).to_numpy(dtype=np.int64)
    group = np.where(
        assigned == 0, "none", np.where((done != frames.OPEN) & (done <= landmark_day), "done", "open")
    )
    cmp = _compare(ls, group)
    labels = {
        "done": _("Finished all assigned courses by day %(days)s") % {"days": days},
        "open": _("Courses still unfinished on day %(days)s") % {"days": days},
        "none": _("No courses assigned"),
    }
    out["self_study"] = {
        **charts.km_curves(cmp, labels, x_title=landmark_axis(days)),
        "title": _("Retention by self-study completion"),
        "note": _(
            "Landmark analysis: the clock starts %(days)s days after hire and only officers still employed then are "
            "counted; the groups are fixed by whether their assigned courses were finished by that day."
        )
        % {"days": days},
    }
    return out


def landmark_axis(days: int) -> str:
    return _("Days since day %(days)s after hire") % {"days": days}


def period_words() -> dict[str, tuple[str, str]]:
    """Per period: the time axis title and how the chart's note says it."""
    return {
        "month": (_("Month"), _("Per month")),
        "quarter": (_("Quarter"), _("Per quarter")),
        "year": (_("Year"), _("Per year")),
    }


def band_labels() -> dict[str, str]:
    return {
        "0-3m": _("Under 3 months"),
        "3-6m": _("3–6 months"),
        "6-12m": _("6–12 months"),
        "1-2y": _("1–2 years"),
        "2-5y": _("2–5 years"),
        "5y+": _("5 years or more"),
    }
