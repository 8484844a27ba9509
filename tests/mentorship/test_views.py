"""Mentor and apprentice pages: one-step actions, and denials for every endpoint with another mentor's apprentice."""

import datetime

import pytest
from django.urls import reverse

from mentorship import services
from mentorship.models import Assignment, Milestone, Submission
from tests.mentorship.files import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(apprenticeship):
    return services.submit_evidence(
        apprenticeship=apprenticeship,
        milestone=Milestone.objects.get(stage__order=1),
        by=apprenticeship.officer.user,
        text="完成检查",
        files=[photo("p.png", "PNG", "image/png")],
        happened_on=datetime.date(2026, 11, 1),
    )


@pytest.fixture
def task(apprenticeship, mentor):
    return services.set_assignment(
        apprenticeship=apprenticeship,
        by=mentor.user,
        title="起草一份责令限期整改指令书",
        due_on=datetime.date(2026, 11, 20),
    )


def test_apprentice_submits_evidence_with_a_photo(client, apprenticeship):
    client.force_login(apprenticeship.officer.user)
    milestone = Milestone.objects.get(stage__order=1)
    response = client.post(
        reverse("mentorship:submit_evidence", args=[milestone.pk]),
        {"text": "独立检查某五金厂", "happened_on": "2026-11-01", "place": "东华街道", "files": [photo()]},
    )
    assert response.status_code == 302
    sub = Submission.objects.get()
    assert sub.attachments.count() == 1
    page = client.get(reverse("mentorship:me")).content.decode()
    assert "独立检查某五金厂" in page and "等待审核" in page


def test_mentor_dashboard_lists_pending_first_and_approves_in_one_step(
    client, mentor, submission, django_capture_on_commit_callbacks
):
    client.force_login(mentor.user)
    page = client.get(reverse("mentorship:dashboard")).content.decode()
    assert page.index('id="pending"') < page.index("新学员</strong>")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mentorship:decide", args=[submission.pk]), {"outcome": "approved"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "approved"
    submission.apprenticeship.refresh_from_db()
    assert submission.apprenticeship.current_stage.order == 2


def test_assignment_flow(client, apprenticeship, mentor, task):
    client.force_login(apprenticeship.officer.user)
    client.post(reverse("mentorship:report_assignment", args=[task.pk]), {"text": "已起草，请审阅"})
    task.refresh_from_db()
    assert task.status == Assignment.Status.REPORTED
    client.force_login(mentor.user)
    client.post(
        reverse("mentorship:review_assignment", args=[task.pk]),
        {"rating": "4", "comment": "格式规范", "accepted": "1"},
    )
    task.refresh_from_db()
    assert task.status == Assignment.Status.REVIEWED
    assert task.reviews.get().rating == 4


def test_evaluations_both_ways(client, apprenticeship, mentor):
    stage = apprenticeship.current_stage
    client.force_login(mentor.user)
    data = {
        f"score_{k}": "4"
        for k in [
            "law_knowledge",
            "inspection_skill",
            "enforcement_procedure",
            "document_writing",
            "communication",
            "attitude",
        ]
    }
    response = client.post(reverse("mentorship:evaluate", args=[apprenticeship.pk, stage.pk]), data)
    assert response.status_code == 302
    client.force_login(apprenticeship.officer.user)
    response = client.post(
        reverse("mentorship:evaluate", args=[apprenticeship.pk, stage.pk]),
        {f"score_{k}": "5" for k in ["guidance", "expertise", "clarity", "role_model"]},
    )
    assert response.status_code == 302
    assert sorted(apprenticeship.evaluations.values_list("direction", flat=True)) == [
        "of_apprentice",
        "of_mentor",
    ]


