"""Selection board: components from real records, scoped access, final audited decisions, xlsx export."""

import datetime
import io
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page

from analytics import demo, selectors, services
from analytics.models import AppointmentDecision, SelectionBoard
from cms.models import AppendOnlyError, AuditEvent
from courses.models import CoursePage, CurriculumIndexPage, Enrolment
from exams.models import Attempt, Exam
from mentorship.demo import PROGRAMME_NAME
from mentorship.models import Programme
from tests.factories import PostFactory, SpecialtyFactory, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidates(street_east, make_officer):
    return [make_officer(street_east, username=f"cand{i}", name=f"候选人{i}") for i in range(3)]


@pytest.fixture
def board(district_east, candidates, hr_east):
    b = SelectionBoard.objects.create(
        title="2026年第四季度择优选用",
        unit=district_east,
        created_by=hr_east,
        w_self_study=0,
        w_timeliness=0,
        w_training=0,
        w_exam=1,
        w_mentor_evaluation=0,
        w_milestones_on_time=0,
    )
    b.candidates.set(candidates)
    return b


def _exam_attempt(officer, percent):
    exam, _ = Exam.objects.get_or_create(title="应知应会资格考试", defaults={"is_qualifying": True})
    now = timezone.now()
    return Attempt.objects.create(
        officer=officer,
        exam=exam,
        number=Attempt.objects.filter(officer=officer).count() + 1,
        seed=1,
        status=Attempt.Status.GRADED,
        started_at=now,
        deadline=now,
        percent=Decimal(percent),
        passed=percent >= 60,
    )


def test_components_come_from_enrolments_sessions_exams_and_evaluations(candidates, city):
    officer = candidates[0]
    _exam_attempt(officer, 72)
    _exam_attempt(officer, 88)
    home = Page.objects.get(depth=2)

    index = home.add_child(instance=CurriculumIndexPage(title="课程", slug="kc"))
    course1 = index.add_child(
        instance=CoursePage(title="安全生产法", slug="c1", summary="s", category="law", study_hours=2)
    )
    course2 = index.add_child(
        instance=CoursePage(title="执法程序", slug="c2", summary="s", category="practice", study_hours=2)
    )
    done = timezone.make_aware(datetime.datetime(2026, 3, 1, 10))
    Enrolment.objects.create(
        officer=officer,
        course=course1,
        due_date=datetime.date(2026, 3, 10),
        completed_at=done,
        status=Enrolment.Status.COMPLETED,
    )
    Enrolment.objects.create(officer=officer, course=course2, due_date=datetime.date(2026, 2, 1))
    comps = selectors.components_for([officer.pk, candidates[1].pk])
    assert comps[officer.pk]["exam"] == 88.0  # best non-mock attempt of a qualifying exam
    assert comps[officer.pk]["self_study"] == 50.0
    assert comps[officer.pk]["timeliness"] == 100.0
    assert comps[candidates[1].pk] == dict.fromkeys(comps[officer.pk])  # no data: every part None


def test_hr_sees_ranking_and_records_final_decisions(client, board, candidates, hr_east, street_east):
    _exam_attempt(candidates[2], 95)
    _exam_attempt(candidates[0], 80)
    chem = SpecialtyFactory(name="危险化学品")
    post = PostFactory(title="危化品监管岗", unit=street_east)
    post.wanted_specialties.add(chem)
    candidates[2].specialties.add(chem)
    client.force_login(hr_east)
    page = client.get(reverse("analytics:board_detail", args=[board.pk])).content.decode()
    assert page.index("候选人2") < page.index("候选人0")
    assert "危化品监管岗" in page
    url = reverse("analytics:board_decide", args=[board.pk, candidates[2].pk])
    client.post(url, {"outcome": "appoint", "post": post.pk, "rationale": ""})
    assert not AppointmentDecision.objects.exists()  # a rationale is mandatory
    client.post(url, {"outcome": "appoint", "post": post.pk, "rationale": "考试成绩第一，特长对口"})
    client.post(url, {"outcome": "extend", "rationale": "会议决定延长见习期三个月"})
    decisions = list(AppointmentDecision.objects.order_by("id"))
    assert [d.outcome for d in decisions] == ["appoint", "extend"]
    assert selectors.latest_decisions(board)[candidates[2].pk].outcome == "extend"
    with pytest.raises(AppendOnlyError):
        decisions[0].save()
    events = AuditEvent.objects.filter(action="analytics.appointment_decision").order_by("id")
    assert events.count() == 2 and events.last().before == {"outcome": "appoint", "post": post.pk}
    xlsx = client.get(reverse("analytics:board_export", args=[board.pk]))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert rows[0][1] == "候选人2" and rows[0][0] == 1
    assert "延长见习期" in " ".join(str(v) for v in rows[0] if v)


def test_trainees_and_mentors_get_403(client, board, trainee, street_east, make_officer):
    mentor = make_officer(street_east, username="m1", roles=("mentor",))
    for user in (trainee.user, mentor.user):
        client.force_login(user)
        assert client.get(reverse("analytics:board_index")).status_code == 403
        assert client.get(reverse("analytics:board_detail", args=[board.pk])).status_code == 403
        assert client.get(reverse("analytics:board_export", args=[board.pk])).status_code == 403


