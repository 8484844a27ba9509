"""The shared appraisal factories build what the other tests rely on."""

from decimal import Decimal

from tests.appraisal.factories import CaseFileFactory, ReviewRoundFactory, RubricFactory


def test_factories_build_a_rubric_of_100_points_a_case_and_a_round(street_east, make_officer):
    officer = make_officer(street_east)
    other = make_officer(street_east)
    rubric = RubricFactory()
    assert rubric.total_weight == Decimal(100)
    assert [i.code for i in rubric.items.all()][:2] == ["facts", "law"]
    case = CaseFileFactory(handler=officer, co_handlers=[other])
    assert case.unit == street_east
    assert case.handler_ids() == {officer.pk, other.pk}
    rnd = ReviewRoundFactory(unit=street_east.get_parent(), rubric=rubric)
    assert rnd.status == "draft" and rnd.seed
