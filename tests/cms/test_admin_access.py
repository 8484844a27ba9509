"""Who gets into the admin and which menu items they see; role changes through Wagtail's user editor are audited."""

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cms.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fixture", ["trainee", "mentor"])
def test_trainees_and_mentors_have_no_admin_access(client, request, fixture, street_east, make_officer):
    if fixture == "mentor":
        user = make_officer(street_east, username="mentor_east", roles=("mentor",)).user
    else:
        user = request.getfixturevalue("trainee").user
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url
    assert client.get(reverse("officers:index")).status_code == 302
    response = client.get(reverse("officers:index"), {"export": "csv"})
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_anonymous_is_sent_to_login(client, trainee):
    response = client.get(reverse("officers:index"), {"export": "csv"})
    assert response.status_code == 302 and "login" in response.url


def menu_urls(client):
    """URLs in the admin sidebar (rendered as JSON props on the dashboard)."""
    content = client.get("/admin/").content.decode()
    return set(re.findall(r"/admin/[a-z_]+/", content.replace("\\/", "/")))


def test_menu_items_follow_view_permissions(client, hr_east, leader_east, training_admin_east, superuser):
    client.force_login(hr_east)
    urls = menu_urls(client)
    assert {
        "/admin/officers/",
        "/admin/units/",
        "/admin/posts/",
        "/admin/specialties/",
        "/admin/audit_events/",
    } <= urls
    assert "/admin/staff_scopes/" not in urls

    client.force_login(training_admin_east)
    urls = menu_urls(client)
    assert {"/admin/officers/", "/admin/units/"} <= urls
    assert not {"/admin/audit_events/", "/admin/posts/", "/admin/staff_scopes/"} & urls

    client.force_login(leader_east)
    urls = menu_urls(client)
    assert {"/admin/officers/", "/admin/audit_events/", "/admin/posts/"} <= urls
    assert "/admin/staff_scopes/" not in urls

    client.force_login(superuser)
    assert "/admin/staff_scopes/" in menu_urls(client)


def test_people_menu_group_is_labelled(client, hr_east):
    client.force_login(hr_east)
    content = client.get("/admin/").content.decode()
    # Wagtail renders its menu from JSON, where Chinese may be \u-escaped.
    assert "组织与人员" in content or json.dumps("组织与人员")[1:-1] in content


def test_role_change_in_wagtail_user_editor_is_audited(client, superuser, trainee):
    user = trainee.user
    client.force_login(superuser)
    trainee_group = Group.objects.get(name="trainee")
    hr_group = Group.objects.get(name="hr")
    response = client.post(
        reverse("wagtailusers_users:edit", args=[user.pk]),
        {
            "username": user.username,
            "email": "zhangsan@example.com",
            "first_name": "三",
            "last_name": "张",
            "password1": "",
            "password2": "",
            "is_active": "on",
            "groups": [trainee_group.pk, hr_group.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert user.groups.filter(name="hr").exists()
    event = AuditEvent.objects.filter(action="cms.role_grant", object_id=str(user.pk)).latest("id")
    assert event.actor == superuser
    assert event.after == {"roles": ["hr"]}
    assert json.dumps(event.after)  # plain JSON data
