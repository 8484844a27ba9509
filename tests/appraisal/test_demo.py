"""The appraisal demo (`seed_demo`, issue #15): what the demo logins see of case files, review rounds, a correction,
follow-ups (with a mentor's 出题目 task), the appraisal cycle, the cross-enforcement day with its photos, the
enforcement demonstration and the case library, and that a second run changes nothing.

The demo city is seeded once for the module (every app's demo, in seed_demo's order) and rolled back at the end; its
private files (inspection photos) go to a throw-away folder."""

import importlib
import io
import random
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from PIL import Image
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
    InspectionPhoto,
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
from cms.uploads import private_storage
from courses.models import Attendance, Registration, SessionKind, StudyHoursEntry, TrainingSession
from mentorship.models import Apprenticeship, Assignment

SEED = next(e.seed for e in extensions.DEMO_SEEDS if e.module == "appraisal.demo")
NUMBER = re.compile(r"^[东西南北]应急[罚改强检]〔2026〕\d+号$")


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker, tmp_path_factory):
    """seed_demo's data, once per module, rolled back at the end (the tests' own transactions nest inside)."""
    private = tmp_path_factory.mktemp("demo_private")
    with django_db_blocker.unblock(), override_settings(PRIVATE_MEDIA_ROOT=private):
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
def test_cross_enforcement_photos_are_re_encoded_images_in_private_storage(demo_city, client):
    inspections = list(
        CrossInspection.objects.filter(session__title=demo.CROSS_SESSION)
        .select_related("officer__user")
        .prefetch_related("photos")
    )
    photos = [p for i in inspections for p in i.photos.all()]
    assert len(photos) >= 4
    for inspection in inspections:  # the photos of the hazards found: one, two from two hazards on
        expected = 0 if not inspection.hazards_found else 1 if inspection.hazards_found == 1 else 2
        assert inspection.photos.count() == expected
    root = str(settings.PRIVATE_MEDIA_ROOT)
    for photo in photos:
        assert photo.file.name.startswith("inspections/") and private_storage.path(
            photo.file.name
        ).startswith(root)
        assert private_storage.exists(photo.file.name) and private_storage.size(photo.file.name) == photo.size
        with private_storage.open(photo.file.name) as f, Image.open(f) as image:
            assert image.format == "JPEG" and image.size == demo.PHOTO_SIZE
            assert not image.getexif()  # re-encoded by the upload path: no metadata kept
        assert photo.content_type == "image/jpeg" and re.match(
            r"^IMG_20260917_\d{6}\.jpg$", photo.original_name
        )
    # Recorded through the service: its audit row lists the photos.
    photographed = next(i for i in inspections if i.hazards_found >= 2)
    event = AuditEvent.objects.get(action="appraisal.inspection", object_id=str(photographed.pk))
    assert len(event.after["photos"]) == 2 and event.actor.username == "demo_leader"
    # The officer opens their photo; an officer of another street does not.
    url = reverse("appraisal_inspections:photo", args=[photographed.photos.first().pk])
    client.force_login(photographed.officer.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    client.force_login(_user("demo_trainee"))
    assert client.get(url).status_code == 404
    # demo_mentor's own inspection has its photos on their inspections page (README).
    mine = next(i for i in inspections if i.officer.user.username == "demo_mentor")
    assert mine.photos.exists()
    client.force_login(mine.officer.user)
    assert mine in list(client.get(reverse("appraisal_inspections:mine")).context["inspections"])


@pytest.mark.django_db
def test_demonstration_session_credits_attended_hours_as_practice(demo_city, client):
    session = TrainingSession.objects.get(title=demo.DEMONSTRATION_SESSION)
    assert session.kind == SessionKind.DEMONSTRATION and session.status == TrainingSession.Status.FINISHED
    assert session.organizer.code == "D01"
    [day] = session.days.all()
    assert day.date == demo.DEMONSTRATION_DAY
    registered = set(
        Registration.objects.filter(session=session, status="registered").values_list("officer_id", flat=True)
    )
    marks = dict(Attendance.objects.filter(day=day).values_list("officer_id", "status"))
    assert set(marks) == registered and len(registered) >= 10
    assert sorted(marks.values()).count("excused") == 1 and "present" in marks.values()
    watchers = Officer.objects.filter(pk__in=registered)
    assert len({o.unit_id for o in watchers}) == 4 and all(
        o.unit.path.startswith(session.organizer.path) for o in watchers
    )
    # Every attended afternoon credits its 3 study hours; the excused watcher gets none.
    hours = dict(
        StudyHoursEntry.objects.filter(source_kind="session_day", source_id=day.pk).values_list(
            "officer_id", "hours"
        )
    )
    present = {pk for pk, status in marks.items() if status == "present"}
    assert {pk for pk, h in hours.items() if h} == present
    assert all(hours[pk] == demo.DEMONSTRATION_HOURS for pk in present)
    assert AuditEvent.objects.filter(action="courses.attendance_record", object_id=str(session.pk)).exists()
    # demo_mentor watched it and went to the cross-enforcement day: 3 + 4 practice hours in their record (一人一档).
    mentor = Officer.objects.get(user__username="demo_mentor")
    assert marks[mentor.pk] == "present"
    client.force_login(mentor.user)
    response = client.get(reverse("courses:my_record"))
    year = next(y for y in response.context["years"] if y["year"] == 2026)
    assert year["practice"] == Decimal("7.00")


@pytest.mark.django_db
def test_demo_leader_corrected_a_review_of_the_closed_round(demo_city, client):
    round_ = _closed_round()
    [correction] = CaseReview.objects.filter(assignment__round_case__round=round_, corrects__isnull=False)
    original = correction.corrects
    leader = _user("demo_leader")
    # A new row on the same assignment, by the round's runner, with a reason; the original row is untouched.
    assert correction.pk != original.pk and correction.assignment_id == original.assignment_id
    assert correction.submitted_by == leader and original.submitted_by.username != "demo_leader"
    assert correction.reason.startswith("复核发现") and correction.total > original.total
    changed = [
        (new.item, old.score, new.score)
        for new, old in zip(
            correction.scores.order_by("item_id"), original.scores.order_by("item_id"), strict=True
        )
        if new.score != old.score
    ]
    [(item, before, after)] = changed
    assert item.name in correction.reason
    # Both are audited: the reviewer's submission and the leader's correction with the scores before and after.
    assert AuditEvent.objects.filter(
        action="appraisal.review_submit", object_id=str(original.pk), actor=original.submitted_by
    ).exists()
    event = AuditEvent.objects.get(action="appraisal.review_correct", object_id=str(correction.pk))
    assert event.actor == leader and event.before["review"] == original.pk
    assert event.after["corrects"] == original.pk and event.after["reason"] == correction.reason
    # The file's score rests on the correction; the closed round needs no third review for it.
    rc = correction.assignment.round_case
    other = CaseReview.objects.get(
        assignment__round_case=rc, assignment__ordinal=3 - correction.assignment.ordinal
    )
    assert not rc.needs_third and rc.score == ((correction.total + other.total) / 2).quantize(Decimal("0.01"))
    # The file's page in the admin shows the chain: original → correction, who, why, what changed.
    client.force_login(leader)
    page = client.get(reverse("appraisal_results_file", args=[round_.pk, rc.pk])).content.decode()
    chain = page[page.index(f'data-review="{original.pk}"') :]
    assert f'data-review="{correction.pk}"' in chain and correction.reason in chain
    plain = r"(\.\d+)?"
    assert re.search(rf"{item.name}：{int(before)}{plain} → {int(after)}{plain}", chain)


@pytest.mark.django_db
def test_a_handler_still_under_a_mentor_gets_a_follow_up_with_an_出题目_task(demo_city, client):
    round_ = _closed_round()
    follow_ups = list(
        FollowUp.objects.filter(
            mentor_task__isnull=False, finding__review__assignment__round_case__round=round_
        ).select_related("officer__user", "knowledge_point", "mentor_task__apprenticeship", "finding__review")
    )
    assert follow_ups
    officer = follow_ups[0].officer
    apprenticeship = Apprenticeship.objects.get(officer=officer, status=Apprenticeship.Status.IN_PROGRESS)
    mentor = extensions.current_mentor(officer)
    assert mentor.user.username == "demo_mentor"
    # An appointed officer (not a trainee) handled the drawn file, with a senior colleague as co-handler.
    assert officer.staff_category in ("civil_servant", "full_time")
    assert not officer.user.groups.filter(name="trainee").exists()
    case = follow_ups[0].finding.review.assignment.round_case.case
    assert case.handler == officer and case.co_handlers.exists()
    for follow_up in follow_ups:
        task = follow_up.mentor_task
        assert follow_up.officer == officer and follow_up.status == FollowUp.Status.OPEN
        assert task.apprenticeship == apprenticeship and task.set_by == mentor.user
        assert (
            task.title == f"出题目：{follow_up.knowledge_point.name}"
            and task.status == Assignment.Status.OPEN
        )
        assert case.number in task.description
        assert AuditEvent.objects.filter(action="mentorship.assignment_set", object_id=str(task.pk)).exists()
        assert (
            AuditEvent.objects.get(action="appraisal.follow_up", object_id=str(follow_up.pk)).after[
                "mentor_task"
            ]
            == task.pk
        )
    # Only follow-ups of an officer who still has a mentor carry a task.
    assert not FollowUp.objects.filter(mentor_task__isnull=False).exclude(officer=officer).exists()
    # demo_mentor sees the tasks on the apprentice's page; the apprentice sees the follow-ups.
    client.force_login(mentor.user)
    page = client.get(reverse("mentorship:apprenticeship", args=[apprenticeship.pk])).content.decode()
    assert all(f.mentor_task.title in page for f in follow_ups)
    client.force_login(officer.user)
    page = client.get(reverse("appraisal:follow_ups")).content.decode()
    assert all(f.knowledge_point.name in page for f in follow_ups)


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
                InspectionPhoto,
                TrainingSession,
                Attendance,
                StudyHoursEntry,
                Assignment,
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
