"""Login, lock-out by username + IP with a growing per-username delay, password pages in Chinese, session expiry."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse


def _login(client, username, password, ip):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "登录" in body and "用户名" in body and "忘记密码" in body


@pytest.mark.django_db
def test_successful_login_lands_on_my_training(client, trainee):
    response = _login(client, "trainee_east", "Passw0rd!2026", "10.0.0.1")
    assert response.status_code == 302
    assert response.url == reverse("my_training")


@pytest.mark.django_db
def test_wrong_password_shows_translated_error(client, trainee):
    response = _login(client, "trainee_east", "wrong", "10.0.0.1")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_lockout_is_by_username_and_address(trainee, other_trainee, time_machine):
    time_machine.move_to("2026-11-01 09:00:00+08:00", tick=False)
    exam_room_ip = "10.9.9.9"
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, "trainee_east", "wrong", exam_room_ip)
    # From the address that failed, the account is locked even with the right password …
    time_machine.shift(600)
    locked = _login(Client(), "trainee_east", "Passw0rd!2026", exam_room_ip)
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    # … a colleague in the same room (same IP) still can log in …
    ok = _login(Client(), "trainee_west", "Passw0rd!2026", exam_room_ip)
    assert ok.status_code == 302
    # … and so can the officer from anywhere else.
    assert _login(Client(), "trainee_east", "Passw0rd!2026", "10.0.0.5").status_code == 302


@pytest.mark.django_db
def test_username_failures_from_anywhere_delay_the_next_attempt(trainee, time_machine):
    time_machine.move_to("2026-11-01 09:00:00+08:00", tick=False)
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "trainee_east", "wrong", f"10.0.1.{i}")
    delayed = _login(Client(), "trainee_east", "Passw0rd!2026", "10.0.2.1")
    assert delayed.status_code == 429
    assert delayed["Retry-After"] == "2"
    assert "_auth_user_id" not in delayed.wsgi_request.session
    time_machine.shift(2)
    assert _login(Client(), "trainee_east", "Passw0rd!2026", "10.0.2.1").status_code == 302


@pytest.mark.django_db
def test_lockout_cools_off(trainee, time_machine):
    time_machine.move_to("2026-11-01 09:00:00+08:00", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "trainee_east", "wrong", "10.0.0.2")
    assert _login(Client(), "trainee_east", "Passw0rd!2026", "10.0.0.2").status_code == 429
    time_machine.shift(settings.AXES_COOLOFF_TIME * 3600 + 60)
    assert _login(Client(), "trainee_east", "Passw0rd!2026", "10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_password_change_enforces_validators(client, trainee):
    client.force_login(trainee.user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "Passw0rd!2026", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "修改密码" in body
    assert "密码" in body and ("太常见" in body or "全是数字" in body)


@pytest.mark.django_db
def test_password_reset_sends_chinese_mail(client, trainee, mailoutbox):
    trainee.user.email = "zhangsan@example.gov.cn"
    trainee.user.save()
    response = client.post(reverse("password_reset"), {"email": "zhangsan@example.gov.cn"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "重置" in mailoutbox[0].subject
    assert "/accounts/reset/" in mailoutbox[0].body


def test_sessions_expire():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600


@pytest.mark.django_db
def test_user_without_usable_password_cannot_log_in(client, street_east, make_officer):
    officer = make_officer(street_east, username="imported01")
    officer.user.set_unusable_password()
    officer.user.save()
    response = _login(client, "imported01", "", "10.0.0.3")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wagtail_admin_is_chinese(client, hr_east):
    assert "登录" in client.get("/admin/login/").content.decode()
    client.force_login(hr_east)
    body = client.get("/admin/").content.decode()
    assert "仪表板" in body or "控制面板" in body or "搜索" in body


@pytest.mark.django_db
def test_trainee_cannot_enter_the_admin(client, trainee):
    client.force_login(trainee.user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


@pytest.mark.django_db
def test_site_history_report_is_superuser_only(client, hr_east, superuser):
    client.force_login(hr_east)
    assert client.get("/admin/reports/site-history/").status_code == 403
    assert client.get("/admin/reports/site-history/results/").status_code == 403
    client.force_login(superuser)
    assert client.get("/admin/reports/site-history/").status_code == 200
