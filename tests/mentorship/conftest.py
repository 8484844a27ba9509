"""A small programme, a mentor and an apprentice for the mentoring tests."""

import datetime

import pytest
from django.utils import timezone

from mentorship import services
from mentorship.models import MentorshipSettings, Milestone, Programme, Stage
from tests.mentorship.files import private_media  # noqa: F401  (a fixture, used below)

TODAY = datetime.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _private_media(private_media):  # noqa: F811
    """Uploaded files go to a temporary folder, never into the project tree."""
    return private_media


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(
        datetime.datetime(2026, 11, 2, 10, 0, tzinfo=timezone.get_fixed_timezone(480)), tick=False
    )


@pytest.fixture
def rules(db):
    cfg = MentorshipSettings.load()
    cfg.mentor_requires_qualification = False
    cfg.mentor_min_years = 3
    cfg.mentor_max_apprentices = 2
    cfg.save()
    return cfg


@pytest.fixture
def programme(city, rules):
    p = Programme.objects.create(
        unit=city, name="新录用专职安监员培养方案", staff_categories=["full_time", "auxiliary"]
    )
    s1 = Stage.objects.create(programme=p, order=1, name="跟岗实践", due_days=30)
    Milestone.objects.create(
        stage=s1, order=1, title="独立完成一次企业安全检查", evidence_required="检查记录和现场照片"
    )
    Stage.objects.create(programme=p, order=2, name="考核选用", due_days=20, min_days=10)
    return p


@pytest.fixture
def mentor(street_east, make_officer):
    return make_officer(
        street_east,
        username="mentor_east",
        name="王师傅",
        roles=("mentor",),
        hire_date=datetime.date(2016, 4, 1),
    )


@pytest.fixture
def other_mentor(street_west, make_officer):
    return make_officer(
        street_west,
        username="mentor_west",
        name="赵师傅",
        roles=("mentor",),
        hire_date=datetime.date(2015, 4, 1),
    )


@pytest.fixture
def apprentice(street_east, make_officer, programme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        officer = make_officer(
            street_east, username="new_hire", name="新学员", hire_date=datetime.date(2026, 10, 8)
        )
    return officer


@pytest.fixture
def apprenticeship(apprentice, mentor):
    a = apprentice.apprenticeships.get()
    services.pair(apprenticeship=a, mentor=mentor, by=None)
    return a
