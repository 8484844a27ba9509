"""Weakness 6: HR took over accounts by changing their e-mail through a roster import, then using 忘记密码.

An import now changes the address only of a fresh trainee account nobody can log in to; for an account in use the
change waits until the holder confirms it from a link sent to the new address. The old address is always told,
and a completed password reset is audited.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import AuditEvent
from cms.services import roster_import

OLD = "zhangsan@example.gov.cn"
EVIL = "hr-owned@evil.example"
HEADER = "工号,姓名,单位,人员类别,入职日期,邮箱"


def _roster_with_email(officer, email):
    row = f"{officer.employee_no},{officer.name},示范市/东城区/东华街道,full_time,2024-03-01,{email}"
    return f"{HEADER}\n{row}\n".encode()


def _import(hr, officer, email, capture):
    with capture(execute=True):
        result = roster_import(actor=hr, file_name="roster.csv", data=_roster_with_email(officer, email))
    assert not result.errors, [e.message for e in result.errors]
    return result


def _request_reset(email, capture):
    with capture(execute=True):
        return Client().post(reverse("password_reset"), {"email": email})


@pytest.fixture
def officer_in_use(trainee):
    trainee.user.email = OLD
    trainee.user.save()
    return trainee


@pytest.mark.django_db
def test_import_cannot_redirect_password_resets_of_an_account_in_use(
    officer_in_use, hr_east, mailoutbox, django_capture_on_commit_callbacks
):
    _import(hr_east, officer_in_use, EVIL, django_capture_on_commit_callbacks)
    officer_in_use.user.refresh_from_db()
    assert officer_in_use.user.email == OLD
    # The attacker's 忘记密码 with the address HR planted sends no reset link anywhere.
    mailoutbox.clear()
    _request_reset(EVIL, django_capture_on_commit_callbacks)
    assert not [m for m in mailoutbox if "/accounts/reset/" in m.body]
    assert AuditEvent.objects.filter(
        action="cms.email_change_held", object_id=str(officer_in_use.user.pk)
    ).exists()


@pytest.mark.django_db
def test_held_change_asks_the_new_address_and_tells_the_old_one(
    officer_in_use, hr_east, mailoutbox, django_capture_on_commit_callbacks
):
    _import(hr_east, officer_in_use, EVIL, django_capture_on_commit_callbacks)
    to_new = [m for m in mailoutbox if m.to == [EVIL]]
    to_old = [m for m in mailoutbox if m.to == [OLD]]
    assert len(to_new) == 1 and "/accounts/email/confirm/" in to_new[0].body
    assert len(to_old) == 1 and EVIL in to_old[0].body


@pytest.mark.django_db
def test_only_the_signed_in_holder_can_confirm(
    officer_in_use, other_trainee, hr_east, mailoutbox, django_capture_on_commit_callbacks
):
    _import(hr_east, officer_in_use, "new-address@example.gov.cn", django_capture_on_commit_callbacks)
    link = re.search(r"(/accounts/email/confirm/[^/\s]+/)", mailoutbox[0].body).group(1)

    anonymous = Client().post(link)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    stranger = Client()
    stranger.force_login(other_trainee.user)
    assert stranger.post(link).status_code == 400
    assert stranger.get(link).status_code == 400  # told at once, not after pressing a button
    officer_in_use.user.refresh_from_db()
    assert officer_in_use.user.email == OLD

    holder = Client()
    holder.force_login(officer_in_use.user)
    assert "new-address@example.gov.cn" in holder.get(link).content.decode()  # the page names the new address
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert holder.post(link).status_code == 302
    officer_in_use.user.refresh_from_db()
    assert officer_in_use.user.email == "new-address@example.gov.cn"
    assert [m.to for m in mailoutbox] == [[OLD]]  # the old address is told
    event = AuditEvent.objects.get(action="cms.email_change")
    assert event.before == {"email": OLD} and event.after == {"email": "new-address@example.gov.cn"}
    # A link is good once: the address it was issued against is gone.
    assert holder.post(link).status_code == 400


@pytest.mark.django_db
def test_a_role_beyond_trainee_is_protected_even_without_a_password(
    street_east, make_officer, hr_east, django_capture_on_commit_callbacks
):
    mentor = make_officer(street_east, username="mentor_no_pw", roles=("trainee", "mentor"), name="王五")
    mentor.user.set_unusable_password()
    mentor.user.email = OLD
    mentor.user.save()
    _import(hr_east, mentor, EVIL, django_capture_on_commit_callbacks)
    mentor.user.refresh_from_db()
    assert mentor.user.email == OLD


@pytest.mark.django_db
def test_fresh_account_takes_the_address_and_the_old_one_is_told(
    street_east, make_officer, hr_east, mailoutbox, django_capture_on_commit_callbacks
):
    fresh = make_officer(street_east, username="imported07", name="赵六")
    fresh.user.set_unusable_password()
    fresh.user.email = OLD
    fresh.user.save()
    _import(hr_east, fresh, "zhaoliu@example.gov.cn", django_capture_on_commit_callbacks)
    fresh.user.refresh_from_db()
    assert fresh.user.email == "zhaoliu@example.gov.cn"
    assert [m.to for m in mailoutbox] == [[OLD]]
    assert "zhaoliu@example.gov.cn" in mailoutbox[0].body


@pytest.mark.django_db
def test_address_changed_in_the_admin_tells_the_old_one(
    officer_in_use, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        officer_in_use.user.email = "elsewhere@example.gov.cn"
        officer_in_use.user.save()
    assert [m.to for m in mailoutbox] == [[OLD]]


@pytest.mark.django_db
def test_password_reset_completion_is_audited_with_user_and_ip(
    officer_in_use, mailoutbox, django_capture_on_commit_callbacks
):
    _request_reset(OLD, django_capture_on_commit_callbacks)
    path = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    client = Client()
    form_url = client.get(path).url  # Django swaps the token for a session and redirects
    response = client.post(
        form_url,
        {"new_password1": "Zq9!long-enough", "new_password2": "Zq9!long-enough"},
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="cms.password_reset")
    assert event.actor == officer_in_use.user
    assert event.object_id == str(officer_in_use.user.pk)
    assert event.ip_address == "10.20.30.40"
