"""The admin's chrome on an intranet: the site's name as the dashboard heading, no help link to an outside site,
Wagtail's untranslated strings in Chinese, and the HR / unit leader panel of work waiting in their subtree."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from cms.models import HomePage
from cms.reference import HOME_TITLE, ensure_reference_data
from courses.models import CoursePage, CurriculumIndexPage, Enrolment
from mentorship.models import Apprenticeship, Programme

pytestmark = pytest.mark.django_db


def test_dashboard_heading_is_the_site_name_not_localhost(client, hr_east):
    Site.objects.filter(is_default_site=True).update(site_name="")
    ensure_reference_data()
    assert Site.objects.get(is_default_site=True).site_name == HOME_TITLE
    client.force_login(hr_east)
    page = client.get("/admin/").content.decode()
    assert HOME_TITLE in page
    assert "<h1>localhost" not in page.replace(" ", "")


def test_help_menu_has_no_link_to_an_outside_site(client, superuser):
    client.force_login(superuser)
    page = client.get("/admin/").content.decode().replace("\\/", "/")
    assert "guide.wagtail.org" not in page
    assert "editor-guide" not in page and "whats-new" not in page


def test_remaining_wagtail_english_is_translated(client, superuser, training_admin_east):
    client.force_login(superuser)
    explorer = client.get(reverse("wagtailadmin_explore", args=[HomePage.objects.get().pk])).content.decode()
    assert "Exploring" not in explorer
    assert "Search all pages" not in client.get("/admin/").content.decode()
    client.force_login(training_admin_east)
    listing = client.get(reverse("exams_exam:index"), {"q": "没有这样的考试"}).content.decode()
    assert "match your query" not in listing
    assert "没有符合查询条件的" in listing
    assert "New: " not in client.get(reverse("exams_exam:index")).content.decode()


def test_admin_sign_in_form_speaks_chinese(client):
    page = client.get(reverse("wagtailadmin_login")).content.decode()
    assert "Password" not in page
    assert "密码" in page


def test_autosave_is_off_so_an_abandoned_new_lesson_form_leaves_no_draft(client, superuser):
    home = HomePage.objects.get()
    index = home.add_child(instance=CurriculumIndexPage(title="课程体系", slug="curriculum"))
    course = index.add_child(instance=CoursePage(title="安全生产法", slug="law", summary="…", category="law"))
    client.force_login(superuser)
    page = client.get(reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", course.pk]))
    assert page.status_code == 200
    assert "data-w-autosave-interval-value" not in page.content.decode()


@pytest.fixture
def course(db):
    home = HomePage.objects.get()
    index = home.add_child(instance=CurriculumIndexPage(title="课程体系", slug="curriculum"))
    return index.add_child(instance=CoursePage(title="安全生产法", slug="law", summary="…", category="law"))


def _waiting_panel(client):
    page = client.get("/admin/").content.decode()
    if 'id="waiting-work-heading"' not in page:
        return None
    return page


def _figure(page, key):
    start = page.index(f'data-figure="{key}"')
    chunk = page[start : start + 400]
    return int(chunk.split('cms-dashboard-figure__count">', 1)[1].split("<", 1)[0])


def test_hr_and_unit_leaders_see_work_waiting_in_their_subtree_only(
    client,
    hr_east,
    leader_east,
    training_admin_east,
    trainee,
    other_trainee,
    course,
    city,
    django_assert_max_num_queries,
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for officer in (trainee, other_trainee):  # one in the east district, one in the west
        Enrolment.objects.create(officer=officer, course=course, due_date=yesterday)
    Enrolment.objects.create(
        officer=trainee, course=course.copy(update_attrs={"slug": "law2"}), due_date=None
    )
    programme = Programme.objects.create(unit=city, name="培养方案", staff_categories=["full_time"])
    for officer in (trainee, other_trainee):
        Apprenticeship.objects.create(
            officer=officer,
            programme=programme,
            status=Apprenticeship.Status.COMPLETED,
            started_on=datetime.date(2025, 1, 1),
            hire_date=datetime.date(2024, 3, 1),
        )
    for user in (hr_east, leader_east):
        client.force_login(user)
        page = _waiting_panel(client)
        assert page is not None, user
        assert "东城区" in page
        assert _figure(page, "overdue") == 1
        assert _figure(page, "awaiting_decision") == 1
        assert _figure(page, "evidence_waiting") == 0
    client.force_login(hr_east)
    with django_assert_max_num_queries(60):  # one count per figure, whatever the subtree holds
        client.get("/admin/")

    client.force_login(training_admin_east)  # not HR: no panel
    assert _waiting_panel(client) is None
