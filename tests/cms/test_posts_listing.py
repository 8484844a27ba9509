"""The Posts listing shows 是/否 icons for 招聘中, as the other listings do, never a raw True/False."""

import re

import pytest
from django.urls import reverse

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_posts_listing_shows_open_as_a_yes_no_icon(client, superuser, street_east):
    PostFactory(unit=street_east, title="消防岗", is_open=True)
    PostFactory(unit=street_east, title="法制岗", is_open=False)
    client.force_login(superuser)
    page = client.get(reverse("posts:index")).content.decode()
    body = re.sub(r"\s+", " ", page.split('<table class="listing', 1)[1].split("</tbody>", 1)[0])
    assert "True" not in body and "False" not in body
    assert "#icon-check" in body and "#icon-cross" in body
    assert "是" in body and "否" in body
