"""factory_boy factories for the appraisal app (case files, rubrics with items, review rounds).

Usage:
    rubric = RubricFactory()                      # six weighted items (事实认定 … 案卷归档), 100 points in all
    case = CaseFileFactory(unit=street, handler=officer, co_handlers=[other])
    rnd = ReviewRoundFactory(unit=district, rubric=rubric, opened_by=leader_user)
"""

import datetime
from decimal import Decimal

import factory

from appraisal.models import CaseFile, CaseKind, ReviewRound, Rubric, RubricItem
from tests.factories import OfficerFactory, UserFactory

DEFAULT_ITEMS = [
    ("facts", "事实认定", Decimal(20)),
    ("law", "法律适用", Decimal(20)),
    ("procedure", "办案程序", Decimal(20)),
    ("evidence", "调查取证", Decimal(15)),
    ("documents", "文书制作", Decimal(15)),
    ("archiving", "案卷归档", Decimal(10)),
]


class RubricFactory(factory.django.DjangoModelFactory):
    """A case-review rubric; pass items=[(code, name, weight), ...] to change the default six items."""

    class Meta:
        model = Rubric
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试评查标准{n}")
    purpose = Rubric.Purpose.CASE_REVIEW
    unit = None

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if not create:
            return
        specs = DEFAULT_ITEMS if extracted is None else extracted
        for order, (code, name, weight) in enumerate(specs):
            RubricItem.objects.create(
                rubric=self,
                sort_order=order,
                code=code,
                name=name,
                weight=weight,
                max_score=10,
                guide=f"{name}的评分说明",
            )


class RubricItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RubricItem

    rubric = factory.SubFactory(RubricFactory, items=[])
    sort_order = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"item{n}")
    name = factory.Sequence(lambda n: f"评查项目{n}")
    weight = Decimal(10)
    max_score = 10


class CaseFileFactory(factory.django.DjangoModelFactory):
    """A closed case file; `unit` defaults to the handler's unit. co_handlers=[officer, ...] sets co-handlers."""

    class Meta:
        model = CaseFile
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"应急罚〔2026〕{n:04d}号")
    title = factory.Sequence(lambda n: f"未按规定开展安全培训案{n}")
    kind = CaseKind.PENALTY
    handler = factory.SubFactory(OfficerFactory)
    unit = factory.LazyAttribute(lambda o: o.handler.unit)
    opened_on = datetime.date(2026, 3, 2)
    closed_on = datetime.date(2026, 5, 20)
    legal_provisions = "《中华人民共和国安全生产法》第九十七条"
    summary = "检查发现企业未按规定对从业人员进行安全生产教育和培训。"
    penalty_amount = Decimal("20000.00")

    @factory.post_generation
    def co_handlers(self, create, extracted, **kwargs):
        if create and extracted:
            self.co_handlers.set(extracted)


class ReviewRoundFactory(factory.django.DjangoModelFactory):
    """A draft round over `unit`'s subtree for the first half of 2026, two files per street."""

    class Meta:
        model = ReviewRound

    name = factory.Sequence(lambda n: f"2026年上半年案卷评查{n}")
    unit = None
    period_start = datetime.date(2026, 1, 1)
    period_end = datetime.date(2026, 6, 30)
    rubric = factory.SubFactory(RubricFactory)
    seed = factory.Sequence(lambda n: 1000 + n)
    per_street = 2
    share = None
    min_per_handler = 1
    reviews_per_file = 2
    third_review_gap = Decimal(10)
    follow_up_days = 30
    status = ReviewRound.Status.DRAFT
    opened_by = factory.SubFactory(UserFactory)
