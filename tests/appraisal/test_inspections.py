"""交叉执法: pairing a cross-enforcement session's officers with ANOTHER street's enterprises (never their own, the
load spread evenly), findings recorded by the officer on the phone or by the organiser, private permission-checked
photos, and the personal record (一人一档) showing inspections, review results after close and appraisals."""

import datetime
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from appraisal.models import CrossInspection, Enterprise, InspectionPhoto, ReviewRound, RoundCase
from appraisal.services import appraisals as appraisal_services
from appraisal.services import inspections as services
from cms.models import AuditEvent
from courses.models import Registration, SessionKind, TrainingSession
from tests.appraisal.factories import CaseFileFactory, ReviewRoundFactory
from tests.factories import make_unit
from tests.mentorship.files import pdf_bytes, photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Photos go to a throw-away private folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def street_east2(district_east):
    return make_unit("S0102", "东兴街道", parent=district_east)


@pytest.fixture
def enterprises(street_east, street_east2):
    return [Enterprise.objects.create(name=f"东华企业{i}", unit=street_east) for i in range(2)] + [
        Enterprise.objects.create(name=f"东兴企业{i}", unit=street_east2) for i in range(2)
    ]


@pytest.fixture
def cross_session(district_east):
    return TrainingSession.objects.create(
        title="2026年交叉执法检查",
        kind=SessionKind.CROSS_ENFORCEMENT,
        organizer=district_east,
        location="各街道",
        capacity=20,
        total_hours=Decimal("8"),
    )


@pytest.fixture
def officers(trainee, street_east, street_east2, make_officer, cross_session):
    team = [trainee, make_officer(street_east, username="east2"), make_officer(street_east2, username="dx1")]
    for o in team:
        Registration.objects.create(session=cross_session, officer=o)
    return team


def test_pairing_never_uses_the_officers_own_street_and_spreads_the_load(
    cross_session, officers, enterprises, training_admin_east
):
    result = services.pair_session(by=training_admin_east, session=cross_session)
    assert result == {"paired": 3, "short": []}
    pairs = list(CrossInspection.objects.select_related("officer__unit", "enterprise__unit"))
    assert all(p.officer.unit_id != p.enterprise.unit_id for p in pairs)
    # The two 东华 officers go to different 东兴 enterprises (least-loaded first).
    east = [p.enterprise_id for p in pairs if p.officer.unit.code == "S0101"]
    assert len(set(east)) == 2
    # Pairing again keeps the pairs and adds nothing; audited.
    assert services.pair_session(by=training_admin_east, session=cross_session)["paired"] == 0
    assert AuditEvent.objects.filter(action="appraisal.inspection_pair").count() == 2


def test_pairing_reports_officers_without_another_streets_enterprise(
    cross_session, officers, street_east, training_admin_east
):
    Enterprise.objects.create(name="只在东华", unit=street_east)
    result = services.pair_session(by=training_admin_east, session=cross_session)
    assert result["paired"] == 1 and {o.username for o in [x.user for x in result["short"]]} == {
        "trainee_east",
        "east2",
    }


@pytest.mark.parametrize("seed", range(30))
def test_plan_pairs_property_other_street_and_even_load(seed):
    rng = random.Random(seed)
    streets = [f"0001000{i}" for i in range(1, rng.randint(2, 5) + 1)]
    officers = [(i, rng.choice(streets)) for i in range(rng.randint(1, 25))]
    enterprises = [(100 + i, rng.choice(streets)) for i in range(rng.randint(1, 12))]
    per = rng.randint(1, 3)
    pairs, short = services.plan_pairs(officers, enterprises, per_officer=per)
    street_of = dict(officers) | dict(enterprises)
    assert all(street_of[o] != street_of[e] for o, e in pairs)
    assert len(set(pairs)) == len(pairs)
    got = Counter(o for o, _e in pairs)
    for o, street in officers:
        eligible = sum(1 for _e, s in enterprises if s != street)
        assert got[o] == min(per, eligible)
        assert (o in short) == (eligible < per)
    if len({s for _e, s in enterprises}) == 1 and pairs:  # one street's enterprises only: load differs by ≤ 1
        load = Counter(e for _o, e in pairs)
        assert max(load.values()) - min(load.get(e, 0) for e, _s in enterprises) <= 1


def test_a_pair_by_hand_refuses_the_officers_own_street(
    cross_session, officers, enterprises, training_admin_east
):
    with pytest.raises(services.ValidationError) as exc:
        services.assign(
            by=training_admin_east, session=cross_session, officer=officers[0], enterprise=enterprises[0]
        )
    assert exc.value.code == "same_street"
    inspection = services.assign(
        by=training_admin_east, session=cross_session, officer=officers[0], enterprise=enterprises[2]
    )
    assert inspection.enterprise == enterprises[2]
    # Only cross-enforcement sessions pair; only their organisers may.
    with pytest.raises(services.InspectionRefused) as exc:
        services.pair_session(by=officers[0].user, session=cross_session)
    assert exc.value.code == "not_organiser"
    session = TrainingSession.objects.create(
        title="岗前集训",
        organizer=cross_session.organizer,
        location="区局",
        capacity=5,
        total_hours=Decimal("6"),
    )
    with pytest.raises(services.ValidationError) as exc:
        services.pair_session(by=training_admin_east, session=session)
    assert exc.value.code == "not_cross_enforcement"


