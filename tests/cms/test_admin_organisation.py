"""Units, posts, specialties and staff scopes in the admin: tree-aware creation and subtree scoping."""

import pytest
from django.urls import NoReverseMatch, reverse

from cms.models import AuditEvent, Post, Specialty, Unit, UserScope
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- units ---------------------------------------------------------------------


def test_unit_index_is_scoped_and_shows_full_path(client, hr_east, street_east, street_west):
    client.force_login(hr_east)
    response = client.get(reverse("units:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "示范市/东城区/东华街道" in content
    assert "S0101" in content
    assert "西苑街道" not in content


def test_unit_search_by_name_and_code(client, superuser, street_east, street_west):
    client.force_login(superuser)
    content = client.get(reverse("units:index"), {"q": "S0201"}).content.decode()
    assert "西苑街道" in content and "东华街道" not in content
    content = client.get(reverse("units:index"), {"q": "东华"}).content.decode()
    assert "东华街道" in content and "西苑街道" not in content


def test_hr_creates_street_under_their_district(client, hr_east, district_east, street_east):
    client.force_login(hr_east)
    response = client.post(
        reverse("units:add"),
        {"parent": district_east.pk, "code": "S0109", "name": "新街道", "kind": "street"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="S0109")
    district_east.refresh_from_db()
    assert unit.get_parent() == district_east
    assert unit.path.startswith(district_east.path) and unit.depth == 3
    assert district_east.numchild == 2
    assert unit.full_name == "示范市/东城区/新街道"


def test_hr_cannot_create_outside_scope(client, hr_east, district_west):
    client.force_login(hr_east)
    response = client.post(
        reverse("units:add"),
        {"parent": district_west.pk, "code": "S0299", "name": "越权街道", "kind": "street"},
    )
    assert response.status_code == 200
    assert not Unit.objects.filter(code="S0299").exists()


def test_hr_must_choose_a_parent(client, hr_east, district_east):
    client.force_login(hr_east)
    response = client.post(reverse("units:add"), {"code": "C99", "name": "新市", "kind": "city"})
    assert response.status_code == 200
    assert not Unit.objects.filter(code="C99").exists()


def test_kind_must_match_place_in_tree(client, superuser, district_east, street_east):
    client.force_login(superuser)
    response = client.post(
        reverse("units:add"), {"parent": district_east.pk, "code": "D09", "name": "错级", "kind": "district"}
    )
    assert response.status_code == 200
    response = client.post(
        reverse("units:add"), {"parent": street_east.pk, "code": "X01", "name": "太深", "kind": "street"}
    )
    assert response.status_code == 200
    assert not Unit.objects.filter(code__in=["D09", "X01"]).exists()


def test_superuser_creates_a_root_city(client, superuser, city):
    client.force_login(superuser)
    response = client.post(reverse("units:add"), {"code": "C02", "name": "第二市", "kind": "city"})
    assert response.status_code == 302
    assert Unit.objects.get(code="C02").is_root()


def test_edit_unit_renames_and_out_of_scope_is_404(client, hr_east, street_east, street_west):
    client.force_login(hr_east)
    assert client.get(reverse("units:edit", args=[street_west.pk])).status_code == 404
    response = client.post(
        reverse("units:edit", args=[street_east.pk]),
        {"code": "S0101", "name": "东华街道办", "kind": "street"},
    )
    assert response.status_code == 302
    street_east.refresh_from_db()
    assert street_east.name == "东华街道办"


def test_units_have_no_delete_view(client, superuser, street_east):
    with pytest.raises(NoReverseMatch):
        reverse("units:delete", args=[street_east.pk])
    client.force_login(superuser)
    assert client.post(f"/admin/units/delete/{street_east.pk}/").status_code == 404
    assert Unit.objects.filter(pk=street_east.pk).exists()


def test_unit_leader_cannot_add_units(client, leader_east, district_east):
    client.force_login(leader_east)
    response = client.post(
        reverse("units:add"),
        {"parent": district_east.pk, "code": "S0108", "name": "新街道", "kind": "street"},
    )
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert not Unit.objects.filter(code="S0108").exists()


# --- posts and specialties --------------------------------------------------------


def test_posts_are_scoped(client, leader_east, street_east, street_west):
    east = PostFactory(unit=street_east, title="危化品监管岗")
    west = PostFactory(unit=street_west, title="消防监管岗")
    client.force_login(leader_east)
    content = client.get(reverse("posts:index")).content.decode()
    assert east.title in content and west.title not in content
    assert client.get(reverse("posts:edit", args=[west.pk])).status_code == 404


def test_hr_creates_post_only_in_scope(client, hr_east, street_east, street_west):
    specialty = Specialty.objects.create(name="消防")
    client.force_login(hr_east)
    response = client.post(
        reverse("posts:add"),
        {
            "title": "消防岗",
            "unit": street_east.pk,
            "wanted_specialties": [specialty.pk],
            "openings": 2,
            "is_open": "on",
            "description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get(title="消防岗")
    assert list(post.wanted_specialties.all()) == [specialty]
    response = client.post(
        reverse("posts:add"), {"title": "越权岗", "unit": street_west.pk, "openings": 1, "description": ""}
    )
    assert response.status_code == 200
    assert not Post.objects.filter(title="越权岗").exists()


def test_specialties_list_and_add(client, hr_east):
    client.force_login(hr_east)
    response = client.post(reverse("specialties:add"), {"name": "特种设备"})
    assert response.status_code == 302
    assert "特种设备" in client.get(reverse("specialties:index")).content.decode()


# --- staff scopes ---------------------------------------------------------------


def test_staff_scopes_are_superuser_only(client, hr_east):
    client.force_login(hr_east)
    response = client.get(reverse("staff_scopes:index"))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    scope = UserScope.objects.get(user=hr_east)
    assert client.get(reverse("staff_scopes:edit", args=[scope.pk])).status_code == 302
    assert UserScope.objects.get(user=hr_east).unit.code == "D01"


def test_assigning_a_scope_is_audited(client, superuser, district_east, district_west, hr_east):
    newcomer = UserFactory(username="hr_new", roles=["hr"])
    client.force_login(superuser)
    response = client.post(reverse("staff_scopes:add"), {"user": newcomer.pk, "unit": district_west.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="cms.scope_change", object_id=str(newcomer.scope.pk))
    assert event.actor == superuser
    assert event.before is None
    assert event.after == {"user": "hr_new", "unit_id": district_west.pk, "unit": "D02"}
    assert event.unit == district_west

    scope = UserScope.objects.get(user=hr_east)
    response = client.post(
        reverse("staff_scopes:edit", args=[scope.pk]), {"user": hr_east.pk, "unit": district_west.pk}
    )
    assert response.status_code == 302
    change = AuditEvent.objects.filter(action="cms.scope_change", object_id=str(scope.pk)).get()
    assert change.before["unit"] == "D01" and change.after["unit"] == "D02"

    response = client.post(reverse("staff_scopes:delete", args=[scope.pk]))
    assert response.status_code == 302
    assert not UserScope.objects.filter(pk=scope.pk).exists()
    removal = AuditEvent.objects.filter(action="cms.scope_change", object_id=str(scope.pk)).order_by("-id")[0]
    assert removal.before["unit"] == "D02" and removal.after is None


def test_unit_export_is_scoped_with_full_paths(client, hr_east, street_east, street_west):
    import csv
    import io

    client.force_login(hr_east)
    response = client.get(reverse("units:index"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert {tuple(r) for r in rows[1:]} == {
        ("D01", "东城区", "区", "示范市/东城区"),
        ("S0101", "东华街道", "街道", "示范市/东城区/东华街道"),
    }


def test_scope_form_offers_only_staff_accounts(client, superuser, trainee, hr_east):
    client.force_login(superuser)
    content = client.get(reverse("staff_scopes:add")).content.decode()
    assert "hr_east" in content
    assert "trainee_east" not in content
    response = client.post(reverse("staff_scopes:add"), {"user": trainee.user.pk, "unit": trainee.unit.pk})
    assert response.status_code == 200
    assert not UserScope.objects.filter(user=trainee.user).exists()
