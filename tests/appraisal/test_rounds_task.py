"""The round draw as a django-q task: the round page's 抽取并分配 button queues it (after commit, once), the page shows
抽取中… with the step while it runs and the result (files, reviews, load per reviewer) or the translated refusal when
it ends; nothing half-written stays; a second delivery draws nothing; the requester's right is checked when asking
and again in the task. Tests run django-q with sync=True: a queued task runs inline once its transaction commits."""

import datetime
from collections import Counter

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from appraisal import tasks
from appraisal.models import DrawState, ReviewAssignment, ReviewRound, RoundCase
from appraisal.reference import default_rubric
from appraisal.services import rounds
from cms.models import AuditEvent
from tests.appraisal.factories import CaseFileFactory
from tests.factories import make_staff, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def streets(district_east):
    return [make_unit(f"S01{n:02d}", f"东城第{n}街道", parent=district_east) for n in range(1, 4)]


@pytest.fixture
def staffed(streets, make_officer):
    """Three streets, each with two reviewers (mentor role) and two handlers with three closed files each."""
    for n, street in enumerate(streets):
        for _ in range(2):
            make_officer(street, roles=("trainee", "mentor"))
        for _ in range(2):
            handler = make_officer(street)
            for k in range(3):
                CaseFileFactory(handler=handler, closed_on=datetime.date(2026, 2, 1 + k + n))
    return streets


@pytest.fixture
def leader(district_east):
    return make_staff("leader_east", "unit_leader", district_east)


def _open(leader, unit, **kw):
    kw.setdefault("per_street", 2)
    kw.setdefault("period_start", datetime.date(2026, 1, 1))
    kw.setdefault("period_end", datetime.date(2026, 6, 30))
    return rounds.open_round(by=leader, unit=unit, rubric=default_rubric(), **kw)


def _zh(message: str, **params) -> str:
    """What the page shows for `message` in Chinese (the catalogue's text once the msgid is translated)."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % params if params else text


def _detail(round_):
    return reverse("appraisal_rounds:detail", args=[round_.pk])


def _draw(round_):
    return reverse("appraisal_rounds:draw", args=[round_.pk])


def _request(leader, round_, captured, queue):
    """Ask for the draw and keep the queued task's arguments instead of running it."""
    with captured(execute=True):
        rounds.request_draw(by=leader, round_=round_, enqueue=lambda *ids: queue.append(ids))


