"""Helpers of the review, follow-up and outcome tests (B): an open round over a district of three streets, its files
drawn and cross-assigned by hand (reviewers from other streets, holding the mentor role), and a spare reviewer for
the third review."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from appraisal.models import ReviewAssignment, ReviewRound, RoundCase
from appraisal.services import reviews
from tests.appraisal.factories import CaseFileFactory, ReviewRoundFactory
from tests.factories import make_staff, make_unit


@dataclass
class Setup:
    district: object
    streets: list
    leader: object
    round: ReviewRound
    handler: object
    reviewers: list  # officers: two on every file, the third for a deciding review
    round_cases: list = field(default_factory=list)

    def assignment(self, rc: RoundCase, ordinal: int) -> ReviewAssignment:
        return ReviewAssignment.objects.get(round_case=rc, ordinal=ordinal)


def make_setup(
    make_officer, *, files: int = 1, gap: Decimal = Decimal(10), rubric=None, **round_kwargs
) -> Setup:
    city = make_unit("C01", "示范市", kind="city")
    district = make_unit("D09", "南城区", kind="district", parent=city)
    streets = [
        make_unit("S0901", "南湖街道", parent=district),
        make_unit("S0902", "南岭街道", parent=district),
        make_unit("S0903", "南山街道", parent=district),
    ]
    leader = make_staff("leader_south", "unit_leader", district)
    handler = make_officer(streets[0], username="handler_south", name="王承办")
    reviewers = [
        make_officer(streets[1], username="reviewer_one", name="赵评查", roles=("mentor",)),
        make_officer(streets[2], username="reviewer_two", name="钱评查", roles=("mentor",)),
        make_officer(streets[2], username="reviewer_three", name="孙评查", roles=("mentor",)),
    ]
    extra = {"rubric": rubric} if rubric is not None else {}
    round_ = ReviewRoundFactory(
        unit=district,
        opened_by=leader,
        status=ReviewRound.Status.OPEN,
        third_review_gap=gap,
        **extra,
        **round_kwargs,
    )
    setup = Setup(district, streets, leader, round_, handler, reviewers)
    for n in range(files):
        case = CaseFileFactory(handler=handler, unit=streets[0])
        rc = RoundCase.objects.create(round=round_, case=case, draw_order=n + 1)
        for ordinal, reviewer in enumerate(reviewers[: round_.reviews_per_file], start=1):
            ReviewAssignment.objects.create(round_case=rc, reviewer=reviewer, ordinal=ordinal)
        setup.round_cases.append(rc)
    return setup


def scores_for(
    round_: ReviewRound, values: dict[str, object], findings: dict[str, str] | None = None
) -> dict:
    """{item id: (score, finding)} from {item code: score}."""
    findings = findings or {}
    return {item.pk: (values[item.code], findings.get(item.code, "")) for item in round_.rubric.items.all()}


def uniform(round_: ReviewRound, score, findings=None) -> dict:
    return scores_for(round_, {item.code: score for item in round_.rubric.items.all()}, findings)


def submit(setup: Setup, rc: RoundCase, ordinal: int, score_map: dict, comment: str = ""):
    assignment = setup.assignment(rc, ordinal)
    return reviews.submit_review(
        by=assignment.reviewer.user, assignment=assignment, scores=score_map, comment=comment
    )
