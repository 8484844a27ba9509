"""HR dashboard: who may see it (403 otherwise), scope of charts and exports, caching, plotly.js served locally."""

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django_q.models import Schedule
from openpyxl import load_workbook
from whitenoise.middleware import WhiteNoiseMiddleware

from analytics import frames
from analytics.dashboard import Filters, _training_charts
from analytics.tasks import refresh_dashboard_snapshots
from tests.analytics.test_frames import BASIC
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory

URL = "/hr/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def people(street_east, street_west):
    for unit, name_prefix in ((street_east, "东"), (street_west, "西")):
        for i in range(4):
            o = OfficerFactory(unit=unit, user=None, name=f"{name_prefix}{i}")
            EmploymentSpellFactory(
                officer=o,
                unit=unit,
                hire_date=dt.date(2021, 3, 1 + i),
                leave_date=dt.date(2023, 5, 1 + i) if i % 2 else None,
                leave_reason="resigned" if i % 2 else "",
                staff_category="auxiliary" if i == 3 else "full_time",
            )


QUERY = {"period": "year", "start": "2021-01-01", "as_of": "2024-06-30"}


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_is_sent_to_login(self, client):
        assert client.get(URL).status_code == 302

    @pytest.mark.parametrize("role", ["trainee", "mentor", "training_admin"])
    def test_other_roles_get_403(self, client, street_east, role):
        user = UserFactory(roles=[role])
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get(reverse("analytics:export", args=["headcount", "csv"])).status_code == 403

    def test_menu_item_only_for_hr_roles(self, client, hr_east, training_admin_east):
        client.force_login(hr_east)
        assert b"hr-analytics" in client.get("/admin/").content
        client.force_login(training_admin_east)
        assert b"hr-analytics" not in client.get("/admin/").content


