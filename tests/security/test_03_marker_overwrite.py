"""Weakness 3: markers could overwrite any score (objective answers, finished results, their own attempt).

Marking is only for answers the engine sent to marking, while the attempt awaits marking, never by the candidate;
changing any other score is a two-person override with its own permission, audited, and the candidate notified."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cms.models import AppendOnlyError, AuditEvent, Notification
from exams import services
from exams.models import Attempt, Qualification, Response, ScoreOverride, ScoreOverrideDecision
from tests.exams.conftest import bank, make_exam  # noqa: F401  (fixture)
from tests.factories import make_staff

# ruff: noqa: F811  (the bank fixture imported from tests/exams is redefined as an argument)
pytestmark = pytest.mark.django_db


def _failed_qualifying_attempt(officer, bank):
    exam = make_exam(
        bank,
        rules=[{"question_type": "single_choice", "count": 5, "points": Decimal("2")}],
        is_qualifying=True,
        pass_percent=Decimal("60"),
    )
    attempt = services.start_attempt(exam=exam, officer=officer, by=officer.user)
    return services.submit_attempt(attempt=attempt, by=officer.user)  # nothing answered: 0 %, failed


def _essay_attempt(officer, bank):
    exam = make_exam(
        bank,
        rules=[
            {"question_type": "essay", "count": 1, "points": Decimal("10")},
            {"question_type": "single_choice", "count": 2, "points": Decimal("5")},
        ],
        is_qualifying=True,
    )
    attempt = services.start_attempt(exam=exam, officer=officer, by=officer.user)
    essay = attempt.responses.get(question__type="essay")
    services.save_answer(attempt_id=attempt.pk, officer=officer, position=essay.position, raw="先排查", seq=1)
    return services.submit_attempt(attempt=attempt, by=officer.user), essay


def _with_override(user):
    user.user_permissions.add(
        Permission.objects.get(codename="override_score", content_type__app_label="exams")
    )
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


def test_hr_marking_every_response_of_a_failed_attempt_changes_nothing(client, hr_east, trainee, bank):
    attempt = _failed_qualifying_attempt(trainee, bank)
    assert attempt.status == Attempt.Status.GRADED and attempt.passed is False
    client.force_login(hr_east)
    for r in attempt.responses.all():
        resp = client.post(reverse("exams_mark_response", args=[r.pk]), {"score": str(r.points)})
        assert resp.status_code == 409
    attempt.refresh_from_db()
    assert attempt.passed is False and attempt.score == Decimal("0.00")
    assert not Qualification.objects.filter(officer=trainee).exists()
    assert not Response.objects.filter(attempt=attempt, manual_score__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="exams.response_mark").exists()


def test_only_answers_sent_to_marking_can_be_marked(training_admin_east, trainee, bank):
    attempt, essay = _essay_attempt(trainee, bank)
    assert attempt.status == Attempt.Status.NEEDS_MARKING
    objective = attempt.responses.exclude(pk=essay.pk).first()
    with pytest.raises(services.ExamError) as refused:
        services.mark_response(response=objective, by=training_admin_east, score=objective.points)
    assert refused.value.code == "not_markable"
    services.mark_response(response=essay, by=training_admin_east, score=Decimal("4"))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    # once the result is final, a marker cannot change the mark any more
    essay.refresh_from_db()
    with pytest.raises(services.ExamError) as refused:
        services.mark_response(response=essay, by=training_admin_east, score=Decimal("10"))
    assert refused.value.code == "not_awaiting"
    essay.refresh_from_db()
    assert essay.manual_score == Decimal("4.00")


def test_an_officer_who_is_also_training_admin_cannot_mark_their_own_attempt(
    client, street_east, district_east, make_officer, bank
):
    from cms.models import UserScope

    officer = make_officer(street_east, username="ta_officer", roles=("trainee", "training_admin"))
    UserScope.objects.update_or_create(user=officer.user, defaults={"unit": district_east})
    attempt, essay = _essay_attempt(officer, bank)
    client.force_login(officer.user)
    queue = client.get(reverse("exams_marking"))
    assert (
        queue.status_code == 200
        and reverse("exams_mark_response", args=[essay.pk]) not in queue.content.decode()
    )
    resp = client.post(reverse("exams_mark_response", args=[essay.pk]), {"score": "10"})
    assert resp.status_code == 403
    with pytest.raises(services.ExamError) as refused:
        services.mark_response(response=essay, by=officer.user, score=Decimal("10"))
    assert refused.value.code == "own_attempt"
    essay.refresh_from_db()
    attempt.refresh_from_db()
    assert essay.manual_score is None and attempt.status == Attempt.Status.NEEDS_MARKING


def test_overriding_an_objective_score_needs_the_permission(client, training_admin_east, trainee, bank):
    attempt = _failed_qualifying_attempt(trainee, bank)
    r = attempt.responses.first()
    client.force_login(training_admin_east)
    url = reverse("exams_score_override_request", args=[r.pk])
    # Wagtail turns the admin's PermissionDenied into a redirect to the dashboard
    for response in (
        client.post(url, {"score": "2", "reason": "答案有误"}),
        client.get(reverse("exams_score_overrides")),
    ):
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    with pytest.raises(services.ExamError) as refused:
        services.request_score_override(response=r, by=training_admin_east, score=2, reason="答案有误")
    assert refused.value.code == "no_override_permission"
    assert not ScoreOverride.objects.exists()


def test_override_takes_a_second_person_then_retotals_notifies_and_audits(
    client, district_east, trainee, bank
):
    from exams.models import ScoreOverride

    first = _with_override(make_staff("ta_first", "training_admin", district_east))
    second = _with_override(make_staff("ta_second", "training_admin", district_east))
    attempt = _failed_qualifying_attempt(trainee, bank)
    responses = list(attempt.responses.order_by("position"))
    client.force_login(first)
    for r in responses:
        resp = client.post(
            reverse("exams_score_override_request", args=[r.pk]),
            {"score": str(r.points), "reason": "标准答案错"},
        )
        assert resp.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed is False  # nothing changes on the request alone
    overrides = list(ScoreOverride.objects.order_by("pk"))
    assert len(overrides) == len(responses)
    # the requester cannot approve their own request
    decide = reverse("exams_score_override_decide", args=[overrides[0].pk])
    assert client.post(decide, {"outcome": "approve"}).status_code == 404
    with pytest.raises(services.ExamError) as refused:
        services.decide_score_override(override=overrides[0], by=first, approve=True)
    assert refused.value.code == "same_person"
    attempt.refresh_from_db()
    assert attempt.passed is False
    # another person with the permission approves: the score changes and the attempt is re-totalled
    client.force_login(second)
    for o in overrides:
        resp = client.post(reverse("exams_score_override_decide", args=[o.pk]), {"outcome": "approve"})
        assert resp.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed is True and attempt.score == attempt.max_score
    assert Qualification.objects.filter(attempt=attempt, status=Qualification.Status.VALID).exists()
    assert AuditEvent.objects.filter(action="exams.score_override_request").count() == len(responses)
    assert AuditEvent.objects.filter(action="exams.score_override_approve").count() == len(responses)
    assert Notification.objects.filter(
        recipient=trainee.user, key__startswith="exams.score_override."
    ).exists()
    # lowering a passed result withdraws the qualification
    r = responses[0]
    lower = services.request_score_override(response=r, by=first, score=0, reason="复核")
    services.decide_score_override(override=lower, by=second, approve=True)
    services.decide_score_override(
        override=services.request_score_override(response=responses[1], by=first, score=0, reason="复核"),
        by=second,
        approve=True,
    )
    services.decide_score_override(
        override=services.request_score_override(response=responses[2], by=first, score=0, reason="复核"),
        by=second,
        approve=True,
    )
    attempt.refresh_from_db()
    assert attempt.passed is False
    assert Qualification.objects.get(attempt=attempt).status == Qualification.Status.REVOKED
    # requests and decisions are final rows: neither can be edited or deleted afterwards
    with pytest.raises(AppendOnlyError):
        ScoreOverride.objects.filter(pk=lower.pk).update(new_score=Decimal("1"))
    with pytest.raises(AppendOnlyError):
        ScoreOverrideDecision.objects.get(override=lower).delete()


def test_the_candidate_cannot_approve_an_override_of_their_own_attempt(
    district_east, street_east, make_officer, bank
):
    from cms.models import UserScope

    requester = _with_override(make_staff("ta_req", "training_admin", district_east))
    officer = make_officer(street_east, username="ta_cand", roles=("trainee", "training_admin"))
    UserScope.objects.update_or_create(user=officer.user, defaults={"unit": district_east})
    candidate = _with_override(officer.user)
    attempt = _failed_qualifying_attempt(officer, bank)
    override = services.request_score_override(
        response=attempt.responses.first(), by=requester, score=2, reason="标准答案错"
    )
    with pytest.raises(services.ExamError) as refused:
        services.decide_score_override(override=override, by=candidate, approve=True)
    assert refused.value.code == "own_attempt"
    with pytest.raises(services.ExamError) as refused:
        services.request_score_override(response=attempt.responses.last(), by=candidate, score=2, reason="我")
    assert refused.value.code == "own_attempt"
    assert not Response.objects.filter(attempt=attempt, manual_score__isnull=False).exists()


def test_override_permission_exists_and_is_granted_to_no_role(hr_east, training_admin_east, superuser):
    from django.contrib.auth.models import Group

    perm = Permission.objects.get(codename="override_score", content_type__app_label="exams")
    assert not Group.objects.filter(permissions=perm).exists()
    assert not hr_east.has_perm("exams.override_score")
    assert not training_admin_east.has_perm("exams.override_score")
    assert superuser.has_perm("exams.override_score")