def test_other_district_hr_gets_404_and_cannot_decide(client, board, candidates, district_west):
    hr_west = make_staff("hr_west", "hr", district_west)
    client.force_login(hr_west)
    assert client.get(reverse("analytics:board_detail", args=[board.pk])).status_code == 404
    assert client.get(reverse("analytics:board_export", args=[board.pk])).status_code == 404
    response = client.post(
        reverse("analytics:board_decide", args=[board.pk, candidates[0].pk]),
        {"outcome": "not_appoint", "rationale": "x"},
    )
    assert response.status_code == 404
    assert not AppointmentDecision.objects.exists()


def test_leader_sees_only_in_scope_candidates(client, board, other_trainee, leader_east):
    board.candidates.add(other_trainee)  # west district: outside the board's unit and the leader's scope
    client.force_login(leader_east)
    page = client.get(reverse("analytics:board_detail", args=[board.pk])).content.decode()
    assert "候选人0" in page and "李四" not in page


def test_demo_board_for_the_programme_cohort_is_idempotent(district_east, city):
    Programme.objects.create(unit=city, name=PROGRAMME_NAME, staff_categories=["full_time"])
    demo.seed(stdout=io.StringIO(), rng=random.Random(1))
    demo.seed(stdout=io.StringIO(), rng=random.Random(1))
    board = SelectionBoard.objects.get()
    assert board.unit == district_east and board.programme.name == PROGRAMME_NAME


def test_decision_keeps_the_score_it_was_taken_on(client, board, candidates, hr_east):
    _exam_attempt(candidates[0], 80)
    client.force_login(hr_east)
    client.post(
        reverse("analytics:board_decide", args=[board.pk, candidates[0].pk]),
        {"outcome": "extend", "rationale": "考核期内表现尚需观察"},
    )
    assert AppointmentDecision.objects.get().score == Decimal("80.00")


def _codes(exc: ValidationError) -> list[str]:
    return (
        [e.code for e in exc.error_list]
        if not hasattr(exc, "error_dict")
        else [e.code for errors in exc.error_dict.values() for e in errors]
    )


@pytest.mark.parametrize(
    "outcome, rationale, with_post, code",
    [
        ("promote", "理由", False, "outcome_invalid"),
        ("extend", "  ", False, "rationale_required"),
        ("appoint", "考试成绩第一", False, "post_required"),
    ],
)
def test_decide_refuses_an_incomplete_decision(
    board, candidates, hr_east, outcome, rationale, with_post, code
):
    with pytest.raises(ValidationError) as exc:
        services.decide(board=board, officer=candidates[0], by=hr_east, outcome=outcome, rationale=rationale)
    assert _codes(exc.value) == [code]
    assert not AppointmentDecision.objects.exists()


def test_decide_refuses_outsiders_and_non_candidates(
    board, candidates, other_trainee, district_west, trainee
):
    with pytest.raises(ValidationError) as exc:
        services.decide(
            board=board, officer=other_trainee, by=board.created_by, outcome="extend", rationale="理由"
        )
    assert _codes(exc.value) == ["not_a_candidate"]
    hr_west = make_staff("hr_west", "hr", district_west)
    for user in (hr_west, trainee.user):
        with pytest.raises(services.BoardNotVisible) as denied:
            services.decide(board=board, officer=candidates[0], by=user, outcome="extend", rationale="理由")
        assert denied.value.code == "board_not_visible"
    assert not AppointmentDecision.objects.exists()


def test_incomplete_candidates_are_marked_ranked_apart_and_the_method_is_explained(
    client, board, candidates, hr_east
):
    """Issue #12 item 7: a candidate without data ranked first; the page now ranks complete records only, lists
    the others as 不完整 with each missing part scored 0 and why, and says how the ranking works."""
    board.w_training = 1
    board.save()
    _exam_attempt(candidates[0], 60)
    _exam_attempt(candidates[1], 90)  # better exam, but no training assessment: incomplete
    client.force_login(hr_east)
    response = client.get(reverse("analytics:board_detail", args=[board.pk]))
    ranked = [row["officer"].name for row in response.context["ranked_rows"]]
    incomplete = [(row["officer"].name, row["score"]) for row in response.context["incomplete_rows"]]
    assert ranked == []
    assert incomplete == [("候选人1", 45.0), ("候选人0", 30.0), ("候选人2", 0.0)]
    html = response.content.decode()
    assert html.count("不完整") >= 3
    assert "排名" in response.context["parts"][1]["heading"]
    assert "尚无集训考核成绩" in html and "按 0 分计" in html
    assert 'id="ranking-method"' in html and "加权平均" in html
    assert "：：" not in html
    # Nobody has a training assessment: the page names that part and how to rank without it.
    assert response.context["missing_for_all"] == ["集中培训考核"]
    assert "权重设为 0" in html


def test_export_names_the_missing_parts(client, board, candidates, hr_east):
    _exam_attempt(candidates[0], 80)
    client.force_login(hr_east)
    ws = load_workbook(
        io.BytesIO(client.get(reverse("analytics:board_export", args=[board.pk])).content)
    ).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    header, first, last = rows[0], rows[1], rows[-1]
    assert first[:2] == [1, "候选人0"] and first[header.index("无数据（按0分计）")] in (None, "")
    assert last[0] is None and last[header.index("无数据（按0分计）")] == "应知应会考试成绩"
