"""Weakness 4: exam, bank and programme admin ignored unit scope.

A training admin scoped to 西城区 could edit the city-wide qualifying exam, rename, import into, bulk-publish and
regrade a bank owned by 东城区, and edit the city programme and its stages; HR of one district could edit the
city-wide annual-hours requirement. Now every one of these rows has an owning unit: staff change only rows owned
inside their subtree, read (never change) those of the units above them, and city-wide rows change only at city
scope. A row the user may read but not change answers 404 on its edit and delete URLs."""

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from courses.models import AnnualHoursRequirement, TrainingSession
from exams import services
from exams.models import Exam, ImportJob, Question, QuestionBank
from mentorship.models import Milestone, Programme, Stage
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

GIFT = "::T1::突发事件分为几级预警？{=四级 ~三级 ~五级}\n\n::T2::应急预案应当定期修订。{T}\n".encode()

SINGLE = {
    "type": "single_choice",
    "title": None,
    "stem": "生产经营单位的主要负责人对本单位安全生产工作负有什么责任？",
    "category": "法律法规",
    "explanation": "",
    "choices": [
        {"text": "全面负责", "fraction": 1.0, "feedback": ""},
        {"text": "部分负责", "fraction": 0.0, "feedback": ""},
    ],
}


def form_data(form) -> dict:
    """What a browser would post back for an unchanged form, inline formsets included."""
    data = {}

    def add(f):
        for bound in f:
            value = bound.value()
            if isinstance(bound.field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
                continue
            if value is None:
                continue
            value = bound.field.prepare_value(value)
            if isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)

    add(form)
    for formset in getattr(form, "formsets", {}).values():
        add(formset.management_form)
        for child in formset.forms:
            add(child)
    return data


def edit_data(client, user, url, **overrides) -> dict:
    """The edit form's data as `user` (who may open it) sees it, with some fields changed."""
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    data = form_data(response.context["form"])
    data.update(overrides)
    return data


@pytest.fixture
def city_admin(city):
    return make_staff("tadmin_city", "training_admin", city)


@pytest.fixture
def west_admin(district_west):
    return make_staff("tadmin_west", "training_admin", district_west)


@pytest.fixture
def east_admin(district_east):
    return make_staff("tadmin_east", "training_admin", district_east)


def _bank(code, name, unit, *, drafts=0):
    bank = QuestionBank.objects.create(code=code, name=name, unit=unit)
    services.import_questions(bank=bank, questions=[dict(SINGLE, stem=f"{name}的题目")], by=None)
    for i in range(drafts):
        Question.objects.create(
            bank=bank, type="true_false", stem=f"{name}的草稿{i}", content={"answer": True}, status="draft"
        )
    return bank


@pytest.fixture
def city_bank(city):
    return _bank("CITY", "市级应知应会题库", city)


@pytest.fixture
def east_bank(district_east):
    return _bank("EAST", "东城区自建题库", district_east, drafts=2)


@pytest.fixture
def west_bank(district_west):
    return _bank("WEST", "西城区自建题库", district_west, drafts=1)


@pytest.fixture
def city_exam(city, city_bank):
    # No owning unit, as every exam had before: such a row belongs to the whole city (like one owned by the city).
    exam = Exam.objects.create(
        title="应知应会资格考试（全市）",
        is_published=True,
        is_qualifying=True,
        pass_percent=Decimal("80"),
    )
    exam.banks.add(city_bank)
    return exam


@pytest.fixture
def city_programme(city):
    programme = Programme.objects.create(unit=city, name="全市安监员培养方案", staff_categories=["full_time"])
    stage = Stage.objects.create(programme=programme, order=1, name="跟岗实践", due_days=30)
    Milestone.objects.create(stage=stage, order=1, title="独立完成一次企业安全检查")
    return programme


# --- the city-wide qualifying exam ---------------------------------------------------------------------------------