@pytest.mark.django_db
class TestDashboard:
    def test_hr_sees_charts_of_their_subtree(self, client, people, hr_east):
        client.force_login(hr_east)
        response = client.get(URL, QUERY)
        assert response.status_code == 200
        charts = {c["id"]: c for c in response.context["charts"]}
        assert set(charts) == {
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
        }
        headcount = charts["headcount"]["table"]["rows"]
        # East only: 4 hired in 2021, 2 left in 2023.
        assert [r[0] for r in headcount] == ["2021", "2022", "2023", "2024"]
        assert headcount[0][4] == 4 and headcount[2][5] == 2
        html = response.content.decode()
        assert "西苑街道" not in html
        assert '<script defer src="/static/analytics/plotly.min.js">' in html
        assert "cdn" not in html.lower()
        assert not response.context["cached"]
        assert "computed_at" in response.context

    def test_second_load_is_cached_and_refresh_recomputes(self, client, people, hr_east):
        client.force_login(hr_east)
        first = client.get(URL, QUERY).context["computed_at"]
        again = client.get(URL, QUERY)
        assert again.context["cached"] and again.context["computed_at"] == first
        fresh = client.get(URL, {**QUERY, "refresh": "1"})
        assert not fresh.context["cached"]

    def test_unit_outside_scope_is_refused_as_an_invalid_choice(self, client, people, hr_east):
        client.force_login(hr_east)
        # S0201 is not even offered as a choice, so the form is invalid; a forged value never reaches the data.
        response = client.get(URL, {**QUERY, "unit": "S0201"})
        assert response.status_code == 200 and response.context["charts"] == []
        assert list(response.context["form"].errors) == ["unit"]

    def test_the_form_shows_the_filters_the_charts_use(self, client, people, hr_east):
        """Issue #12 item 5: 期间 showed 月 while the charts were quarterly, and the blank dates hid the 3-year
        window; changing only the unit then switched every chart to monthly."""
        client.force_login(hr_east)
        today = dt.date.today()
        response = client.get(URL)
        form = response.context["form"]
        assert form["period"].value() == "quarter"
        assert form["start"].value() == today.replace(year=today.year - 3, day=1)
        assert form["as_of"].value() == today
        html = response.content.decode()
        assert '<option value="quarter" selected>' in html
        assert f'value="{today.replace(year=today.year - 3, day=1).isoformat()}"' in html
        headcount = {c["id"]: c for c in response.context["charts"]}["headcount"]
        assert headcount["table"]["rows"][0][0].endswith("-Q" + str((today.month - 1) // 3 + 1))
        assert headcount["figure_html"] and "季度" in headcount["note"]
        # The browser re-submits every field as shown; a changed unit alone keeps the quarterly period.
        resubmitted = {name: form[name].value() for name in ("category", "period", "start", "as_of")}
        response = client.get(URL, {**resubmitted, "unit": "S0101"})
        assert response.context["filters"].period == "quarter"
        # Only the unit in the query (a hand-typed link): the defaults are applied *and shown*.
        response = client.get(URL, {"unit": "S0101"})
        assert response.context["form"]["period"].value() == "quarter"
        assert response.context["form"]["start"].value() == response.context["filters"].start
        assert "period=quarter" in response.context["query"] and "unit=S0101" in response.context["query"]

    def test_bad_dates_show_the_form_error(self, client, people, hr_east):
        client.force_login(hr_east)
        response = client.get(URL, {**QUERY, "start": "2025-01-01", "as_of": "2024-01-01"})
        assert response.status_code == 200 and response.context["charts"] == []
        assert response.context["form"].errors

    def test_leader_and_superuser(self, client, people, leader_east, superuser):
        client.force_login(leader_east)
        assert client.get(URL, QUERY).status_code == 200
        client.force_login(superuser)
        response = client.get(URL, {**QUERY, "unit": "S0201"})
        rows = {c["id"]: c for c in response.context["charts"]}["headcount"]["table"]["rows"]
        assert rows[0][4] == 4


@pytest.mark.django_db
class TestExports:
    def test_csv_obeys_scope(self, client, people, hr_east):
        client.force_login(hr_east)
        response = client.get(reverse("analytics:export", args=["funnel", "csv"]), QUERY)
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        assert "东华街道" in text and "西苑街道" not in text
        assert response["Content-Disposition"].startswith("attachment;")

    def test_xlsx(self, client, people, hr_east):
        client.force_login(hr_east)
        response = client.get(reverse("analytics:export", args=["headcount", "xlsx"]), QUERY)
        ws = load_workbook(io.BytesIO(response.content)).active
        rows = list(ws.values)
        assert len(rows) == 5 and rows[1][0] == "2021" and rows[1][4] == 4

    def test_unknown_chart_404(self, client, people, hr_east):
        client.force_login(hr_east)
        assert client.get(reverse("analytics:export", args=["nope", "csv"]), QUERY).status_code == 404


def test_plotly_js_is_collected_hashed_gzipped_and_served_with_a_long_cache(settings, tmp_path, rf):
    """Production storage: collectstatic gives plotly.js (from the plotly package, via analytics.staticfiles) a
    hashed name and a gzip copy a quarter of its size; whitenoise serves that copy for a year."""
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = [
        "analytics.staticfiles.PlotlyFinder"
    ]  # only this file: keeps the test quick
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("analytics/plotly.min.js")
    assert url.startswith("/static/analytics/plotly.min.") and url != "/static/analytics/plotly.min.js"
    original = (tmp_path / "analytics" / "plotly.min.js").stat().st_size
    gzipped = (tmp_path / (url.removeprefix("/static/") + ".gz")).stat().st_size
    assert original > 4_000_000 and gzipped < original / 3

    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    response = middleware(rf.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br"))
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip" and int(response["Content-Length"]) == gzipped
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]


@pytest.mark.django_db
def test_nightly_snapshot_fills_the_cache_per_scope(client, people, hr_east, leader_east, superuser):
    assert Schedule.objects.filter(
        name="analytics-dashboard-snapshot", func="analytics.tasks.refresh_dashboard_snapshots"
    ).exists()
    assert refresh_dashboard_snapshots() == 2  # the east district (HR and leader share it) and the whole city
    client.force_login(hr_east)
    response = client.get(URL)  # default filters: served from the snapshot
    assert response.status_code == 200 and response.context["cached"]


def test_training_charts_start_the_clock_at_the_landmark():
    training = pd.DataFrame(
        {
            "officer_id": [1, 2, 3],
            "qualified_on": np.array(["2024-07-01", "2024-03-01", "2024-03-01"], dtype="datetime64[D]"),
            "exam_percent": [90.0, 95.0, 60.0],
            "mentored_from": np.array(["2024-02-01", "NaT", "NaT"], dtype="datetime64[D]"),
        }
    )
    filters = Filters(
        unit=None, category=None, period="year", as_of=dt.date(2024, 12, 31), start=dt.date(2023, 1, 1)
    )
    out = _training_charts(frames.prepare(BASIC), filters, training)
    # Officer 2 "qualified" after leaving: not in the landmark cohort. 1 (90 %) censored, 3 (60 %) left 30 days on.
    rows = {r[0]: r for r in out["qualification"]["table"]["rows"]}
    assert set(rows) == {"Exam score 85 or more", "Exam score under 70"} or len(rows) == 2
    assert sorted((r[1], r[2]) for r in rows.values()) == [(1, 0), (1, 1)]
    assert "landmark" in out["qualification"]["note"].lower() or "起算" in out["qualification"]["note"]
    # Day-90 landmark: 1 (mentored from day 31) and 4 (left at day 214) were still employed; 2 and 3 were not.
    rows = out["mentoring"]["table"]["rows"]
    assert sorted((r[1], r[2]) for r in rows) == [(1, 0), (1, 1)]


def test_chart_tables_and_unit_filter_are_escaped_as_a_template_would(client, people, hr_east):
    """The data tables (built once at compute time) and the unit filter (built in Python) escape what users typed,
    show — for a missing value, and say so when a table is empty."""
    from django.utils import translation

    from analytics.dashboard import table_html
    from analytics.views import PlainSelect

    html = table_html({"columns": ["单位", "离职率"], "rows": [["<b>东华</b>", None], ["西城", 0.25]]})
    assert "&lt;b&gt;东华&lt;/b&gt;" in html and "<td>—</td>" in html and "<td>0.25</td>" in html
    with translation.override("en"):
        assert '<td colspan="2">No data for these filters.</td>' in table_html(
            {"columns": ["a", "b"], "rows": []}
        )
    select = PlainSelect(choices=[("", "全部"), ("E<1>", "东区<script>")]).render("unit", "E<1>", {"id": "u"})
    assert '<option value="E&lt;1&gt;" selected>东区&lt;script&gt;</option>' in select
    assert 'name="unit"' in select and 'id="u"' in select
    client.force_login(hr_east)
    body = client.get(reverse("analytics:dashboard")).content.decode()
    assert '<select name="unit"' in body or 'name="unit"' in body
    assert body.count('<table class="listing">') >= 1