def test_the_button_queues_the_draw_once_and_the_page_shows_the_result(
    client, leader, staffed, district_east, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    round_ = _open(leader, district_east)
    client.force_login(leader)
    page = client.get(_detail(round_)).content.decode()
    assert "data-draw>" in page and _zh("Draw the files and assign reviewers") in page

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(_draw(round_))
    assert response.status_code == 302 and len(queued) == 1  # queued once, after the request's commit
    round_.refresh_from_db()
    assert round_.status == ReviewRound.Status.OPEN and round_.draw_state == DrawState.DONE
    assert round_.draw_requested_by == leader and round_.drawn_at
    files = round_.cases.count()
    loads = Counter(
        ReviewAssignment.objects.filter(round_case__round=round_).values_list("reviewer_id", flat=True)
    )
    assert files >= 6 and sum(loads.values()) == 2 * files
    assert round_.draw_report == {
        "files": files,
        "assignments": 2 * files,
        "reviewers": 6,
        "reviewers_assigned": len(loads),
        "load_min": min(loads.values()) if len(loads) == 6 else 0,
        "load_max": max(loads.values()),
    }
    assert max(loads.values()) - min(loads.values()) <= 1  # even loads
    assert AuditEvent.objects.get(action="appraisal.round_draw").actor == leader

    with django_assert_max_num_queries(25):
        page = client.get(_detail(round_)).content.decode()
    # the request only queued the draw (the captured commit ran it after the response, as a worker would)
    assert _zh("The draw has started; this page shows its progress.") in page
    assert 'data-draw-state="done"' in page and "data-draw>" not in page
    assert 'http-equiv="refresh"' not in page
    summary = _zh(
        "Drawn: %(files)s files; %(assignments)s reviews assigned to %(reviewers)s reviewers (%(low)s–%(high)s "
        "each).",
        files=files,
        assignments=2 * files,
        reviewers=len(loads),
        low=min(loads.values()),
        high=max(loads.values()),
    )
    assert summary in page
    with translation.override("zh-hans"):
        assert str(ReviewRound.Status.OPEN.label) in page  # 评查中
    assert 'id="round-progress"' in page  # the load per reviewer


def test_where_the_task_ran_inline_the_message_says_how_it_ended(
    client, leader, staffed, district_east, streets, monkeypatch
):
    """Without a test transaction around it (a site whose tasks run inline), the draw has ended when the button's
    request answers: the message says so."""
    monkeypatch.setattr(rounds.transaction, "on_commit", lambda callback, *args, **kwargs: callback())
    round_ = _open(leader, district_east)
    client.force_login(leader)
    page = client.post(_draw(round_), follow=True).content.decode()
    assert _zh("The files are drawn and the reviewers assigned.") in page and 'data-draw-state="done"' in page
    empty = _open(
        leader, streets[0], period_start=datetime.date(2020, 1, 1), period_end=datetime.date(2020, 2, 1)
    )
    page = client.post(_draw(empty), follow=True).content.decode()
    assert page.count("该范围内在此期间没有结案的案卷，无可抽取。") == 2  # the message and the page


def test_while_the_task_runs_the_page_shows_drawing_and_its_step(
    client,
    leader,
    staffed,
    district_east,
    monkeypatch,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    round_ = _open(leader, district_east)
    queue = []
    _request(leader, round_, django_capture_on_commit_callbacks, queue)
    assert queue == [(round_.pk, leader.pk)] and not round_.cases.exists()
    client.force_login(leader)
    page = client.get(_detail(round_)).content.decode()
    assert 'data-draw-state="running"' in page and _zh("Waiting for a background worker") in page
    assert f"<dd data-round-status-text>{_zh('Drawing…')}" in page
    assert '<meta http-equiv="refresh" content="2">' in page and "data-draw>" not in page

    # look at the page while the slow part (the assignment) runs in the worker
    seen = {}
    real_assign = rounds.sampling.assign

    def watched_assign(*args, **kwargs):
        with django_assert_max_num_queries(25):
            seen["page"] = client.get(_detail(round_)).content.decode()
        seen["row"] = ReviewRound.objects.values("status", "draw_state", "draw_step", "draw_report").get(
            pk=round_.pk
        )
        return real_assign(*args, **kwargs)

    monkeypatch.setattr(rounds.sampling, "assign", watched_assign)
    assert tasks.draw_round(*queue[0]) == "done"
    drawn = round_.cases.count()
    assert seen["row"] == {
        "status": "draft",
        "draw_state": "running",
        "draw_step": 3,
        "draw_report": {"candidates": 18, "reviewers": 6, "drawn": drawn},
    }
    page = seen["page"]
    assert 'data-draw-state="running"' in page and f"<dd data-round-status-text>{_zh('Drawing…')}" in page
    assert _zh("Step %(step)s of %(steps)s", step=3, steps=4) in page
    assert _zh("Assigning the reviewers") in page and '<progress max="4" value="3"' in page
    assert _zh("Eligible files: %(files)s · reviewers: %(reviewers)s", files=18, reviewers=6) in page
    assert _zh("files drawn: %(n)s", n=drawn) in page
    assert '<meta http-equiv="refresh"' in page


def test_a_second_delivery_draws_nothing(leader, staffed, district_east, django_capture_on_commit_callbacks):
    round_ = _open(leader, district_east)
    with django_capture_on_commit_callbacks(execute=True):
        rounds.request_draw(by=leader, round_=round_)  # queued, and run inline after commit
    round_.refresh_from_db()
    assert round_.draw_state == DrawState.DONE
    drawn = sorted(ReviewAssignment.objects.filter(round_case__round=round_).values_list("pk", flat=True))
    report = round_.draw_report

    assert tasks.draw_round(round_.pk, leader.pk) == "already_drawn"
    round_.refresh_from_db()
    assert round_.draw_state == DrawState.DONE and round_.draw_report == report
    assert (
        sorted(ReviewAssignment.objects.filter(round_case__round=round_).values_list("pk", flat=True))
        == drawn
    )
    assert AuditEvent.objects.filter(action="appraisal.round_draw").count() == 1


def test_a_draw_left_running_by_a_killed_worker_is_drawn_once_on_redelivery(
    leader, staffed, district_east, django_capture_on_commit_callbacks
):
    round_ = _open(leader, district_east)
    queue = []
    _request(leader, round_, django_capture_on_commit_callbacks, queue)
    # the worker died while assigning: its transaction never committed, the row still says running
    ReviewRound.objects.filter(pk=round_.pk).update(draw_state=DrawState.RUNNING, draw_step=3)
    assert tasks.draw_round(*queue[0]) == "done"
    assert tasks.draw_round(*queue[0]) == "already_drawn"
    files = round_.cases.count()
    assert ReviewAssignment.objects.filter(round_case__round=round_).count() == 2 * files
    assert AuditEvent.objects.filter(action="appraisal.round_draw").count() == 1


def test_a_delivery_that_loses_the_race_writes_nothing(
    leader, staffed, district_east, monkeypatch, django_capture_on_commit_callbacks
):
    """Two deliveries at once: the one that takes the round's lock second finds it drawn and writes nothing."""
    round_ = _open(leader, district_east)
    queue = []
    _request(leader, round_, django_capture_on_commit_callbacks, queue)
    real_assign = rounds.sampling.assign
    raced = []

    def racing_assign(*args, **kwargs):
        if not raced:
            raced.append(True)
            rounds.draw_and_assign(by=leader, round_=round_)  # the other delivery finishes first
        return real_assign(*args, **kwargs)

    monkeypatch.setattr(rounds.sampling, "assign", racing_assign)
    assert tasks.draw_round(*queue[0]) == "already_drawn"
    round_.refresh_from_db()
    assert round_.status == ReviewRound.Status.OPEN and round_.draw_state == DrawState.DONE
    files = round_.cases.count()
    assert RoundCase.objects.filter(round=round_).values("case").distinct().count() == files
    assert ReviewAssignment.objects.filter(round_case__round=round_).count() == 2 * files
    assert AuditEvent.objects.filter(action="appraisal.round_draw").count() == 1


def test_the_task_checks_the_requesters_right_again(
    client, leader, staffed, district_east, district_west, django_capture_on_commit_callbacks
):
    round_ = _open(leader, district_east)
    queue = []
    _request(leader, round_, django_capture_on_commit_callbacks, queue)
    leader.groups.clear()  # the leader lost the role before a worker took the task
    assert tasks.draw_round(*queue[0]) == "not_permitted"
    round_.refresh_from_db()
    assert round_.status == ReviewRound.Status.DRAFT and round_.draw_state == DrawState.FAILED
    assert round_.draw_report == {"code": "not_permitted", "params": {}} and not round_.cases.exists()

    admin = make_staff("admin_east", "training_admin", district_east)
    client.force_login(admin)
    page = client.get(_detail(round_)).content.decode()
    assert 'data-draw-state="failed"' in page and _zh("Draw failed") in page
    assert (
        _zh("The account that asked for the draw may no longer run review rounds: nothing was drawn.") in page
    )
    assert "data-draw>" in page  # the round may be drawn again

    # the task takes the user it is given: a leader of another district draws nothing
    west = make_staff("leader_west", "unit_leader", district_west)
    ReviewRound.objects.filter(pk=round_.pk).update(draw_state=DrawState.QUEUED)
    assert tasks.draw_round(round_.pk, west.pk) == "out_of_scope"
    assert not round_.cases.exists() and not AuditEvent.objects.filter(action="appraisal.round_draw").exists()


def test_only_runners_of_the_subtree_may_ask_for_the_draw(
    client,
    leader,
    hr_east,
    trainee,
    staffed,
    district_east,
    district_west,
    django_capture_on_commit_callbacks,
):
    round_ = _open(leader, district_east)
    west = make_staff("leader_west", "unit_leader", district_west)
    # HR: refused (Wagtail turns the 403 into a redirect to the dashboard); another district: no such round;
    # a trainee: no admin at all
    for user, status, to in (
        (hr_east, 302, reverse("wagtailadmin_home")),
        (west, 404, None),
        (trainee.user, 302, reverse("wagtailadmin_login")),
    ):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True) as queued:
            response = client.post(_draw(round_))
        assert response.status_code == status and queued == []
        if to:
            assert response["Location"].split("?")[0] == to
    for user, code in ((hr_east, "not_permitted"), (west, "out_of_scope")):
        with pytest.raises(rounds.RoundRefused) as refused:
            rounds.request_draw(by=user, round_=round_, enqueue=lambda *ids: pytest.fail("queued"))
        assert refused.value.code == code
    round_.refresh_from_db()
    assert round_.draw_state == DrawState.IDLE and round_.status == ReviewRound.Status.DRAFT


def test_a_refused_draw_is_explained_in_chinese_and_may_be_run_again(
    client, leader, district_east, streets, make_officer, django_capture_on_commit_callbacks
):
    handler = make_officer(streets[0])
    for day in (1, 2):
        CaseFileFactory(handler=handler, closed_on=datetime.date(2026, 3, day))
    make_officer(streets[0], roles=("trainee", "mentor"))  # a reviewer of the files' own street only
    round_ = _open(leader, district_east)
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_draw(round_))
    page = client.get(_detail(round_)).content.decode()
    assert 'data-draw-state="failed"' in page
    assert "缺少其他街道的评查人" in page  # the refusal, in the catalogue's words
    assert _zh("Draw failed") in page and "data-draw>" in page
    round_.refresh_from_db()
    assert round_.status == ReviewRound.Status.DRAFT and round_.draw_report["code"] == "assignment_infeasible"
    assert not round_.cases.exists() and not AuditEvent.objects.filter(action="appraisal.round_draw").exists()

    for _ in range(2):
        make_officer(streets[1], roles=("trainee", "mentor"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_draw(round_))
    assert 'data-draw-state="done"' in client.get(_detail(round_)).content.decode()
    round_.refresh_from_db()
    assert round_.status == ReviewRound.Status.OPEN and round_.cases.count() == 2


def test_a_round_without_files_says_so(client, leader, district_east, django_capture_on_commit_callbacks):
    round_ = _open(leader, district_east)
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_draw(round_))
    page = client.get(_detail(round_)).content.decode()
    assert "该范围内在此期间没有结案的案卷，无可抽取。" in page and 'data-draw-state="failed"' in page


