"""执法考评: components from real records (closed rounds, qualifying exams, study hours, attendance, the leader's
rubric evaluation), weights and bands, final audited appraisals and corrections, scope and denials, admin screens
and the xlsx export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appraisal import appraisal_selectors as sel
from appraisal.models import (
    Appraisal,
    AppraisalBand,
    AppraisalCycle,
    LeaderEvaluation,
    ReviewRound,
    RoundCase,
)
from appraisal.services import appraisals as services
from cms.models import AppendOnlyError, AuditEvent, UserScope
from courses.models import (
    AnnualHoursRequirement,
    Attendance,
    Registration,
    StudyHoursEntry,
    TrainingDay,
    TrainingSession,
)
from exams.models import Attempt, Exam
from mentorship.models import Apprenticeship, Programme
from tests.appraisal.factories import CaseFileFactory, ReviewRoundFactory
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

YEAR_START, YEAR_END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)


@pytest.fixture
def cycle(district_east, leader_east):
    return services.open_cycle(
        by=leader_east,
        name="2026年度执法考评",
        unit=district_east,
        period_start=YEAR_START,
        period_end=YEAR_END,
    )


def _closed_round_score(officer, score, *, co_handler=None, closed_at=None):
    rnd = ReviewRoundFactory(
        unit=officer.unit.get_parent(),
        status=ReviewRound.Status.CLOSED,
        closed_at=closed_at or timezone.make_aware(datetime.datetime(2026, 7, 1, 10)),
    )
    case = CaseFileFactory(handler=officer, co_handlers=[co_handler] if co_handler else None)
    return RoundCase.objects.create(round=rnd, case=case, draw_order=1, score=Decimal(score))


def _attempt(officer, percent, *, exam_title="年度执法资格考试", when=None):
    exam, _c = Exam.objects.get_or_create(title=exam_title, defaults={"is_qualifying": True})
    when = when or timezone.make_aware(datetime.datetime(2026, 9, 1, 10))
    return Attempt.objects.create(
        officer=officer,
        exam=exam,
        number=Attempt.objects.filter(officer=officer, exam=exam).count() + 1,
        seed=1,
        status=Attempt.Status.GRADED,
        started_at=when,
        deadline=when,
        submitted_at=when,
        percent=percent,
        passed=percent >= 60,
    )


def _session_with_attendance(officer, district, statuses):
    session = TrainingSession.objects.create(
        title="执法示范观摩",
        kind="demonstration",
        organizer=district,
        location="区局",
        capacity=10,
        hours_per_day=Decimal("4"),
    )
    Registration.objects.create(session=session, officer=officer)
    for i, status in enumerate(statuses):
        day = TrainingDay.objects.create(
            session=session, date=datetime.date(2026, 4, 1 + i), start=datetime.time(9), end=datetime.time(17)
        )
        if status:
            Attendance.objects.create(day=day, officer=officer, status=status)
    return session


def _full_record(officer, district, cycle, leader):
    _closed_round_score(officer, 80)
    _attempt(officer, 70.0)
    _attempt(officer, 90.0)  # best attempt of the exam counts
    AnnualHoursRequirement.objects.update_or_create(
        staff_category=officer.staff_category, defaults={"hours": Decimal("40")}
    )
    StudyHoursEntry.objects.create(
        officer=officer,
        hours=Decimal("20"),
        source_kind="course",
        source_id=1,
        description="课程",
        earned_on=datetime.date(2026, 6, 1),
    )
    _session_with_attendance(officer, district, ["present", "absent"])
    items = list(cycle.leader_rubric.items.all())
    services.record_leader_evaluation(
        by=leader, cycle=cycle, officer=officer, scores={i.pk: 8 for i in items}
    )


def test_components_weights_total_and_band_from_real_records(cycle, trainee, district_east, leader_east):
    _full_record(trainee, district_east, cycle, leader_east)
    values = sel.components_for(cycle, [trainee])[trainee.pk]
    assert values == {
        "cases": Decimal("80.00"),
        "exams": Decimal("90.00"),
        "hours": Decimal("50.00"),
        "attendance": Decimal("50.00"),
        "leader": Decimal("80.00"),
    }
    # 30/20/15/10/25: 24 + 18 + 7.5 + 5 + 20
    appraisal = services.decide(by=leader_east, cycle=cycle, officer=trainee)
    assert appraisal.total == Decimal("74.50") and appraisal.band == AppraisalBand.BASIC
    assert appraisal.weights == {"cases": 30, "exams": 20, "hours": 15, "attendance": 10, "leader": 25}
    assert appraisal.missing == []
    event = AuditEvent.objects.get(action="appraisal.appraisal_decide")
    assert event.after["total"] == "74.50" or Decimal(str(event.after["total"])) == Decimal("74.50")


def test_missing_components_count_zero_with_their_reason(cycle, trainee, leader_east, client):
    _closed_round_score(trainee, 100)
    row = sel.cycle_table(cycle, leader_east)["rows"][0]
    assert row["total"] == Decimal("30.00") and row["band"] == AppraisalBand.INCOMPETENT
    # The category's annual requirement exists: no hours earned is a 0, not missing data.
    assert row["values"]["hours"] == Decimal("0.00")
    assert row["missing"] == ["exams", "attendance", "leader"]
    client.force_login(leader_east)
    page = client.get(reverse("appraisal_cycle", args=[cycle.pk])).content.decode()
    assert str(sel.MISSING_REASONS["leader"]) in page


def test_rounds_closed_outside_the_period_and_co_handlers(
    cycle, trainee, other_trainee, street_east, make_officer
):
    colleague = make_officer(street_east, username="colleague")
    _closed_round_score(trainee, 60, co_handler=colleague)
    _closed_round_score(trainee, 100, closed_at=timezone.make_aware(datetime.datetime(2025, 12, 1)))
    values = sel.components_for(cycle, [trainee, colleague])
    assert values[trainee.pk]["cases"] == Decimal("60.00")
    assert values[colleague.pk]["cases"] == Decimal("60.00")


def test_bands_at_their_thresholds():
    assert [sel.band_for(Decimal(v)) for v in (90, "89.99", 75, 60, "59.99")] == [
        "excellent",
        "competent",
        "competent",
        "basic",
        "incompetent",
    ]


def test_an_appraisal_is_final_and_a_correction_is_a_new_audited_row(cycle, trainee, leader_east):
    first = services.decide(by=leader_east, cycle=cycle, officer=trainee)
    with pytest.raises(AppendOnlyError):
        first.save()
    with pytest.raises(services.ValidationError) as exc:
        services.decide(by=leader_east, cycle=cycle, officer=trainee)
    assert exc.value.error_dict["note"][0].code == "note_required"
    _closed_round_score(trainee, 90)
    second = services.decide(by=leader_east, cycle=cycle, officer=trainee, note="补录评查结果")
    assert second.corrects_id == first.pk and second.total > first.total
    assert sel.latest_appraisals(cycle)[trainee.pk].pk == second.pk
    events = AuditEvent.objects.filter(action="appraisal.appraisal_decide").order_by("id")
    assert events.count() == 2 and events.last().before["band"] == first.band


def test_leader_evaluation_rules_and_corrections(cycle, trainee, leader_east, training_admin_east, hr_east):
    items = list(cycle.leader_rubric.items.all())
    assert len(items) == 5
    for user in (training_admin_east, hr_east):
        with pytest.raises(services.AppraisalRefused) as exc:
            services.record_leader_evaluation(by=user, cycle=cycle, officer=trainee, scores={})
        assert exc.value.code == "not_leader"
    with pytest.raises(services.ValidationError) as exc:
        services.record_leader_evaluation(
            by=leader_east, cycle=cycle, officer=trainee, scores={i.pk: 11 for i in items}
        )
    assert exc.value.error_dict[f"item_{items[0].pk}"][0].code == "score_out_of_range"
    first = services.record_leader_evaluation(
        by=leader_east, cycle=cycle, officer=trainee, scores={i.pk: 10 for i in items}
    )
    assert first.total == Decimal("100.00")
    with pytest.raises(services.ValidationError):
        services.record_leader_evaluation(
            by=leader_east, cycle=cycle, officer=trainee, scores={i.pk: 5 for i in items}
        )
    second = services.record_leader_evaluation(
        by=leader_east, cycle=cycle, officer=trainee, scores={i.pk: 5 for i in items}, reason="复核后调整"
    )
    assert second.corrects_id == first.pk and second.total == Decimal("50.00")
    assert sel.components_for(cycle, [trainee])[trainee.pk]["leader"] == Decimal("50.00")
    assert AuditEvent.objects.filter(action="appraisal.leader_evaluation").count() == 2
    with pytest.raises(AppendOnlyError):
        LeaderEvaluation.objects.filter(pk=first.pk).update(total=1)


def test_nobody_appraises_themself(cycle, street_east, make_officer, district_east):
    boss = make_officer(street_east, username="boss", roles=("unit_leader",))
    UserScope.objects.create(user=boss.user, unit=district_east)
    with pytest.raises(services.AppraisalRefused) as exc:
        services.decide(by=boss.user, cycle=cycle, officer=boss)
    assert exc.value.code == "self_appraisal"
    with pytest.raises(services.AppraisalRefused) as exc:
        services.record_leader_evaluation(by=boss.user, cycle=cycle, officer=boss, scores={})
    assert exc.value.code == "self_appraisal"
    result = services.decide_cycle(by=boss.user, cycle=cycle)
    assert result["skipped_self"] == 1
    assert not Appraisal.objects.filter(officer=boss).exists()


def test_scope_hr_reads_others_are_refused(cycle, trainee, other_trainee, hr_east, district_west, client):
    leader_west = make_staff("leader_west", "unit_leader", district_west)
    with pytest.raises(services.AppraisalRefused) as exc:
        services.decide(by=leader_west, cycle=cycle, officer=trainee)
    assert exc.value.code == "not_permitted"
    with pytest.raises(services.AppraisalRefused) as exc:
        services.decide(by=hr_east, cycle=cycle, officer=trainee)
    assert exc.value.code == "not_permitted"
    with pytest.raises(services.AppraisalRefused):
        services.open_cycle(
            by=hr_east, name="x", unit=district_west, period_start=YEAR_START, period_end=YEAR_END
        )
    leader_east_cycle_officers = list(sel.cycle_officers(cycle))
    assert other_trainee not in leader_east_cycle_officers and trainee in leader_east_cycle_officers
    # HR reads the cycle page but gets no decide button, and a POST is refused.
    client.force_login(hr_east)
    page = client.get(reverse("appraisal_cycle", args=[cycle.pk]))
    assert page.status_code == 200 and "appraisal-decide" not in page.content.decode()
    # Wagtail's admin answers a refused admin view with a redirect to its home page and a message.
    denied = client.post(reverse("appraisal_decide", args=[cycle.pk, trainee.pk]))
    assert denied.status_code == 302 and denied["Location"] == "/admin/"
    assert not Appraisal.objects.exists()
    # West's leader cannot even see East's cycle; a trainee has no access at all.
    client.force_login(leader_west)
    assert client.get(reverse("appraisal_cycle", args=[cycle.pk])).status_code == 404
    client.force_login(trainee.user)
    assert client.get(reverse("appraisal_cycles")).status_code in (302, 403)


def test_trainees_in_a_programme_are_not_appraised(cycle, trainee, street_east, make_officer):
    apprentice = make_officer(street_east, username="apprentice")
    programme = Programme.objects.create(name="岗前培养", unit=street_east.get_parent())
    Apprenticeship.objects.create(
        officer=apprentice, programme=programme, hire_date=YEAR_START, started_on=YEAR_START
    )
    officers = list(sel.cycle_officers(cycle))
    assert trainee in officers and apprentice not in officers


def test_closed_cycle_refuses_decisions(cycle, trainee, leader_east):
    services.close_cycle(by=leader_east, cycle=cycle)
    with pytest.raises(services.ValidationError) as exc:
        services.decide(by=leader_east, cycle=cycle, officer=trainee)
    assert exc.value.code == "cycle_closed"


def test_admin_screens_create_evaluate_bulk_decide_and_export(
    client, district_east, trainee, street_east, make_officer, leader_east, django_assert_max_num_queries
):
    for i in range(3):
        make_officer(street_east, username=f"inpost{i}", name=f"在岗{i}")
    client.force_login(leader_east)
    response = client.post(
        reverse("appraisal_cycle_create"),
        {
            "name": "2026年度执法考评",
            "unit": district_east.pk,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "weight_cases": 30,
            "weight_exams": 20,
            "weight_hours": 15,
            "weight_attendance": 10,
            "weight_leader": 25,
        },
    )
    cycle = AppraisalCycle.objects.get()
    assert response.status_code == 302
    items = list(cycle.leader_rubric.items.all())
    url = reverse("appraisal_leader_evaluation", args=[cycle.pk, trainee.pk])
    assert client.get(url).status_code == 200
    client.post(url, {f"item_{i.pk}": "9" for i in items} | {"comment": "表现突出"})
    assert LeaderEvaluation.objects.get().total == Decimal("90.00")
    client.get(reverse("appraisal_cycle", args=[cycle.pk]))
    with django_assert_max_num_queries(30):
        page = client.get(reverse("appraisal_cycle", args=[cycle.pk]))
    assert page.status_code == 200 and "在岗2" in page.content.decode()
    client.post(reverse("appraisal_decide_all", args=[cycle.pk]))
    assert Appraisal.objects.filter(cycle=cycle).count() == 4
    xlsx = client.get(reverse("appraisal_cycle_export", args=[cycle.pk]))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert any(trainee.name in row for row in rows)
    assert any(isinstance(v, str) and "30" in v for v in rows[1])  # the weights line


def test_deciding_the_whole_cycle_audits_each_officer_in_a_fixed_number_of_queries(
    cycle, street_east, make_officer, leader_east
):
    def decide_all(n):
        for i in range(n):
            make_officer(street_east, username=f"inpost{n}_{i}")
        with CaptureQueriesContext(connection) as queries:
            result = services.decide_cycle(by=leader_east, cycle=cycle)
        return result["decided"], len(queries)

    decide_all(1)  # the first audit record of the process also looks its object type up
    decided_few, queries_few = decide_all(2)
    decided_more, queries_more = decide_all(6)
    assert (decided_few, decided_more) == (2, 6)
    assert queries_more == queries_few
    events = AuditEvent.objects.filter(action="appraisal.appraisal_decide")
    assert events.count() == 9
    assert {e.object_id for e in events} == {str(a.pk) for a in Appraisal.objects.filter(cycle=cycle)}
    assert all(e.actor == leader_east and e.after["band"] for e in events)
