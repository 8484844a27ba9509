"""Retention against time to qualification and self-study completion, each from a landmark."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone
from wagtail.models import Page

from analytics import frames, selectors
from analytics.dashboard import Filters, _training_charts
from courses.models import CoursePage, CurriculumIndexPage, Enrolment
from tests.analytics.test_frames import BASIC


def _training(**columns):
    base = {
        "officer_id": [1, 2, 3, 4],
        "qualified_on": np.array(["NaT"] * 4, dtype="datetime64[D]"),
        "exam_percent": [np.nan] * 4,
        "mentored_from": np.array(["NaT"] * 4, dtype="datetime64[D]"),
        "courses_done_on": np.array(["NaT"] * 4, dtype="datetime64[D]"),
        "courses_assigned": [0, 0, 0, 0],
    }
    base.update(columns)
    return pd.DataFrame(base)


FILTERS = Filters(
    unit=None, category=None, period="year", as_of=dt.date(2024, 12, 31), start=dt.date(2023, 1, 1)
)


def _rows(chart):
    return {r[0]: (r[1], r[2]) for r in chart["table"]["rows"]}


def test_time_to_qualification_groups_at_day_180():
    # Still employed on day 180 after hire: officer 1 (open) and 4 (left on day 214). 1 qualified on day 60.
    training = _training(
        qualified_on=np.array(["2024-03-01", "NaT", "2024-03-01", "NaT"], dtype="datetime64[D]")
    )
    chart = _training_charts(frames.prepare(BASIC), FILTERS, training)["time_to_qualification"]
    rows = _rows(chart)
    assert sorted(rows.values()) == [(1, 0), (1, 1)]  # 1 qualified on day 60 and stays; 4 never did and left
    assert len(rows) == 2
    assert "180" in chart["note"]


def test_self_study_completion_groups_at_day_120():
    training = _training(
        courses_done_on=np.array(["2024-04-01", "NaT", "NaT", "NaT"], dtype="datetime64[D]"),
        courses_assigned=[2, 1, 1, 1],
    )
    chart = _training_charts(frames.prepare(BASIC), FILTERS, training)["self_study"]
    # 1 finished on day 91 (by the landmark) and stays; 4 had unfinished courses and left on day 214.
    assert sorted(_rows(chart).values()) == [(1, 0), (1, 1)]
    assert len(_rows(chart)) == 2


@pytest.mark.django_db
def test_training_frame_reads_pairings_and_course_completion(
    street_east, make_officer, django_assert_max_num_queries
):

    officer = make_officer(street_east, username="tf1")
    index = Page.objects.get(depth=2).add_child(instance=CurriculumIndexPage(title="课程", slug="kc"))
    c1 = index.add_child(
        instance=CoursePage(title="一", slug="c1", summary="s", category="law", study_hours=1)
    )
    c2 = index.add_child(
        instance=CoursePage(title="二", slug="c2", summary="s", category="law", study_hours=1)
    )
    done = timezone.make_aware(dt.datetime(2024, 5, 6, 10))
    Enrolment.objects.create(officer=officer, course=c1, completed_at=done, status="completed")
    e2 = Enrolment.objects.create(officer=officer, course=c2)
    with django_assert_max_num_queries(3):
        frame = selectors.training_frame([officer.pk])
    assert frame.loc[0, "courses_assigned"] == 2 and pd.isna(frame.loc[0, "courses_done_on"])
    Enrolment.objects.filter(pk=e2.pk).update(completed_at=done + dt.timedelta(days=3), status="completed")
    frame = selectors.training_frame([officer.pk])
    assert frame.loc[0, "courses_done_on"] == np.datetime64("2024-05-09")
