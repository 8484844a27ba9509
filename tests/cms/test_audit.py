"""The audit trail is append-only and records who, what, when and from where."""

import pytest
from django.contrib.auth.models import Group

from cms import audit
from cms.models import AppendOnlyError, AuditEvent


@pytest.mark.django_db
def test_record_writes_actor_object_and_data(hr_east, trainee):
    event = audit.record(
        actor=hr_east,
        action="cms.officer_update",
        obj=trainee,
        before={"phone": ""},
        after={"phone": "13800000000"},
    )
    event.refresh_from_db()
    assert event.actor == hr_east
    assert event.object_id == str(trainee.pk)
    assert event.unit == trainee.unit
    assert event.after == {"phone": "13800000000"}
    assert event.action_label == "修改人员信息"


@pytest.mark.django_db
def test_events_cannot_be_edited_or_deleted(hr_east, trainee):
    event = audit.record(actor=hr_east, action="cms.officer_update", obj=trainee)
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "cms.officer_update"


@pytest.mark.django_db
def test_role_changes_are_audited(trainee):
    user = trainee.user
    user.groups.add(Group.objects.get(name="mentor"))
    user.groups.remove(Group.objects.get(name="mentor"))
    actions = list(
        AuditEvent.objects.filter(object_id=str(user.pk))
        .order_by("id")
        .values_list("action", "after", "before")
    )
    assert ("cms.role_grant", {"roles": ["mentor"]}, None) in actions
    assert ("cms.role_revoke", None, {"roles": ["mentor"]}) in actions


@pytest.mark.django_db
def test_ip_address_comes_from_the_request(client, trainee):
    client.force_login(trainee.user)
    client.post(
        "/accounts/password/change/",
        {
            "old_password": "Passw0rd!2026",
            "new_password1": "Zq9!long-enough",
            "new_password2": "Zq9!long-enough",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    event = AuditEvent.objects.get(action="cms.password_set")
    assert event.ip_address == "10.1.2.3"
    assert event.actor == trainee.user


@pytest.mark.parametrize(
    ("hops", "forwarded", "remote", "expected"),
    [
        (0, "", "10.1.2.3", "10.1.2.3"),
        (0, "6.6.6.6", "10.1.2.3", "10.1.2.3"),
        (0, "", "", None),
        (0, "", "garbage", None),
        (1, "6.6.6.6, 198.51.100.7", "10.0.0.1", "198.51.100.7"),
        (1, "198.51.100.7", "10.0.0.1", "198.51.100.7"),
        (1, "", "10.0.0.1", None),
        (1, "6.6.6.6, not-an-ip", "10.0.0.1", None),
        (2, "198.51.100.7", "10.0.0.1", None),
        (1, "6.6.6.6, 2001:DB8::1", "10.0.0.1", "2001:db8::1"),
    ],
)
def test_client_ip_counts_trusted_hops_from_the_right(rf, settings, hops, forwarded, remote, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert audit.client_ip(request) == expected


@pytest.mark.django_db
def test_events_appear_in_wagtails_history_with_their_actor(hr_east, trainee, django_assert_num_queries):
    from wagtail.models import ModelLogEntry

    audit.record(actor=hr_east, action="cms.officer_update", obj=trainee)  # content types now cached
    with django_assert_num_queries(2):  # the event and its mirror: no full_clean() lookups
        event = audit.record(actor=hr_east, action="cms.officer_update", obj=trainee)
    entry = ModelLogEntry.objects.get(data__audit_event=event.pk)
    assert (
        entry.user == hr_east and entry.object_id == str(trainee.pk) and entry.action == "cms.officer_update"
    )
    assert entry.label == str(trainee)


@pytest.mark.django_db
def test_record_many_writes_the_same_rows_in_two_inserts(
    hr_east, trainee, other_trainee, django_assert_num_queries
):
    from wagtail.models import ModelLogEntry

    audit.record(actor=hr_east, action="cms.officer_update", obj=trainee)
    entries = [
        {"actor": hr_east, "action": "cms.officer_update", "obj": o, "after": {"phone": str(i)}}
        for i, o in enumerate([trainee, other_trainee])
    ]
    with django_assert_num_queries(2):
        events = audit.record_many(entries)
    assert [e.object_id for e in events] == [str(trainee.pk), str(other_trainee.pk)]
    assert AuditEvent.objects.get(pk=events[1].pk).after == {"phone": "1"}
    assert events[0].unit == trainee.unit and events[1].unit == other_trainee.unit
    assert ModelLogEntry.objects.filter(data__audit_event__in=[e.pk for e in events]).count() == 2
