"""Error pages in Chinese, in the learner shell or in the admin's look (DEBUG is off in the test settings)."""

import pytest
from django.test import RequestFactory

from cms import views


@pytest.mark.django_db
def test_a_missing_page_is_a_chinese_404_in_the_learner_shell(client, trainee):
    client.force_login(trainee.user)
    response = client.get("/learn/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "Not Found" not in html
    assert 'class="mainnav"' in html and "返回我的培训" in html


@pytest.mark.django_db
def test_a_missing_page_for_a_visitor_offers_sign_in(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "/accounts/login/" in response.content.decode()


@pytest.mark.django_db
def test_a_denied_admin_page_is_a_chinese_403_in_the_admin(client, hr_east):
    client.force_login(hr_east)
    response = client.get("/admin/reports/site-history/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权打开此页面" in html and "403 Forbidden" not in html
    assert "wagtailadmin/css/core" in html and "返回管理首页" in html


@pytest.mark.django_db
def test_the_admin_hides_site_history_from_whoever_cannot_open_it(client, hr_east, superuser):
    client.force_login(hr_east)
    assert "/admin/reports/site-history/" not in client.get("/admin/").content.decode()
    client.force_login(superuser)
    assert "/admin/reports/site-history/" in client.get("/admin/").content.decode()


def test_the_500_page_is_chinese_and_needs_no_database():
    response = views.server_error(RequestFactory().get("/me/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html and "Server Error" not in html and 'href="/me/"' in html
    assert 'href="/admin/"' in views.server_error(RequestFactory().get("/admin/pages/")).content.decode()
