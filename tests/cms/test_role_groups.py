"""Role groups are shown by their Chinese role names in the admin, while code keeps finding them by their codes:
the groups listing, the group edit form (a role group cannot be renamed), the user form's group tick boxes and the
users filter."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cms.models import Role
from cms.selectors import user_roles

pytestmark = pytest.mark.django_db

CHINESE = {
    "trainee": "学员",
    "mentor": "导师",
    "hr": "人事",
    "training_admin": "培训管理员",
    "unit_leader": "单位负责人",
}


def _cells(html: str) -> str:
    return html.replace("\n", " ")


def test_groups_listing_shows_role_names_not_codes(client, superuser):
    client.force_login(superuser)
    page = _cells(client.get(reverse("wagtailusers_groups:index")).content.decode())
    for code, name in CHINESE.items():
        assert name in page
        assert f">{code}<" not in page.replace(" ", "")
    assert set(Group.objects.values_list("name", flat=True)) >= set(
        Role.values
    )  # the stored key is unchanged


def test_groups_search_finds_a_role_by_its_chinese_name(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("wagtailusers_groups:index"), {"q": "导师"}).content.decode()
    assert "导师" in page and "学员" not in page


def test_a_role_group_cannot_be_renamed_and_keeps_working(client, superuser, make_officer, street_east):
    mentor = Group.objects.get(name="mentor")
    client.force_login(superuser)
    url = reverse("wagtailusers_groups:edit", args=[mentor.pk])
    form = client.get(url).content.decode()
    assert "导师" in form and "不能改名" in form
    response = client.post(
        url,
        {
            "name": "导师组",
            "permissions": [],
            "page_permissions-TOTAL_FORMS": "0",
            "page_permissions-INITIAL_FORMS": "0",
            "page_permissions-MIN_NUM_FORMS": "0",
            "page_permissions-MAX_NUM_FORMS": "1000",
            "collection_permissions-TOTAL_FORMS": "0",
            "collection_permissions-INITIAL_FORMS": "0",
            "collection_permissions-MIN_NUM_FORMS": "0",
            "collection_permissions-MAX_NUM_FORMS": "1000",
        },
    )
    mentor.refresh_from_db()
    assert mentor.name == "mentor"  # the posted name is ignored: code looks the group up by its code
    officer = make_officer(street_east, roles=("mentor",))
    assert "mentor" in user_roles(officer.user)
    assert response.status_code in (200, 302)


def test_other_groups_can_still_be_renamed(client, superuser):
    group = Group.objects.create(name="临时小组")
    client.force_login(superuser)
    form = client.get(reverse("wagtailusers_groups:edit", args=[group.pk])).content.decode()
    assert "不能改名" not in form
    assert str(group) == "临时小组"


def test_user_form_and_users_filter_show_role_names(client, superuser, make_officer, street_east):
    officer = make_officer(street_east, roles=("trainee",))
    client.force_login(superuser)
    edit = client.get(reverse("wagtailusers_users:edit", args=[officer.user.pk])).content.decode()
    users = client.get(reverse("wagtailusers_users:index")).content.decode()
    for page in (edit, users):
        for code, name in CHINESE.items():
            assert name in page, (code, name)
        assert "> trainee" not in page and ">trainee<" not in page.replace(" ", "").replace("\n", "")


def _listed_names(html: str, names) -> list[str]:
    """The given names in the order the listing's table shows them."""
    start = html.index('<table class="listing"')
    table = html[start : html.index("</table>", start)]
    return sorted(names, key=table.index)


def test_groups_listing_is_sorted_by_the_names_it_shows(client, superuser):
    Group.objects.create(name="安全检查小组")
    client.force_login(superuser)
    url = reverse("wagtailusers_groups:index")
    shown = [*CHINESE.values(), "安全检查小组"]
    page = client.get(url).content.decode()
    # By the Chinese names (人事 单位负责人 培训管理员 学员 安全检查小组 导师), not by the role codes behind them
    # (hr mentor trainee training_admin unit_leader), which put 导师 second.
    assert _listed_names(page, shown) == sorted(shown)
    assert _listed_names(page, shown) != [CHINESE[code] for code in sorted(CHINESE)] + ["安全检查小组"]
    reverse_page = client.get(url, {"ordering": "-display_name"}).content.decode()
    assert _listed_names(reverse_page, shown) == sorted(shown, reverse=True)


def _name_panel_heading(html: str) -> str:
    start = html.index('id="id_name-label"')
    return html[start : html.index("</label>", start)]


def test_a_locked_role_group_name_shows_no_required_mark(client, superuser):
    client.force_login(superuser)
    mentor = Group.objects.get(name="mentor")
    locked = client.get(reverse("wagtailusers_groups:edit", args=[mentor.pk])).content.decode()
    assert "w-required-mark" not in _name_panel_heading(locked)
    assert 'name="name"' in locked and "disabled" in locked[locked.index('name="name"') - 200 :][:400]
    other = Group.objects.create(name="临时小组")
    editable = client.get(reverse("wagtailusers_groups:edit", args=[other.pk])).content.decode()
    assert "w-required-mark" in _name_panel_heading(editable)  # a name one can change is still required
    created = client.get(reverse("wagtailusers_groups:add")).content.decode()
    assert "w-required-mark" in _name_panel_heading(created)