def test_an_error_while_saving_leaves_nothing_half_written(
    leader, staffed, district_east, monkeypatch, django_capture_on_commit_callbacks
):
    round_ = _open(leader, district_east)

    def broken_audit(**kwargs):
        raise RuntimeError("the audit table is unreachable")

    # the audit row is the last write of the draw's transaction: the files and assignments before it roll back
    monkeypatch.setattr(rounds.audit, "record", broken_audit)
    with django_capture_on_commit_callbacks(execute=True):
        rounds.request_draw(by=leader, round_=round_)
    round_.refresh_from_db()
    assert round_.status == ReviewRound.Status.DRAFT and round_.draw_state == DrawState.FAILED
    assert round_.draw_report == {"code": "crashed", "params": {}}
    assert not RoundCase.objects.filter(round=round_).exists()
    assert not ReviewAssignment.objects.filter(round_case__round=round_).exists()
    assert round_.drawn_at is None


def test_a_draw_under_way_is_not_queued_twice(
    client, leader, staffed, district_east, django_capture_on_commit_callbacks
):
    round_ = _open(leader, district_east)
    queue = []
    _request(leader, round_, django_capture_on_commit_callbacks, queue)
    with pytest.raises(ValidationError) as twice:
        _request(leader, round_, django_capture_on_commit_callbacks, queue)
    assert twice.value.code == "draw_in_progress" and len(queue) == 1
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        page = client.post(_draw(round_), follow=True).content.decode()
    assert _zh("The draw of this round is already under way.") in page and queued == []
    assert "data-draw>" not in page and "data-draw-lost" not in page

    # no news for longer than the queue takes to deliver a task again: it is taken as lost and may be asked again
    retry = settings.Q_CLUSTER["retry"]
    ReviewRound.objects.filter(pk=round_.pk).update(
        draw_requested_at=timezone.now() - datetime.timedelta(seconds=retry + 60)
    )
    page = client.get(_detail(round_)).content.decode()
    assert "data-draw-lost" in page and "data-draw>" in page and 'http-equiv="refresh"' not in page
    assert _zh("Drawing…") in page
    _request(leader, round_, django_capture_on_commit_callbacks, queue)
    assert len(queue) == 2
    assert tasks.draw_round(*queue[0]) == "done"
    assert tasks.draw_round(*queue[1]) == "already_drawn"
    with pytest.raises(ValidationError) as drawn:
        rounds.request_draw(by=leader, round_=round_)
    assert drawn.value.code == "already_drawn"


