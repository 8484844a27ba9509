"""The smallest city a mentoring flow needs in a browser test: a street, a two-stage programme whose first stage asks
for a photo, and an apprentice of today paired with a qualified-enough mentor of the same street."""

import datetime

from cms.models import EmploymentSpell
from mentorship import services
from mentorship.models import Apprenticeship, MentorshipSettings, Milestone, Programme, Stage
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory, make_unit


def paired_apprentice(*, mentor_username: str, apprentice_username: str) -> Apprenticeship:
    city = make_unit("C01", "示范市", kind="city")
    district = make_unit("D01", "东城区", kind="district", parent=city)
    street = make_unit("S0101", "东华街道", parent=district)
    cfg = MentorshipSettings.load()
    cfg.mentor_requires_qualification = False
    cfg.save()
    programme = Programme.objects.create(unit=city, name="培养方案", staff_categories=["full_time"])
    practice = Stage.objects.create(programme=programme, order=1, name="跟岗实践", due_days=60)
    Stage.objects.create(programme=programme, order=2, name="考核选用", due_days=30)
    Milestone.objects.create(stage=practice, title="独立完成一次企业安全检查", evidence_required="现场照片")
    mentor = OfficerFactory(
        user=UserFactory(username=mentor_username, roles=["mentor"]), unit=street, name="王师傅"
    )
    EmploymentSpellFactory(officer=mentor, unit=street, hire_date=datetime.date(2015, 1, 1))
    apprentice = OfficerFactory(
        user=UserFactory(username=apprentice_username, roles=["trainee"]), unit=street, name="新学员"
    )
    EmploymentSpell.objects.create(
        officer=apprentice, unit=street, staff_category="full_time", hire_date=datetime.date.today()
    )
    apprenticeship = services.start_apprenticeship(officer=apprentice, by=None)
    services.pair(apprenticeship=apprenticeship, mentor=mentor, by=None)
    return apprenticeship
