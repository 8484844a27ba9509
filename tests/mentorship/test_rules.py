"""Rule tests for reviewing a task and recording an evaluation: who may, who may not, state rules, the audit row."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cms.models import AuditEvent
from mentorship import services
from mentorship.models import Assignment, Evaluation
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

APPRENTICE_SCORES = {
    k: 4
    for k in [
        "law_knowledge",
        "inspection_skill",
        "enforcement_procedure",
        "document_writing",
        "communication",
        "attitude",
    ]
}


@pytest.fixture
def reported(apprenticeship, mentor):
    task = services.set_assignment(apprenticeship=apprenticeship, by=mentor.user, title="起草指令书")
    services.report_assignment(assignment=task, by=apprenticeship.officer.user, text="已完成")
    task.refresh_from_db()
    return task


def test_the_pairs_mentor_reviews_and_the_audit_row_is_written(reported, mentor):
    review = services.review_assignment(
        assignment=reported, by=mentor.user, rating=4, comment="好", accepted=True
    )
    reported.refresh_from_db()
    assert reported.status == Assignment.Status.REVIEWED and review.rating == 4
    event = AuditEvent.objects.get(action="mentorship.assignment_review", object_id=str(reported.pk))
    assert event.actor == mentor.user


def test_others_may_not_review(reported, other_mentor, district_west):
    for user in (
        other_mentor.user,
        reported.apprenticeship.officer.user,
        make_staff("hr_w", "hr", district_west),
    ):
        with pytest.raises(PermissionDenied) as exc:
            services.review_assignment(assignment=reported, by=user, rating=4)
        assert exc.value.code == "not_mentor"
    assert not AuditEvent.objects.filter(action="mentorship.assignment_review").exists()


def test_review_needs_a_report_and_a_rating_in_range(apprenticeship, mentor, reported):
    task = services.set_assignment(apprenticeship=apprenticeship, by=mentor.user, title="未汇报的任务")
    with pytest.raises(ValidationError) as exc:
        services.review_assignment(assignment=task, by=mentor.user, rating=4)
    assert exc.value.code == "assignment_not_reported"
    with pytest.raises(ValidationError) as exc:
        services.review_assignment(assignment=reported, by=mentor.user, rating=6)
    assert exc.value.error_dict["rating"][0].code == "rating_out_of_range"


def test_the_mentor_evaluates_once_and_the_audit_row_is_written(apprenticeship, mentor):
    stage = apprenticeship.current_stage
    evaluation = services.record_evaluation(
        apprenticeship=apprenticeship,
        stage=stage,
        by=mentor.user,
        direction=Evaluation.Direction.OF_APPRENTICE,
        scores=APPRENTICE_SCORES,
    )
    assert evaluation.mentor == mentor
    assert AuditEvent.objects.filter(
        action="mentorship.evaluation", object_id=str(apprenticeship.pk)
    ).exists()
    with pytest.raises(ValidationError) as exc:
        services.record_evaluation(
            apprenticeship=apprenticeship,
            stage=stage,
            by=mentor.user,
            direction=Evaluation.Direction.OF_APPRENTICE,
            scores=APPRENTICE_SCORES,
        )
    assert exc.value.code == "already_evaluated"


def test_others_may_not_evaluate(apprenticeship, mentor, other_mentor, district_west):
    stage = apprenticeship.current_stage
    for user in (other_mentor.user, apprenticeship.officer.user, make_staff("hr_w", "hr", district_west)):
        with pytest.raises(PermissionDenied) as exc:
            services.record_evaluation(
                apprenticeship=apprenticeship,
                stage=stage,
                by=user,
                direction=Evaluation.Direction.OF_APPRENTICE,
                scores=APPRENTICE_SCORES,
            )
        assert exc.value.code == "not_mentor"
    with pytest.raises(PermissionDenied) as exc:
        services.record_evaluation(
            apprenticeship=apprenticeship,
            stage=stage,
            by=mentor.user,
            direction=Evaluation.Direction.OF_MENTOR,
            scores={},
        )
    assert exc.value.code == "not_apprentice"
    with pytest.raises(ValidationError) as exc:
        services.record_evaluation(
            apprenticeship=apprenticeship, stage=stage, by=mentor.user, direction="sideways", scores={}
        )
    assert exc.value.code == "unknown_direction"
    with pytest.raises(ValidationError) as exc:
        services.record_evaluation(
            apprenticeship=apprenticeship,
            stage=stage,
            by=mentor.user,
            direction=Evaluation.Direction.OF_APPRENTICE,
            scores={**APPRENTICE_SCORES, "attitude": 0},
        )
    assert exc.value.error_dict["attitude"][0].code == "score_out_of_range"
    assert not AuditEvent.objects.filter(action="mentorship.evaluation").exists()


def test_a_withdrawn_apprenticeship_is_no_longer_the_mentors_to_evaluate(apprenticeship, mentor):
    services.withdraw(apprenticeship=apprenticeship, by=None, reason="辞职", on=datetime.date(2026, 11, 2))
    with pytest.raises(PermissionDenied) as exc:
        services.record_evaluation(
            apprenticeship=apprenticeship,
            stage=apprenticeship.current_stage,
            by=mentor.user,
            direction=Evaluation.Direction.OF_APPRENTICE,
            scores=APPRENTICE_SCORES,
        )
    assert exc.value.code == "not_mentor"