def test_another_mentor_gets_404_everywhere(client, other_mentor, apprenticeship, submission, task):
    client.force_login(other_mentor.user)
    stage = apprenticeship.current_stage
    att = submission.attachments.get()
    gets = [
        reverse("mentorship:apprenticeship", args=[apprenticeship.pk]),
        reverse("mentorship:evaluate", args=[apprenticeship.pk, stage.pk]),
        reverse("mentorship:attachment", args=[att.pk]),
    ]
    posts = [
        (reverse("mentorship:decide", args=[submission.pk]), {"outcome": "approved"}),
        (reverse("mentorship:set_assignment", args=[apprenticeship.pk]), {"title": "x"}),
        (reverse("mentorship:review_assignment", args=[task.pk]), {"rating": "5", "accepted": "1"}),
        (reverse("mentorship:report_assignment", args=[task.pk]), {"text": "x"}),
        (
            reverse("mentorship:submit_evidence", args=[submission.milestone_id]),
            {"text": "x", "happened_on": "2026-11-01"},
        ),
        (reverse("mentorship:evaluate", args=[apprenticeship.pk, stage.pk]), {}),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    submission.refresh_from_db()
    assert submission.status == "pending"
    assert apprenticeship.assignments.count() == 1


def test_apprentice_sees_only_their_own(client, apprenticeship, street_west, make_officer, submission):
    stranger = make_officer(street_west, username="stranger")
    client.force_login(stranger.user)
    assert client.get(reverse("mentorship:apprenticeship", args=[apprenticeship.pk])).status_code == 404
    assert (
        client.get(reverse("mentorship:attachment", args=[submission.attachments.get().pk])).status_code
        == 404
    )
    assert "新学员" not in client.get(reverse("mentorship:me")).content.decode()


def test_dashboard_queries_are_bounded(client, mentor, apprenticeship, django_assert_max_num_queries):
    client.force_login(mentor.user)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("mentorship:dashboard")).status_code == 200


QUERIES = 16  # three apprentices, each with evidence waiting and a task reported; plus the session read


def test_dashboard_query_count_is_pinned(
    client,
    mentor,
    apprenticeship,
    street_east,
    make_officer,
    rules,
    django_capture_on_commit_callbacks,
    session_queries,
    django_assert_num_queries,
):
    rules.mentor_max_apprentices = 5
    rules.save()
    with django_capture_on_commit_callbacks(execute=True):
        others = [
            make_officer(
                street_east, username=f"nh{i}", name=f"学员{i}", hire_date=datetime.date(2026, 10, 1)
            )
            for i in range(2)
        ]
    for officer in others:
        a = officer.apprenticeships.get()
        services.pair(apprenticeship=a, mentor=mentor, by=None)
        services.submit_evidence(
            apprenticeship=a,
            milestone=Milestone.objects.get(stage__order=1),
            by=officer.user,
            text="完成检查",
            happened_on=datetime.date(2026, 11, 1),
        )
        task = services.set_assignment(apprenticeship=a, by=mentor.user, title="起草指令书")
        services.report_assignment(assignment=task, by=officer.user, text="已完成")
    client.force_login(mentor.user)
    with django_assert_num_queries(QUERIES + session_queries):
        assert client.get(reverse("mentorship:dashboard")).status_code == 200


def test_my_training_shows_the_mentor(client, apprenticeship):
    client.force_login(apprenticeship.officer.user)
    page = client.get(reverse("my_training")).content.decode()
    assert "王师傅" in page


def test_sign_off_says_it_is_final_and_asks_before_it_goes(client, mentor, submission):
    client.force_login(mentor.user)
    page = client.get(reverse("mentorship:dashboard")).content.decode()
    form = page.split(f'action="{reverse("mentorship:decide", args=[submission.pk])}"', 1)[1].split(
        "</form>", 1
    )[0]
    note = form.index("签字确认即为最终决定")
    button = form.index('value="approved"')
    assert note < button  # said before the button, not under it
    assert 'data-confirm="确认为“' in form and "签字即为最终决定" in form


def test_my_training_lists_the_mentors_tasks_as_next_steps(client, apprenticeship, task):
    client.force_login(apprenticeship.officer.user)
    card = client.get(reverse("my_training")).content.decode().split('id="next-steps"', 1)[1]
    card = card.split("</section>", 1)[0]
    assert "导师布置的任务" in card and reverse("mentorship:me") in card
