"""The course editor asks for staff categories with tick boxes and learning objectives one per line: nobody types
JSON, and what is stored is still the list the learner pages read."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from courses.models import CoursePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(curriculum):
    page = CoursePage(
        title="安全生产法",
        slug="law",
        summary="主要负责人的职责",
        category="law",
        objectives=["掌握主要负责人的七项职责"],
        target_categories=["full_time"],
    )
    curriculum.add_child(instance=page)
    page.save_revision().publish()
    return page


def _post(course, **overrides):
    data = {
        "title": course.title,
        "slug": course.slug,
        "summary": course.summary,
        "category": "law",
        "study_hours": "2.0",
        "comments": inline_formset([]),
        "action-publish": "publish",
    }
    data.update(overrides)
    return nested_form_data(data)


def test_course_editor_shows_tick_boxes_and_one_objective_per_line(client, superuser, course):
    client.force_login(superuser)
    page = client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).content.decode()
    assert 'type="checkbox" name="target_categories" value="full_time"' in page.replace(" checked", "")
    assert 'value="auxiliary"' in page and 'value="civil_servant"' in page
    assert "掌握主要负责人的七项职责</textarea>" in page
    assert '["' not in page.split('name="objectives"', 1)[1].split("</textarea>", 1)[0]  # not JSON


def test_course_editor_saves_lists_from_tick_boxes_and_lines(client, superuser, course):
    client.force_login(superuser)
    data = _post(course, objectives="掌握七项职责\n\n  了解法律责任  \n")
    data["target_categories"] = ["full_time", "auxiliary"]
    resp = client.post(reverse("wagtailadmin_pages:edit", args=[course.pk]), data)
    assert resp.status_code == 302, resp.context["form"].errors
    course = CoursePage.objects.get(pk=course.pk)
    assert course.objectives == ["掌握七项职责", "了解法律责任"]
    assert sorted(course.target_categories) == ["auxiliary", "full_time"]

    resp = client.post(reverse("wagtailadmin_pages:edit", args=[course.pk]), _post(course, objectives=""))
    assert resp.status_code == 302, resp.context["form"].errors
    course = CoursePage.objects.get(pk=course.pk)
    assert course.objectives == [] and course.target_categories == []  # no box ticked: every category


def test_a_course_is_never_offered_nor_saved_as_its_own_prerequisite(client, superuser, course, curriculum):
    other = CoursePage(title="生产安全事故应急", slug="emergency", summary="应急预案", category="emergency")
    curriculum.add_child(instance=other)
    other.save_revision().publish()
    client.force_login(superuser)
    page = client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).content.decode()
    assert f'name="prerequisites" value="{other.pk}"' in page
    assert f'name="prerequisites" value="{course.pk}"' not in page
    data = _post(course)
    data["prerequisites"] = [str(course.pk)]
    resp = client.post(reverse("wagtailadmin_pages:edit", args=[course.pk]), data)
    assert resp.status_code == 200 and "prerequisites" in resp.context["form"].errors
    assert not CoursePage.objects.get(pk=course.pk).prerequisites.exists()
    data["prerequisites"] = [str(other.pk)]
    resp = client.post(reverse("wagtailadmin_pages:edit", args=[course.pk]), data)
    assert resp.status_code == 302
    assert list(CoursePage.objects.get(pk=course.pk).prerequisites.all()) == [other]
