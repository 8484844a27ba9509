"""The appraisal demo (`seed_demo`, issue #15): what the demo logins see of case files, review rounds, follow-ups,
the appraisal cycle and the case library, and that a second run changes nothing.

The demo city is seeded once for the module (every app's demo, in seed_demo's order) and rolled back at the end."""

import importlib
import io
import random
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from wagtail.models import WorkflowState

from analytics import demo as analytics_demo
from analytics import selectors as analytics_selectors
from analytics.models import SelectionBoard
from appraisal import appraisal_selectors, demo, outcomes
from appraisal.models import (
    Appraisal,
    AppraisalCycle,
    CaseFile,
    CaseReview,
    CrossInspection,
    FollowUp,
    LeaderEvaluation,
    ReviewAssignment,
    ReviewRound,
    RoundCase,
)
from appraisal.pages import CaseLibraryPage, CasePage
from cms import demo as city_demo
from cms import extensions
from cms.models import AuditEvent, Officer
from cms.reference import ensure_reference_data
from courses.models import Attendance

SEED = next(e.seed for e in extensions.DEMO_SEEDS if e.module == "appraisal.demo")
NUMBER = re.compile(r"^[东西南北]应急[罚改强检]〔2026〕\d+号$")


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """seed_demo's data, once per module, rolled back at the end (the tests' own transactions nest inside)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            ensure_reference_data()
            city_demo.seed(stdout=io.StringIO(), rng=random.Random(city_demo.SEED))
            output = {}
            for entry in extensions.DEMO_SEEDS:
                out = io.StringIO()
                importlib.import_module(entry.module).seed(stdout=out, rng=random.Random(entry.seed))
                output[entry.module] = out.getvalue()
            yield output
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _user(username):
    return get_user_model().objects.get(username=username)


def _closed_round():
    return ReviewRound.objects.get(name=demo.CLOSED_ROUND)


def _open_round():
    return ReviewRound.objects.get(name=demo.OPEN_ROUND)


@pytest.mark.django_db
def test_seed_demo_runs_the_appraisal_demo_after_mentorship(demo_city):
    modules = [entry.module for entry in extensions.DEMO_SEEDS]
    assert modules.index("appraisal.demo") > modules.index("mentorship.demo")
    [line] = demo_city["appraisal.demo"].splitlines()
    assert "120" in line


@pytest.mark.django_db
def test_120_closed_case_files_handled_by_appointed_officers_of_their_street(demo_city):
    cases = list(CaseFile.objects.select_related("handler__unit", "unit").prefetch_related("co_handlers"))
    assert len(cases) == 120
    assert {c.unit.kind for c in cases} == {"street"} and len({c.unit_id for c in cases}) == 16
    trainees = set(Officer.objects.filter(user__groups__name="trainee").values_list("pk", flat=True))
    for case in cases:
        assert NUMBER.match(case.number), case.number
        assert case.opened_on.year == case.closed_on.year == 2026 and case.opened_on <= case.closed_on
        assert case.handler.unit_id == case.unit_id and case.handler.status == Officer.Status.ACTIVE
        assert case.handler.staff_category in ("civil_servant", "full_time")
        assert case.handler_id not in trainees
        assert case.legal_provisions.startswith("《") and case.party
    assert sum(1 for c in cases if c.co_handlers.all()) >= 60
    assert {c.kind for c in cases} >= {"penalty", "rectification", "inspection"}
    assert all(c.penalty_amount for c in cases if c.kind == "penalty")
    # Loaded through the case import, which audits every file and the import itself.
    assert AuditEvent.objects.filter(action="appraisal.case_create").count() == 120
    assert AuditEvent.objects.filter(action="appraisal.case_import").count() == 1


@pytest.mark.django_db
def test_closed_round_has_cross_reviews_a_third_review_scores_and_follow_ups(demo_city):
    round_ = _closed_round()
    assert round_.status == ReviewRound.Status.CLOSED and round_.seed == demo.CLOSED_ROUND_SEED
    assert round_.opened_by.username == "demo_leader" and round_.unit.code == "D01"
    drawn = list(RoundCase.objects.filter(round=round_).select_related("case"))
    assert 8 <= len(drawn) < CaseFile.objects.filter(unit__code__startswith="S01").count()
    for assignment in ReviewAssignment.objects.filter(round_case__round=round_).select_related(
        "reviewer", "round_case__case"
    ):
        case = assignment.round_case.case
        assert assignment.reviewer.unit_id != case.unit_id
        assert assignment.reviewer_id not in case.handler_ids()
        assert CaseReview.objects.filter(assignment=assignment).exists()  # every review is in
    assert all(rc.score is not None for rc in drawn)
    thirds = [rc for rc in drawn if rc.needs_third]
    assert thirds and all(rc.assignments.filter(ordinal=3, reviews__isnull=False).exists() for rc in thirds)
    by_ordinal = {
        r.assignment.ordinal: r.total
        for r in CaseReview.objects.filter(assignment__round_case=thirds[0]).select_related("assignment")
    }
    assert abs(by_ordinal[1] - by_ordinal[2]) > round_.third_review_gap and 3 in by_ordinal

    results = outcomes.round_results(round_)
    assert len(results["by_unit"]) == 4 and all(u["mean"] is not None for u in results["by_unit"])
    assert results["by_officer"] and all(i["mean_share"] is not None for i in results["by_item"])
    follow_ups = list(FollowUp.objects.select_related("finding__review__assignment__round_case"))
    assert follow_ups
    assert {f.finding.review.assignment.round_case.round_id for f in follow_ups} == {round_.pk}
    assert all(f.finding.score < 6 and f.status == FollowUp.Status.OPEN for f in follow_ups)
    assert AuditEvent.objects.filter(action="appraisal.round_close", object_id=str(round_.pk)).exists()


@pytest.mark.django_db
def test_demo_leader_reads_the_closed_rounds_results(demo_city, client):
    client.force_login(_user("demo_leader"))
    assert _closed_round() in outcomes.rounds_with_results_for(_user("demo_leader"))
    response = client.get(reverse("appraisal_results"))
    assert response.status_code == 200 and demo.CLOSED_ROUND in response.content.decode()
    detail = client.get(reverse("appraisal_results_detail", args=[_closed_round().pk]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert all(name in page for name in ("东华街道", "朝阳门街道", "建国街道", "龙潭街道"))


@pytest.mark.django_db
def test_demo_mentor_has_files_to_review_from_other_streets_only(demo_city, client):
    mentor = Officer.objects.get(user__username="demo_mentor")
    round_ = _open_round()
    assert round_.status == ReviewRound.Status.OPEN
    pending = list(
        ReviewAssignment.objects.filter(round_case__round=round_, reviewer=mentor, reviews__isnull=True)
        .select_related("round_case__case")
        .distinct()
    )
    assert pending
    for assignment in pending:
        case = assignment.round_case.case
        assert case.unit_id != mentor.unit_id and mentor.pk not in case.handler_ids()
    # Other reviewers are part-way through; nobody has reviewed every file yet.
    submitted = CaseReview.objects.filter(assignment__round_case__round=round_).count()
    assert 0 < submitted < ReviewAssignment.objects.filter(round_case__round=round_).count()

    client.force_login(mentor.user)
    page = client.get(reverse("appraisal:reviews")).content.decode()
    assert all(a.round_case.case.number in page for a in pending)
    assert "待评查" in client.get("/me/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert client.get(reverse("appraisal:review", args=[pending[0].pk])).status_code == 200


@pytest.mark.django_db
def test_demo_mentor_sees_their_own_files_results_and_follow_up(demo_city, client):
    mentor = Officer.objects.get(user__username="demo_mentor")
    handled = RoundCase.objects.filter(round=_closed_round(), case__handler=mentor).select_related("case")
    assert handled
    follow_ups = FollowUp.objects.filter(officer=mentor).select_related("finding__item", "knowledge_point")
    assert ("documents", "执法程序") in {(f.finding.item.code, f.knowledge_point.name) for f in follow_ups}
    client.force_login(mentor.user)
    results = client.get(reverse("appraisal:results")).content.decode()
    assert all(rc.case.number in results for rc in handled)
    assert "执法程序" in client.get(reverse("appraisal:follow_ups")).content.decode()


@pytest.mark.django_db
def test_a_file_assigned_to_demo_mentor_is_hidden_from_other_users(demo_city, client):
    assignment = ReviewAssignment.objects.filter(reviewer__user__username="demo_mentor").first()
    client.force_login(_user("demo_trainee"))
    assert client.get(reverse("appraisal:review", args=[assignment.pk])).status_code == 404


@pytest.mark.django_db
def test_library_shows_four_live_cases_one_proposed_from_the_closed_round(demo_city, client):
    library = CaseLibraryPage.objects.live().get()
    cases = list(CasePage.objects.live().descendant_of(library))
    assert len(cases) == 4 and not CasePage.objects.not_live().exists()
    [proposed] = [c for c in cases if c.source_id]
    assert proposed.source.round == _closed_round()
    assert proposed.source.score == max(_closed_round().cases.values_list("score", flat=True))
    assert proposed.source.case.party not in proposed.title + proposed.facts  # the scrubbed copy
    state = WorkflowState.objects.get(object_id=str(proposed.pk))  # went through moderation
    assert state.status == WorkflowState.STATUS_APPROVED and state.requested_by.username == "demo_leader"
    client.force_login(_user("demo_trainee"))
    page = client.get(reverse("appraisal:library"), follow=True)
    assert page.status_code == 200
    assert all(c.title in page.content.decode() for c in cases)
    assert CasePage.objects.get(slug="confined-space-entry") in library.search("有限空间")


@pytest.mark.django_db
def test_the_district_cycle_has_leader_evaluations_and_appraisals_for_hr_and_the_board(demo_city):
    cycle = AppraisalCycle.objects.get(name=demo.CYCLE_NAME)
    leader = _user("demo_leader")
    officers = list(appraisal_selectors.cycle_officers(cycle, leader))
    assert len(officers) >= 40 and all(o.unit.path.startswith(cycle.unit.path) for o in officers)
    assert LeaderEvaluation.objects.filter(cycle=cycle).count() == len(officers)
    appraised = Appraisal.objects.filter(cycle=cycle)
    assert appraised.count() == len(officers) and all(a.decided_by == leader for a in appraised)
    assert len(set(appraised.values_list("band", flat=True))) >= 3
    # /hr/'s retention by appraisal band and the selection board's seventh component read these.
    frame = analytics_selectors.appraisal_frame([o.pk for o in officers])
    assert len(frame) == len(officers)
    components = analytics_selectors.components_for([officers[0].pk])
    assert components[officers[0].pk]["appraisal"] == float(appraised.get(officer=officers[0]).total)


@pytest.mark.django_db
def test_hr_ranks_officers_in_post_on_the_appraisal_in_the_in_post_board(demo_city, client):
    hr = _user("demo_hr")
    board = SelectionBoard.objects.get(title=analytics_demo.IN_POST_BOARD_TITLE)
    ranking = analytics_selectors.board_ranking(board, hr)
    assert len(ranking["ranked_rows"]) == analytics_demo.IN_POST_BOARD_SIZE and not ranking["incomplete_rows"]
    for row in ranking["rows"]:
        appraisal = dict((key, value) for key, _label, value, _c in row["components"])["appraisal"]
        assert appraisal == float(Appraisal.objects.get(officer=row["officer"]).total) == row["score"]
    client.force_login(hr)
    page = client.get(reverse("analytics:board_detail", args=[board.pk]))
    assert page.status_code == 200 and ranking["rows"][0]["officer"].name in page.content.decode()


@pytest.mark.django_db
def test_cross_enforcement_day_inspects_other_streets_and_credits_attendance(demo_city):
    inspections = list(
        CrossInspection.objects.filter(session__title=demo.CROSS_SESSION).select_related(
            "officer__unit", "enterprise__unit", "session"
        )
    )
    assert len(inspections) == 8 and inspections[0].session.kind == "cross_enforcement"
    for inspection in inspections:
        assert inspection.officer.unit_id != inspection.enterprise.unit_id
        assert inspection.findings and inspection.recorded_by.username == "demo_leader"
    attended = Attendance.objects.filter(day__session=inspections[0].session, status="present")
    assert attended.count() == 8


@pytest.mark.django_db
def test_second_run_changes_nothing(demo_city):
    def counts():
        return [
            m.objects.count()
            for m in (
                CaseFile,
                ReviewRound,
                ReviewAssignment,
                CaseReview,
                FollowUp,
                AppraisalCycle,
                CrossInspection,
            )
        ] + [
            LeaderEvaluation.objects.count(),
            Appraisal.objects.count(),
            CasePage.objects.count(),
            AuditEvent.objects.count(),
        ]

    before = counts()
    out = io.StringIO()
    with translation.override("en"):
        summary = demo.seed(stdout=out, rng=random.Random(SEED))
    assert counts() == before
    assert summary is None
    assert out.getvalue().strip() == "Case appraisal: the demo data is in place; nothing to change."
