"""Case reviews: the scoring maths (hand-checked), who may submit, finality, corrections and the third review."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from appraisal.models import CaseReview, ReviewAssignment, ReviewRound, RoundCase
from appraisal.services import reviews, rounds
from cms.models import AuditEvent
from tests.appraisal.review_factories import make_setup, scores_for, submit, uniform

pytestmark = pytest.mark.django_db


# --- pure maths -----------------------------------------------------------------------------------------------------


class _Item:
    def __init__(self, pk, weight, max_score):
        self.pk, self.weight, self.max_score = pk, Decimal(weight), max_score


def test_total_is_weighted_share_of_each_items_highest_score():
    items = [_Item(1, 20, 10), _Item(2, 30, 5), _Item(3, 50, 4)]
    # 20×7/10 + 30×4/5 + 50×3/4 = 14 + 24 + 37.5 = 75.5
    assert reviews.review_total(items, {1: Decimal(7), 2: Decimal(4), 3: Decimal(3)}) == Decimal("75.50")


def test_total_is_scaled_to_100_when_weights_do_not_add_up():
    items = [_Item(1, 10, 10), _Item(2, 10, 10)]
    # (10×5/10 + 10×10/10) / 20 × 100 = 15 / 20 × 100 = 75
    assert reviews.review_total(items, {1: Decimal(5), 2: Decimal(10)}) == Decimal("75.00")


def test_file_score_rules():
    gap = Decimal(10)
    two = {"reviews_per_file": 2, "gap": gap}
    assert reviews.file_score({1: Decimal(80)}, **two) == (None, False)
    assert reviews.file_score({1: Decimal(80), 2: Decimal("71.5")}, **two) == (Decimal("75.75"), False)
    assert reviews.file_score({1: Decimal(80), 2: Decimal(70)}, **two) == (Decimal("75.00"), False)  # = gap
    assert reviews.file_score({1: Decimal(80), 2: Decimal("69.99")}, **two) == (None, True)
    # median of three: the third between the two decides; a wild third cannot
    assert reviews.file_score({1: Decimal(90), 2: Decimal(60), 3: Decimal(72)}, **two) == (
        Decimal("72.00"),
        True,
    )
    assert reviews.file_score({1: Decimal(90), 2: Decimal(60), 3: Decimal(20)}, **two) == (
        Decimal("60.00"),
        True,
    )
    assert reviews.file_score({1: Decimal(66)}, reviews_per_file=1, gap=gap) == (Decimal("66.00"), False)


# --- submit -----------------------------------------------------------------------------------------------------------


def test_reviewer_submits_a_final_audited_review_with_hand_checked_total(make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    # default rubric: facts 20, law 20, procedure 20, evidence 15, documents 15, archiving 10; max 10 each
    values = {"facts": 8, "law": 9, "procedure": 5, "evidence": 10, "documents": "7.5", "archiving": 6}
    review = submit(s, rc, 1, scores_for(s.round, values, {"procedure": "未送达告知书"}), comment="总体较好")
    # 16 + 18 + 10 + 15 + 11.25 + 6 = 76.25
    assert review.total == Decimal("76.25")
    assert {sc.item.code: sc.score for sc in review.scores.select_related("item")}["documents"] == Decimal(
        "7.5"
    )
    assert review.scores.get(item__code="procedure").finding == "未送达告知书"
    event = AuditEvent.objects.get(action="appraisal.review_submit")
    assert event.after["total"] == "76.25" and event.after["findings"] == {"procedure": "未送达告知书"}
    with pytest.raises(reviews.ReviewRefused) as exc:
        submit(s, rc, 1, uniform(s.round, 10))
    assert exc.value.code == "already_submitted"
    assert CaseReview.objects.count() == 1


def test_only_the_assigned_reviewer_may_submit(make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    assignment = s.assignment(rc, 1)
    for user in (s.reviewers[1].user, s.handler.user, s.leader):
        with pytest.raises(reviews.ReviewRefused) as exc:
            reviews.submit_review(by=user, assignment=assignment, scores=uniform(s.round, 5))
        assert exc.value.code == "not_reviewer"
    assert not CaseReview.objects.exists()


def test_no_review_outside_an_open_round(make_officer):
    s = make_setup(make_officer)
    ReviewRound.objects.filter(pk=s.round.pk).update(status=ReviewRound.Status.CLOSED)
    with pytest.raises(reviews.ReviewRefused) as exc:
        submit(s, s.round_cases[0], 1, uniform(s.round, 5))
    assert exc.value.code == "round_not_open"


def test_every_item_scored_within_its_range(make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    bad = uniform(s.round, 5)
    facts = s.round.rubric.items.get(code="facts")
    law = s.round.rubric.items.get(code="law")
    bad[facts.pk] = (11, "")
    bad[law.pk] = ("九", "")
    del bad[s.round.rubric.items.get(code="archiving").pk]
    with pytest.raises(ValidationError) as exc:
        submit(s, rc, 1, bad)
    errors = exc.value.message_dict
    assert "从 0 到 10" in errors[f"item-{facts.pk}"][0] or "0" in errors[f"item-{facts.pk}"][0]
    assert set(errors) == {
        f"item-{facts.pk}",
        f"item-{law.pk}",
        f"item-{s.round.rubric.items.get(code='archiving').pk}",
    }
    assert not CaseReview.objects.exists()


# --- the file's score and the third review -----------------------------------------------------------------------------


def test_two_close_reviews_give_their_mean(make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    submit(s, rc, 1, uniform(s.round, 8))  # 80
    rc.refresh_from_db()
    assert rc.score is None
    submit(s, rc, 2, uniform(s.round, 7))  # 70: gap exactly 10
    rc.refresh_from_db()
    assert rc.score == Decimal("75.00") and not rc.needs_third
    assert not ReviewAssignment.objects.filter(round_case=rc, ordinal=3).exists()


def test_scores_further_apart_than_the_gap_bring_in_a_third_reviewer(make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    submit(s, rc, 1, uniform(s.round, 9))  # 90
    submit(s, rc, 2, uniform(s.round, 6))  # 60
    rc.refresh_from_db()
    assert rc.needs_third and rc.score is None
    third = ReviewAssignment.objects.get(round_case=rc, ordinal=3)
    assert third.reviewer == s.reviewers[2]  # the only other-street reviewer left
    submit(s, rc, 3, uniform(s.round, 7))  # 70
    rc.refresh_from_db()
    assert rc.score == Decimal("70.00")


def test_correction_chain_the_last_review_counts_and_both_are_audited(make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    first = submit(s, rc, 1, uniform(s.round, 9))
    submit(s, rc, 2, uniform(s.round, 6))
    assert ReviewAssignment.objects.filter(round_case=rc, ordinal=3).exists()
    # the first reviewer corrects a slip: 9 → 7; now within the gap, the pending third review is withdrawn
    corrected = reviews.correct_review(
        by=s.reviewers[0].user, review=first, scores=uniform(s.round, 7), reason="误录分数"
    )
    assert corrected.corrects == first and corrected.total == Decimal("70.00")
    rc.refresh_from_db()
    assert rc.score == Decimal("65.00") and not rc.needs_third
    assert not ReviewAssignment.objects.filter(round_case=rc, ordinal=3).exists()
    assert list(reviews.effective_reviews().filter(assignment__round_case=rc).order_by("pk")) == [
        *CaseReview.objects.filter(assignment__ordinal=2),
        corrected,
    ]
    # the superseded review cannot be corrected again; the leader corrects the latest
    with pytest.raises(reviews.ReviewRefused) as exc:
        reviews.correct_review(by=s.leader, review=first, scores=uniform(s.round, 8), reason="再改")
    assert exc.value.code == "already_corrected"
    again = reviews.correct_review(
        by=s.leader, review=corrected, scores=uniform(s.round, "6.5"), reason="复核"
    )
    assert again.corrects == corrected and again.submitted_by == s.leader
    rc.refresh_from_db()
    assert rc.score == Decimal("62.50")  # (65 + 60) / 2
    assert AuditEvent.objects.filter(action="appraisal.review_correct").count() == 2
    before = AuditEvent.objects.filter(action="appraisal.review_correct").order_by("pk").first().before
    assert before["total"] == "90.00"


def test_correction_needs_a_reason_and_a_permitted_user(make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    review = submit(s, rc, 1, uniform(s.round, 9))
    with pytest.raises(ValidationError):
        reviews.correct_review(by=s.reviewers[0].user, review=review, scores=uniform(s.round, 8), reason=" ")
    for user in (s.reviewers[1].user, s.handler.user):
        with pytest.raises(reviews.ReviewRefused) as exc:
            reviews.correct_review(by=user, review=review, scores=uniform(s.round, 8), reason="改")
        assert exc.value.code == "not_permitted"
    ReviewRound.objects.filter(pk=s.round.pk).update(status=ReviewRound.Status.CLOSED)
    with pytest.raises(reviews.ReviewRefused) as exc:
        reviews.correct_review(by=s.reviewers[0].user, review=review, scores=uniform(s.round, 8), reason="改")
    assert exc.value.code == "round_not_open"


def test_close_round_computes_every_files_score(make_officer):
    s = make_setup(make_officer, files=2)
    a, b = s.round_cases
    submit(s, a, 1, uniform(s.round, 8))
    submit(s, a, 2, uniform(s.round, 9))
    submit(s, b, 1, uniform(s.round, 5))  # the second review never came
    RoundCase.objects.filter(pk=a.pk).update(score=None)  # finalise recomputes, whatever was stored
    rounds.close_round(by=s.leader, round_=s.round, confirm_pending=True)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.score == Decimal("85.00") and b.score is None