def test_district_admin_cannot_edit_the_city_exam(client, superuser, west_admin, city_exam):
    url = reverse("exams_exam:edit", args=[city_exam.pk])
    data = edit_data(client, superuser, url, pass_percent="0")
    client.force_login(west_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    city_exam.refresh_from_db()
    assert city_exam.pass_percent == Decimal("80")
    delete_url = reverse("exams_exam:delete", args=[city_exam.pk])
    assert client.get(delete_url).status_code == 404
    assert client.post(delete_url).status_code == 404
    assert Exam.objects.filter(pk=city_exam.pk).exists()
    # It still sees the city's exam, read-only: listed, with no edit link.
    listing = client.get(reverse("exams_exam:index")).content.decode()
    assert city_exam.title in listing and url not in listing


def test_city_admin_edits_the_city_exam(client, city_admin, city, city_exam):
    url = reverse("exams_exam:edit", args=[city_exam.pk])
    data = edit_data(client, city_admin, url, pass_percent="85")
    response = client.post(url, data)
    assert response.status_code == 200 and "unit" in response.context["form"].errors  # an owner is required
    data["unit"] = str(city.pk)
    assert client.post(url, data).status_code == 302
    city_exam.refresh_from_db()
    assert city_exam.pass_percent == Decimal("85") and city_exam.unit == city


def test_district_exam_draws_only_from_banks_it_may_change(
    client, west_admin, district_west, city_bank, east_bank, west_bank
):
    client.force_login(west_admin)
    form = client.get(reverse("exams_exam:add")).context["form"]
    assert list(form.fields["banks"].queryset) == [west_bank]
    assert set(form.fields["unit"].queryset.values_list("code", flat=True)) == {"D02"}
    data = form_data(form) | {
        "title": "西城区模拟测验",
        "unit": str(district_west.pk),
        "banks": [str(east_bank.pk)],
    }
    response = client.post(reverse("exams_exam:add"), data)
    assert response.status_code == 200 and "banks" in response.context["form"].errors
    assert not Exam.objects.filter(title="西城区模拟测验").exists()
    data["banks"] = [str(west_bank.pk)]
    assert client.post(reverse("exams_exam:add"), data).status_code == 302
    assert Exam.objects.get(title="西城区模拟测验").unit == district_west


def test_qualifying_exams_belong_to_the_city(client, city_admin, west_admin, district_west, west_bank):
    """A district cannot mint qualifications with an exam of its own, nor can the city hand one to a district."""
    client.force_login(west_admin)
    form = client.get(reverse("exams_exam:add")).context["form"]
    data = form_data(form) | {
        "title": "西城区资格考试",
        "unit": str(district_west.pk),
        "banks": [str(west_bank.pk)],
        "is_qualifying": "on",
        "pass_percent": "0",
    }
    response = client.post(reverse("exams_exam:add"), data)
    assert response.status_code == 200 and "is_qualifying" in response.context["form"].errors
    client.force_login(city_admin)
    response = client.post(reverse("exams_exam:add"), data)
    assert response.status_code == 200 and "is_qualifying" in response.context["form"].errors
    assert not Exam.objects.filter(title="西城区资格考试").exists()


# --- another district's bank ---------------------------------------------------------------------------------------


def test_district_admin_cannot_rename_another_districts_bank(client, east_admin, west_admin, east_bank):
    url = reverse("exams_bank:edit", args=[east_bank.pk])
    data = edit_data(client, east_admin, url, name="被改名的题库")
    client.force_login(west_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    east_bank.refresh_from_db()
    assert east_bank.name == "东城区自建题库"
    assert east_bank.name not in client.get(reverse("exams_bank:index")).content.decode()
    question = east_bank.questions.first()
    assert client.get(reverse("exams_question:edit", args=[question.pk])).status_code == 404
    assert client.get(reverse("exams_question_preview", args=[question.pk])).status_code == 404
    category = east_bank.categories.first()
    assert client.get(reverse("exams_category:edit", args=[category.pk])).status_code == 404
    # Its own admin may.
    client.force_login(east_admin)
    assert client.post(url, data).status_code == 302
    east_bank.refresh_from_db()
    assert east_bank.name == "被改名的题库"


def test_city_bank_is_read_only_for_a_district(client, west_admin, city_bank):
    client.force_login(west_admin)
    listing = client.get(reverse("exams_bank:index")).content.decode()
    edit_url = reverse("exams_bank:edit", args=[city_bank.pk])
    assert city_bank.name in listing and edit_url not in listing
    assert client.get(edit_url).status_code == 404
    question = city_bank.questions.first()
    assert client.get(reverse("exams_question_preview", args=[question.pk])).status_code == 200
    assert client.get(reverse("exams_question:edit", args=[question.pk])).status_code == 404


def test_import_form_lists_only_banks_the_user_may_change(
    client, west_admin, city_bank, east_bank, west_bank
):
    client.force_login(west_admin)
    response = client.get(reverse("exams_import"))
    assert list(response.context["form"].fields["bank"].queryset) == [west_bank]
    body = response.content.decode()
    assert east_bank.name not in body and city_bank.name not in body


def test_district_admin_cannot_import_into_another_districts_bank(client, west_admin, east_bank):
    before = east_bank.questions.count()
    client.force_login(west_admin)
    response = client.post(
        reverse("exams_import"),
        {"bank": east_bank.pk, "format": "gift", "publish": "on", "file": _upload("q.gift", GIFT)},
    )
    assert response.status_code == 200 and "bank" in response.context["form"].errors
    assert not ImportJob.objects.filter(bank=east_bank).exists()
    assert east_bank.questions.count() == before


def test_district_admin_cannot_confirm_or_see_another_districts_import(
    client, east_admin, west_admin, east_bank
):
    job = ImportJob.objects.create(
        bank=east_bank,
        filename="q.gift",
        data=GIFT,
        format="gift",
        publish=True,
        total=2,
        created_by=east_admin,
        status=ImportJob.Status.PREVIEWED,
        result={"phase": "checked", "errors": [], "warnings": [], "duplicates": []},
    )
    before = east_bank.questions.count()
    client.force_login(west_admin)
    assert client.post(reverse("exams_import_confirm", args=[job.pk])).status_code == 404
    assert client.get(reverse("exams_import_status", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and east_bank.questions.count() == before


def test_bulk_publish_never_touches_another_districts_drafts(client, west_admin, east_bank, west_bank):
    client.force_login(west_admin)
    url = reverse("exams_question_bulk_publish") + f"?bank={east_bank.pk}&status=draft"
    client.post(url)
    assert east_bank.questions.filter(status="draft").count() == 2
    client.post(reverse("exams_question_bulk_publish") + "?status=draft")  # every draft it may see
    assert east_bank.questions.filter(status="draft").count() == 2
    assert not west_bank.questions.filter(status="draft").exists()


def test_district_admin_cannot_regrade_another_districts_question(client, west_admin, east_admin, east_bank):
    question = east_bank.questions.filter(status="published").first()
    client.force_login(west_admin)
    assert client.post(reverse("exams_question_regrade", args=[question.pk])).status_code == 404
    client.force_login(east_admin)
    assert client.post(reverse("exams_question_regrade", args=[question.pk])).status_code == 302


# --- the city programme and its stages -----------------------------------------------------------------------------


def test_district_admin_cannot_edit_the_city_programme(client, city_admin, west_admin, city_programme):
    url = reverse("programmes:edit", args=[city_programme.pk])
    data = edit_data(client, city_admin, url, name="被改动的培养方案")
    client.force_login(west_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    city_programme.refresh_from_db()
    assert city_programme.name == "全市安监员培养方案"
    listing = client.get(reverse("programmes:index")).content.decode()
    assert city_programme.name in listing and url not in listing
    client.force_login(city_admin)
    assert client.post(url, data).status_code == 302
    city_programme.refresh_from_db()
    assert city_programme.name == "被改动的培养方案"


def test_district_admin_cannot_edit_the_city_programmes_stages(
    client, city_admin, west_admin, city_programme
):
    stage = city_programme.stages.get()
    url = reverse("stages:edit", args=[stage.pk])
    data = edit_data(client, city_admin, url, due_days="1")
    client.force_login(west_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert client.post(reverse("stages:delete", args=[stage.pk])).status_code == 404
    stage.refresh_from_db()
    assert stage.due_days == 30
    # Nor add a stage to it: the programme picker lists only programmes it may change.
    form = client.get(reverse("stages:add")).context["form"]
    assert city_programme not in form.fields["programme"].queryset


def test_district_admin_edits_its_own_programme(client, west_admin, district_west):
    programme = Programme.objects.create(
        unit=district_west, name="西城区培养方案", staff_categories=["full_time"]
    )
    url = reverse("programmes:edit", args=[programme.pk])
    data = edit_data(client, west_admin, url, name="西城区培养方案（修订）")
    assert client.post(url, data).status_code == 302
    programme.refresh_from_db()
    assert programme.name == "西城区培养方案（修订）"


# --- the city-wide annual study-hours requirement ------------------------------------------------------------------


def test_district_hr_cannot_edit_the_city_annual_hours(client, hr_east, city):
    requirement = AnnualHoursRequirement.objects.get(staff_category="full_time")
    before = requirement.hours
    url = reverse("courses_requirement:edit", args=[requirement.pk])
    client.force_login(hr_east)
    assert client.get(reverse("courses_requirement:index")).status_code == 200
    assert client.get(url).status_code == 404
    response = client.post(url, {"staff_category": "full_time", "hours": "0"})
    assert response.status_code == 404
    requirement.refresh_from_db()
    assert requirement.hours == before
    # Adding a requirement is city scope's too: Wagtail's permission denial sends it back to the dashboard.
    response = client.post(reverse("courses_requirement:add"), {"staff_category": "full_time", "hours": "0"})
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert AnnualHoursRequirement.objects.filter(staff_category="full_time").count() == 1


def test_city_hr_edits_the_annual_hours(client, city):
    requirement = AnnualHoursRequirement.objects.get(staff_category="full_time")
    client.force_login(make_staff("hr_city", "hr", city))
    url = reverse("courses_requirement:edit", args=[requirement.pk])
    assert client.post(url, {"staff_category": "full_time", "hours": "48"}).status_code == 302
    requirement.refresh_from_db()
    assert requirement.hours == Decimal("48")


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --- results, item statistics and stage requirements ---------------------------------------------------------------


def test_results_list_only_exams_the_user_may_read(client, west_admin, east_admin, east_bank, city_exam):
    east_exam = Exam.objects.create(title="东城区月度测验", unit=east_bank.unit, is_published=True)
    east_exam.banks.add(east_bank)
    client.force_login(west_admin)
    listing = client.get(reverse("exams_results")).content.decode()
    assert city_exam.title in listing and east_exam.title not in listing
    assert client.get(reverse("exams_results_exam", args=[east_exam.pk])).status_code == 404
    assert client.get(reverse("exams_item_statistics", args=[east_exam.pk])).status_code == 404
    assert client.get(reverse("exams_results_exam", args=[city_exam.pk])).status_code == 200
    client.force_login(east_admin)
    assert east_exam.title in client.get(reverse("exams_results")).content.decode()
    assert client.get(reverse("exams_item_statistics", args=[east_exam.pk])).status_code == 200


def test_stage_requirements_offer_only_sessions_the_user_may_read(
    client, west_admin, district_east, district_west
):
    def session(title, unit):
        return TrainingSession.objects.create(title=title, organizer=unit, location="会议室", capacity=30)

    east = session("东城区集训班", district_east)
    west = session("西城区集训班", district_west)
    client.force_login(west_admin)
    form = client.get(reverse("stages:add")).context["form"]
    choices = form.formsets["requirements"].empty_form.fields["session"].queryset
    assert west in choices and east not in choices
