"""Listings and the import preview show words, icons and links, never raw values: 是/否 icons instead of
True/False, 成绩 and 预览 as links, question types and file formats by their Chinese names."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exams.models import Question
from tests.exams.conftest import make_bank, make_exam

pytestmark = pytest.mark.django_db

GIFT = "::T1::突发事件分为几级预警？{=四级 ~三级 ~五级}\n\n::T2::应急预案应当定期修订。{T}\n".encode()


@pytest.fixture
def bank(district_east):
    owned = make_bank(n_single=3)
    owned.unit = district_east
    owned.save(update_fields=["unit"])
    return owned


def _cells(page: str) -> str:
    body = page.split('<table class="listing', 1)[1].split("</tbody>", 1)[0]
    return re.sub(r"\s+", " ", body)


def test_exam_list_shows_yes_no_icons_and_a_results_link(client, training_admin_east, bank):
    exam = make_exam(bank, rules=[{"count": 2}])
    client.force_login(training_admin_east)
    cells = _cells(client.get(reverse("exams_exam:index")).content.decode())
    assert "True" not in cells and "False" not in cells
    assert "icon-check" in cells or "#icon-check" in cells  # published
    assert "#icon-cross" in cells  # not a qualifying exam, not a mock
    results = reverse("exams_results_exam", args=[exam.pk])
    assert f'<a href="{results}">查看成绩</a>' in cells
    assert f">{results}<" not in cells  # not printed as text


def test_question_list_preview_is_a_link(client, training_admin_east, bank):
    client.force_login(training_admin_east)
    q = Question.objects.filter(bank=bank).order_by("pk").first()
    cells = _cells(client.get(reverse("exams_question:index")).content.decode())
    url = reverse("exams_question_preview", args=[q.pk])
    assert f'<a href="{url}">预览</a>' in cells
    assert f">{url}<" not in cells


def test_import_preview_names_types_and_format_in_chinese(client, training_admin_east, bank):
    client.force_login(training_admin_east)
    page = client.post(
        reverse("exams_import"),
        {"bank": bank.pk, "format": "gift", "publish": "on", "file": SimpleUploadedFile("q.gift", GIFT)},
        follow=True,
    ).content.decode()
    assert "confirm-import" in page
    assert "single_choice" not in page and "true_false" not in page
    assert "单选题" in page and "判断题" in page
    assert "格式：gift" not in page and "GIFT" in page