def test_officer_records_findings_with_a_photo_on_the_phone(
    client, cross_session, officers, enterprises, training_admin_east, other_trainee
):
    services.pair_session(by=training_admin_east, session=cross_session)
    inspection = CrossInspection.objects.get(officer=officers[0])
    client.force_login(officers[0].user)
    page = client.get(reverse("appraisal_inspections:mine")).content.decode()
    assert inspection.enterprise.name in page
    url = reverse("appraisal_inspections:record", args=[inspection.pk])
    response = client.post(url, {"hazards_found": "", "documents_issued": "1", "findings": ""})
    assert response.status_code == 200 and not CrossInspection.objects.get(pk=inspection.pk).recorded_at
    response = client.post(
        url,
        {
            "hazards_found": "3",
            "documents_issued": "1",
            "findings": "消防通道堵塞，责令限期整改",
            "inspected_on": timezone.localdate().isoformat(),
            "photos": [photo("现场.jpg")],
        },
    )
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert (inspection.hazards_found, inspection.documents_issued, inspection.recorded_by) == (
        3,
        1,
        officers[0].user,
    )
    picture = InspectionPhoto.objects.get()
    assert picture.content_type == "image/jpeg"
    assert AuditEvent.objects.filter(action="appraisal.inspection").exists()
    photo_url = reverse("appraisal_inspections:photo", args=[picture.pk])
    assert client.get(photo_url).status_code == 200
    # Someone else's inspection and photo are not there for another officer.
    client.force_login(other_trainee.user)
    assert client.get(photo_url).status_code == 404
    assert client.get(url).status_code == 404
    with pytest.raises(services.InspectionRefused) as exc:
        services.record_inspection(
            by=other_trainee.user, inspection=inspection, hazards_found=0, documents_issued=0, findings="x"
        )
    assert exc.value.code == "not_yours"
    # The organiser sees the photo and can record on the officer's behalf.
    client.force_login(training_admin_east)
    assert client.get(photo_url).status_code == 200
    assert client.get(reverse("appraisal_inspection_session", args=[cross_session.pk])).status_code == 200


def test_only_photos_are_accepted(cross_session, officers, enterprises, training_admin_east):
    services.pair_session(by=training_admin_east, session=cross_session)
    inspection = CrossInspection.objects.get(officer=officers[0])
    with pytest.raises(services.ValidationError) as exc:
        services.record_inspection(
            by=officers[0].user,
            inspection=inspection,
            hazards_found=1,
            documents_issued=0,
            findings="现场检查",
            photos=[SimpleUploadedFile("a.pdf", pdf_bytes(), content_type="application/pdf")],
        )
    assert exc.value.error_dict["photos"][0].code == "not_a_photo"
    assert not InspectionPhoto.objects.exists()


def test_the_personal_record_shows_inspections_review_results_after_close_and_appraisals(
    client, cross_session, officers, enterprises, training_admin_east, leader_east, district_east
):
    trainee = officers[0]
    services.pair_session(by=training_admin_east, session=cross_session)
    open_round = ReviewRoundFactory(unit=district_east, status=ReviewRound.Status.OPEN, name="进行中的评查")
    closed_round = ReviewRoundFactory(
        unit=district_east,
        status=ReviewRound.Status.CLOSED,
        closed_at=timezone.make_aware(datetime.datetime(2026, 7, 1)),
        name="已结束的评查",
    )
    RoundCase.objects.create(round=open_round, case=CaseFileFactory(handler=trainee), draw_order=1, score=50)
    RoundCase.objects.create(
        round=closed_round, case=CaseFileFactory(handler=trainee), draw_order=1, score=88
    )
    cycle = appraisal_services.open_cycle(
        by=leader_east,
        name="2026年度执法考评",
        unit=district_east,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
    )
    appraisal_services.decide(by=leader_east, cycle=cycle, officer=trainee)
    client.force_login(trainee.user)
    html = client.get("/learn/record/").content.decode()
    assert 'id="record-inspections"' in html and "东兴企业" in html
    assert "已结束的评查" in html and "进行中的评查" not in html
    assert "2026年度执法考评" in html
    # HR of the district reads the same record of the officer.
    client.force_login(leader_east)
    assert "2026年度执法考评" in client.get(f"/learn/record/{trainee.pk}/").content.decode()