def test_files_that_change_while_the_draw_is_computed_are_drawn_from_what_is_there(
    leader, staffed, district_east, monkeypatch
):
    round_ = _open(leader, district_east, per_street=50)  # every eligible file
    handler = staffed[0].case_files.first().handler
    real_assign = rounds.sampling.assign
    imported = []

    def assign_during_an_import(*args, **kwargs):
        if not imported:  # a case import commits while the draw is being computed
            imported.append(CaseFileFactory(handler=handler, closed_on=datetime.date(2026, 3, 9)))
        return real_assign(*args, **kwargs)

    monkeypatch.setattr(rounds.sampling, "assign", assign_during_an_import)
    rounds.draw_and_assign(by=leader, round_=round_)
    drawn = set(round_.cases.values_list("case_id", flat=True))
    assert imported[0].pk in drawn and len(drawn) == 19
    assert ReviewAssignment.objects.filter(round_case__round=round_).count() == 38


def test_the_same_seed_gives_the_same_assignment(leader, staffed, district_east):
    first = _open(leader, district_east, seed=11)
    rounds.draw_and_assign(by=leader, round_=first)
    assigned = set(
        ReviewAssignment.objects.filter(round_case__round=first).values_list(
            "round_case__case_id", "ordinal", "reviewer_id"
        )
    )
    RoundCase.objects.filter(round=first).delete()
    again = _open(leader, district_east, seed=11)
    rounds.draw_and_assign(by=leader, round_=again)
    assert (
        set(
            ReviewAssignment.objects.filter(round_case__round=again).values_list(
                "round_case__case_id", "ordinal", "reviewer_id"
            )
        )
        == assigned
    )
