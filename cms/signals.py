"""Audits role changes wherever they happen (admin, shell, services): group membership is the role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import Signal

from cms import audit
from cms.email_change import notify_old_address

User = get_user_model()

# Sent after a bulk change of officers or their spells (e.g. a roster import), once, inside the transaction.
# kwargs: officer_ids (list of ints), by (the acting user or None). Higher apps (mentorship) start or withdraw programmes from it.
# Receivers write inside that transaction, not after its commit: the change and its consequences commit together,
# and a task redelivered after its worker died redoes both.
officers_changed = Signal()


def audit_role_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    actor = audit.current_user()
    code = "cms.role_grant" if action == "post_add" else "cms.role_revoke"
    if reverse:  # group.user_set.add(users…): one event for the group change, naming the accounts
        group = instance
        usernames = sorted(User.objects.filter(pk__in=pk_set or []).values_list("username", flat=True))
        if usernames:
            key = "after" if action == "post_add" else "before"
            audit.record(
                actor=actor, action=code, obj=group, **{key: {"role": group.name, "users": usernames}}
            )
        return
    if action == "pre_clear":
        names = list(instance.groups.values_list("name", flat=True))
        if names:
            audit.record(actor=actor, action="cms.role_revoke", obj=instance, before={"roles": names})
        return
    names = list(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
    if names:
        key = "after" if action == "post_add" else "before"
        audit.record(actor=actor, action=code, obj=instance, **{key: {"roles": sorted(names)}})


def remember_old_email(sender, instance, update_fields=None, raw=False, **kwargs):
    """Notes the stored address before a save that may change it (login's last_login saves are skipped)."""
    if raw or instance.pk is None or (update_fields is not None and "email" not in update_fields):
        return
    instance._stored_email = (
        User._default_manager.filter(pk=instance.pk).values_list("email", flat=True).first()
    )


def notify_email_change(sender, instance, created, raw=False, **kwargs):
    """Whoever changes an account's address (admin, shell, the holder), the old address is told."""
    old = instance.__dict__.pop("_stored_email", None)
    if raw or created or not old or old == (instance.email or ""):
        return
    notify_old_address(user=instance, old_email=old, new_email=instance.email or "")


def connect() -> None:
    m2m_changed.connect(audit_role_change, sender=User.groups.through, dispatch_uid="cms.audit_role_change")
    pre_save.connect(remember_old_email, sender=User, dispatch_uid="cms.remember_old_email")
    post_save.connect(notify_email_change, sender=User, dispatch_uid="cms.notify_email_change")
