"""Staff forms in a real browser: the question form shows the answer editor of the chosen type only, the exam form
picks officers through a searchable chooser (search, tick, confirm) limited to the admin's subtree, and the
evidence form refuses too many files before anything is uploaded."""

import datetime
import struct
import zlib

import pytest

from cms.models import EmploymentSpell
from exams.models import QuestionBank
from mentorship import services
from mentorship.models import MentorshipSettings, Milestone, Programme, Stage
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory, make_staff, make_unit


@pytest.fixture
def tree(transactional_db):
    city = make_unit("C01", "示范市", kind="city")
    east = make_unit("D01", "东城区", kind="district", parent=city)
    west = make_unit("D02", "西城区", kind="district", parent=city)
    return {"city": city, "east": east, "west": west, "street": make_unit("S0101", "东华街道", parent=east)}


def _visible(page, selector) -> bool:
    return page.locator(selector).first.evaluate("el => !el.closest('section').hidden")


def test_question_form_shows_the_chosen_types_editor_only(phone, login, live_server, tree):
    QuestionBank.objects.create(code="E1", name="东城区题库", unit=tree["east"])
    make_staff("tadmin", "training_admin", tree["east"])
    login(phone, "tadmin", "Passw0rd!2026")
    phone.goto(f"{live_server.url}/admin/exams_question/new/")
    phone.select_option("select[name=type]", "numerical")
    assert _visible(phone, "input[name=number_1_value]")
    assert not _visible(phone, "input[name=option_a_text]")
    assert not _visible(phone, "input[name=pair_1_left]")
    phone.select_option("select[name=type]", "matching")
    assert _visible(phone, "input[name=pair_1_left]") and not _visible(phone, "input[name=number_1_value]")
    phone.select_option("select[name=type]", "single_choice")
    assert _visible(phone, "input[name=option_a_text]") and not _visible(phone, "input[name=answer_1_text]")
    assert phone.external_requests == []


def test_exam_audience_officers_are_chosen_by_search_within_the_subtree(phone, login, live_server, tree):
    QuestionBank.objects.create(code="E1", name="东城区题库", unit=tree["east"])
    make_staff("tadmin", "training_admin", tree["east"])
    mine = OfficerFactory(unit=tree["street"], name="张东华")
    OfficerFactory(unit=tree["west"], name="张西城")
    login(phone, "tadmin", "Passw0rd!2026")
    phone.goto(f"{live_server.url}/admin/exams_exam/new/")
    phone.click("[data-name=audience_officers] [data-add]")
    phone.fill(".modal-content input[name=q]", "张")
    phone.wait_for_timeout(700)  # the modal searches as one types (debounced): let the results settle
    phone.wait_for_load_state("networkidle")
    phone.wait_for_selector(f".modal-content input[data-multiple-choice-select][value='{mine.pk}']")
    assert phone.locator(".modal-content", has_text="张西城").count() == 0  # out of scope: not offered
    phone.check(f".modal-content input[data-multiple-choice-select][value='{mine.pk}']")
    phone.wait_for_selector(".modal-content [data-multiple-choice-submit]:enabled")
    phone.click(".modal-content [data-multiple-choice-submit]")
    phone.wait_for_selector(
        f"[data-name=audience_officers] input[type=hidden][value='{mine.pk}']", state="attached"
    )
    assert "张东华" in phone.locator("[data-name=audience_officers]").inner_text()
    assert phone.external_requests == []


def _png(path):
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * 8 for _ in range(8))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


def test_evidence_form_refuses_too_many_files_before_uploading(
    phone, login, live_server, tree, tmp_path, settings
):
    settings.UPLOAD_MAX_FILES = 2
    cfg = MentorshipSettings.load()
    cfg.mentor_requires_qualification = False
    cfg.save()
    programme = Programme.objects.create(unit=tree["city"], name="培养方案", staff_categories=["full_time"])
    practice = Stage.objects.create(programme=programme, order=1, name="跟岗实践", due_days=60)
    Milestone.objects.create(stage=practice, title="独立完成一次企业安全检查", evidence_required="现场照片")
    apprentice = OfficerFactory(
        user=UserFactory(username="apprentice_c", roles=["trainee"]), unit=tree["street"], name="新学员"
    )
    EmploymentSpell.objects.create(
        officer=apprentice, unit=tree["street"], staff_category="full_time", hire_date=datetime.date.today()
    )
    mentor = OfficerFactory(user=UserFactory(username="mentor_c", roles=["mentor"]), unit=tree["street"])
    EmploymentSpellFactory(officer=mentor, unit=tree["street"], hire_date=datetime.date(2015, 1, 1))
    services.pair(
        apprenticeship=services.start_apprenticeship(officer=apprentice, by=None), mentor=mentor, by=None
    )

    login(phone, "apprentice_c", "Passw0rd!2026")
    phone.goto(f"{live_server.url}/mentoring/me/")
    phone.click("text=提交证明材料")
    phone.fill("textarea[name=text]", "独立检查某五金厂")
    phone.fill("input[name=happened_on]", datetime.date.today().isoformat())
    photos = [_png(tmp_path / f"p{i}.png") for i in range(3)]
    phone.set_input_files("input[name=files]", [str(p) for p in photos])
    problem = phone.locator("[data-file-problem]")
    problem.wait_for(state="visible")
    assert "最多选择 2 个文件" in problem.inner_text()
    assert phone.locator("[data-evidence-form] button[type=submit]").is_disabled()
    phone.set_input_files("input[name=files]", [str(photos[0])])
    phone.wait_for_function(
        "() => !document.querySelector('[data-evidence-form] button[type=submit]').disabled"
    )
    phone.click("[data-evidence-form] button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert phone.locator(".messages li.success").count() == 1
    assert phone.external_requests == []
