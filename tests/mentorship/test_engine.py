"""The stage engine: automatic start on hire, requirements, advancing, due dates, withdrawal on leaving."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cms.models import AppendOnlyError, AuditEvent, EmploymentSpell, LeaveReason
from mentorship import services
from mentorship.models import Apprenticeship, Decision, Milestone, StageProgress, Submission
from mentorship.tasks import nightly_sweep
from tests.mentorship.files import photo

pytestmark = pytest.mark.django_db


def test_hire_of_covered_category_starts_programme_at_first_stage(apprentice, programme):
    a = apprentice.apprenticeships.get()
    assert a.status == Apprenticeship.Status.IN_PROGRESS
    assert a.current_stage.order == 1
    progress = StageProgress.objects.get(apprenticeship=a)
    assert progress.started_on == datetime.date(2026, 11, 2)
    assert progress.due_on == datetime.date(2026, 12, 2)  # 30 days after the stage began
    assert AuditEvent.objects.filter(action="mentorship.apprenticeship_start", object_id=str(a.pk)).exists()


def test_uncovered_category_and_old_hires_do_not_start(
    street_east, make_officer, programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cs = make_officer(
            street_east, username="cs1", staff_category="civil_servant", hire_date=datetime.date(2026, 10, 1)
        )
        veteran = make_officer(street_east, username="vet1", hire_date=datetime.date(2019, 1, 1))
    assert not cs.apprenticeships.exists()
    assert not veteran.apprenticeships.exists()


def test_due_date_can_count_from_hire(apprentice, programme):
    stage = programme.stages.get(order=1)
    stage.due_from = stage.DueFrom.HIRE
    assert stage.due_date(
        hire_date=datetime.date(2026, 10, 8), started_on=datetime.date(2026, 11, 2)
    ) == datetime.date(2026, 11, 7)


def _submit(apprenticeship, milestone):
    return services.submit_evidence(
        apprenticeship=apprenticeship,
        milestone=milestone,
        by=apprenticeship.officer.user,
        text="对某化工企业开展检查，发现隐患3处",
        happened_on=datetime.date(2026, 11, 1),
        place="东华街道某化工厂",
        files=[photo("check.jpg")],
    )


def test_sign_off_advances_stage_and_min_days_holds_the_next(
    apprenticeship, mentor, programme, time_machine, django_capture_on_commit_callbacks
):
    milestone = Milestone.objects.get(stage__order=1)
    sub = _submit(apprenticeship, milestone)
    assert sub.attachments.get().is_image
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(submission=sub, by=mentor.user, outcome="approved", comment="能独立完成")
    apprenticeship.refresh_from_db()
    assert apprenticeship.current_stage.order == 2
    assert StageProgress.objects.get(
        apprenticeship=apprenticeship, stage__order=1
    ).completed_on == datetime.date(2026, 11, 2)
    # Stage 2 asks for 10 days: nothing happens before, the nightly sweep advances after.
    assert services.evaluate(apprenticeship_id=apprenticeship.pk) == 0
    time_machine.shift(datetime.timedelta(days=10))
    assert nightly_sweep()["advanced"] == 1
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.COMPLETED


def test_returned_evidence_does_not_advance(apprenticeship, mentor):
    sub = _submit(apprenticeship, Milestone.objects.get(stage__order=1))
    with pytest.raises(ValidationError) as exc:
        services.decide(submission=sub, by=mentor.user, outcome="returned", comment="")
    assert exc.value.error_dict["comment"][0].code == "comment_required"
    services.decide(submission=sub, by=mentor.user, outcome="returned", comment="照片不清晰，请补充检查记录")
    apprenticeship.refresh_from_db()
    assert apprenticeship.current_stage.order == 1
    sub.refresh_from_db()
    assert sub.status == Submission.Status.RETURNED


def test_sign_off_is_final_and_a_correction_is_a_new_decision(apprenticeship, mentor):
    sub = _submit(apprenticeship, Milestone.objects.get(stage__order=1))
    decision = services.decide(submission=sub, by=mentor.user, outcome="approved", comment="")
    decision.comment = "changed"
    with pytest.raises(AppendOnlyError):
        decision.save()
    with pytest.raises(AppendOnlyError):
        decision.delete()
    services.decide(submission=sub, by=mentor.user, outcome="revoked", comment="复查发现检查记录不完整")
    assert list(Decision.objects.filter(submission=sub).values_list("outcome", flat=True)) == [
        "approved",
        "revoked",
    ]
    actions = set(AuditEvent.objects.filter(object_id=str(sub.pk)).values_list("action", flat=True))
    assert {
        "mentorship.evidence_submit",
        "mentorship.evidence_approved",
        "mentorship.evidence_revoked",
    } <= actions


def test_leaving_withdraws_but_internal_transfer_does_not(
    apprenticeship, street_west, django_capture_on_commit_callbacks
):
    spell = apprenticeship.officer.spells.get()
    with django_capture_on_commit_callbacks(execute=True):
        spell.leave_date = datetime.date(2026, 11, 2)
        spell.leave_reason = LeaveReason.INTERNAL_TRANSFER
        spell.save()
        EmploymentSpell.objects.create(
            officer=apprenticeship.officer,
            unit=street_west,
            staff_category="full_time",
            hire_date=datetime.date(2026, 11, 2),
        )
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.IN_PROGRESS
    assert apprenticeship.officer.apprenticeships.count() == 1
    new_spell = apprenticeship.officer.spells.get(leave_date__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        new_spell.leave_date = datetime.date(2026, 11, 2)
        new_spell.leave_reason = LeaveReason.RESIGNED
        new_spell.save()
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.WITHDRAWN
    assert not apprenticeship.pairings.filter(ended_on__isnull=True).exists()
