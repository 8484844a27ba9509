"""Case files in the admin: scoped list with filters and search, create/edit with co-handlers from the subtree only,
documents (PDF or images) stored privately and served after a permission check, audit, and denials."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appraisal.models import CaseFile
from cms.models import AuditEvent
from tests.appraisal.factories import CaseFileFactory
from tests.factories import make_staff
from tests.mentorship.files import image_bytes, pdf_bytes, private_media  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(private_media):  # noqa: F811
    return private_media


@pytest.fixture
def leader(district_east):
    return make_staff("leader_east", "unit_leader", district_east)


@pytest.fixture
def east_case(trainee, make_officer, street_east):
    return CaseFileFactory(number="东罚〔2026〕1号", title="东城案件", handler=trainee)


@pytest.fixture
def west_case(other_trainee):
    return CaseFileFactory(number="西罚〔2026〕9号", title="西城案件", handler=other_trainee)


def _form(case_unit, handler, **extra):
    data = {
        "number": "东罚〔2026〕77号",
        "title": "未按规定设置安全警示标志",
        "kind": "penalty",
        "unit": case_unit.pk,
        "handler": handler.pk,
        "party": "某某公司",
        "opened_on": "2026-03-01",
        "closed_on": "2026-04-01",
        "legal_provisions": "安全生产法第九十九条",
        "summary": "现场检查发现。",
        "penalty_amount": "5000",
    }
    data.update(extra)
    return data


def test_list_is_scoped_filtered_and_searched(
    client, hr_east, east_case, west_case, django_assert_max_num_queries
):
    for n in range(5):
        CaseFileFactory(handler=east_case.handler, closed_on=datetime.date(2026, 1, 1 + n))
    client.force_login(hr_east)
    url = reverse("appraisal_cases:index")
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert "东罚〔2026〕1号" in page and "西罚〔2026〕9号" not in page
    assert "东罚" in client.get(url, {"q": east_case.handler.name}).content.decode()
    filtered = client.get(
        url, {"closed_on_from": "2026-01-01", "closed_on_to": "2026-01-03"}
    ).content.decode()
    assert "东罚〔2026〕1号" not in filtered
    assert client.get(url, {"kind": "inspection"}).content.decode().count("东罚") == 0
    assert client.get(reverse("appraisal_cases:inspect", args=[west_case.pk])).status_code == 404
    # HR reads only
    assert client.get(reverse("appraisal_cases:add")).status_code in (302, 403)


def test_leader_creates_a_case_with_co_handlers_and_documents(
    client,
    leader,
    trainee,
    street_east,
    district_west,
    make_officer,
):
    co = make_officer(street_east, name="协办员")
    client.force_login(leader)
    data = _form(
        street_east,
        trainee,
        co_handlers=[co.pk],
        documents=[
            SimpleUploadedFile("决定书.pdf", pdf_bytes(), content_type="application/pdf"),
            SimpleUploadedFile("现场.png", image_bytes(), content_type="image/png"),
        ],
    )
    response = client.post(reverse("appraisal_cases:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = CaseFile.objects.get(number="东罚〔2026〕77号")
    assert list(case.co_handlers.all()) == [co]
    assert sorted(d.content_type for d in case.documents.all()) == ["application/pdf", "image/png"]
    assert AuditEvent.objects.filter(action="appraisal.case_create", object_id=str(case.pk)).exists()
    document = case.documents.get(content_type="application/pdf")
    download = client.get(reverse("appraisal_cases:document", args=[document.pk]))
    assert download.status_code == 200
    # another district's staff cannot fetch it
    client.force_login(make_staff("hr_west_doc", "hr", district_west))
    assert client.get(reverse("appraisal_cases:document", args=[document.pk])).status_code in (403, 404)

    client.force_login(leader)
    edit = client.post(
        reverse("appraisal_cases:edit", args=[case.pk]),
        _form(street_east, trainee, title="改过的案由", co_handlers=[]),
    )
    assert edit.status_code == 302
    case.refresh_from_db()
    assert case.title == "改过的案由" and not case.co_handlers.exists()
    assert AuditEvent.objects.filter(action="appraisal.case_update", object_id=str(case.pk)).exists()


def test_forged_ids_and_bad_documents_are_refused(
    client, leader, trainee, other_trainee, street_east, street_west, west_case
):
    client.force_login(leader)
    add = reverse("appraisal_cases:add")
    # a co-handler of another district
    response = client.post(add, _form(street_east, trainee, co_handlers=[other_trainee.pk]))
    assert response.status_code == 200 and not CaseFile.objects.filter(number="东罚〔2026〕77号").exists()
    # a unit of another district
    assert client.post(add, _form(street_west, trainee)).status_code == 200
    # a handler of another district
    assert client.post(add, _form(street_east, other_trainee)).status_code == 200
    # an HTML file disguised as a PDF
    fake = SimpleUploadedFile(
        "x.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = client.post(add, _form(street_east, trainee, documents=[fake]))
    assert response.status_code == 200 and not CaseFile.objects.filter(number="东罚〔2026〕77号").exists()
    # another district's case: 404
    assert client.get(reverse("appraisal_cases:edit", args=[west_case.pk])).status_code == 404


def test_trainees_see_no_case_admin(client, trainee, east_case):
    client.force_login(trainee.user)
    assert client.get(reverse("appraisal_cases:index")).status_code in (302, 403)
    document_url = reverse("appraisal_cases:document", args=[1])
    assert client.get(document_url).status_code in (302, 403, 404)
