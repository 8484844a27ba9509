"""The lesson editor: Wagtail's autosave posts the form while a knowledge check is half filled (a bank chosen, no
knowledge point yet); that is a draft to keep, never a server error."""

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from courses.models import LessonPage


def _lesson_form(lesson, *, bank="", category=""):
    return nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "estimated_minutes": lesson.estimated_minutes,
            "required": "on",
            "complete_on_check": "on",
            "body": streamfield(
                [
                    ("paragraph", rich_text("<p>做题。</p>")),
                    (
                        "knowledge_check",
                        {
                            "title": "小测",
                            "bank": bank,
                            "category": category,
                            "questions": streamfield([]),
                            "count": 2,
                        },
                    ),
                ]
            ),
        }
    )


@pytest.mark.django_db
def test_autosave_of_a_check_with_a_bank_but_no_knowledge_point_saves_a_draft(
    client, superuser, kc_lesson, bank
):
    client.force_login(superuser)
    url = f"/admin/pages/{kc_lesson.pk}/edit/"
    for _ in range(2):  # autosave keeps posting while the editor is open
        response = client.post(url, _lesson_form(kc_lesson, bank=bank.pk), HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content[:300]
        assert response.json()["success"] is True
    draft = LessonPage.objects.get(pk=kc_lesson.pk).get_latest_revision_as_object()
    check = draft.knowledge_check_blocks()[0].value
    assert check["bank"] == bank and check["category"] is None


@pytest.mark.django_db
def test_autosave_of_an_empty_check_reports_the_missing_bank(client, superuser, kc_lesson):
    client.force_login(superuser)
    response = client.post(
        f"/admin/pages/{kc_lesson.pk}/edit/", _lesson_form(kc_lesson), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response.json()["success"] is False
