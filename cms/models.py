"""People and organisation (units, officers, employment spells, posts), the audit trail, notices and site pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node
from wagtail.models import Page

from cms import spells
from cms.actions import action_label


class StaffCategory(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Civil servant")
    FULL_TIME = "full_time", _("Full-time safety officer")
    AUXILIARY = "auxiliary", _("Auxiliary enforcement staff")


class LeaveReason(models.TextChoices):
    RESIGNED = "resigned", _("Resigned")
    DISMISSED = "dismissed", _("Dismissed")
    CONTRACT_ENDED = "contract_ended", _("Contract ended")
    RETIRED = "retired", _("Retired")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out (outside the system)")
    INTERNAL_TRANSFER = "internal_transfer", _("Internal transfer")
    OTHER = "other", _("Other")


VOLUNTARY_REASONS = (LeaveReason.RESIGNED, LeaveReason.TRANSFERRED_OUT)


class Education(models.TextChoices):
    HIGH_SCHOOL = "high_school", _("High school / vocational school")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTOR = "doctor", _("Doctorate")


class Role(models.TextChoices):
    """Roles are Django groups with these names (created by a data migration)."""

    TRAINEE = "trainee", _("Trainee")
    MENTOR = "mentor", _("Mentor")
    HR = "hr", _("HR")
    TRAINING_ADMIN = "training_admin", _("Training administrator")
    UNIT_LEADER = "unit_leader", _("Unit leader")


class Unit(MP_Node):
    """A node of the organisation tree: city → district → street office."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street office")

    code = models.CharField(_("Unit code"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=100)
    kind = models.CharField(_("Level"), max_length=10, choices=Kind.choices)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("Unit")
        verbose_name_plural = _("Unit")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return "/".join(u.name for u in [*self.get_ancestors(), self])

    def subtree_q(self, prefix: str = "") -> Q:
        """A Q object matching this unit and everything under it, for a relation named `prefix`."""
        return Q(**{f"{prefix}path__startswith": self.path})


class Specialty(models.Model):
    name = models.CharField(_("Name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("Specialty")
        verbose_name_plural = _("Specialty")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Officer(models.Model):
    """One person in the system (安监员 / 人员), linked to a Django user account."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("officer status", "Active")
        LEFT = "left", _("Left")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User account"),
        on_delete=models.PROTECT,
        related_name="officer",
        null=True,
        blank=True,
    )
    employee_no = models.CharField(_("Employee number"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("person", "Name"), max_length=50, db_index=True)
    gender = models.CharField(
        _("Gender"), max_length=1, blank=True, choices=[("M", _("Male")), ("F", _("Female"))]
    )
    birth_date = models.DateField(_("Date of birth"), null=True, blank=True)
    phone = models.CharField(_("Mobile phone"), max_length=20, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("Unit"), on_delete=models.PROTECT, related_name="officers")
    staff_category = models.CharField(_("Staff category"), max_length=20, choices=StaffCategory.choices)
    specialties = models.ManyToManyField(
        Specialty, verbose_name=_("Specialty"), blank=True, related_name="officers"
    )
    education = models.CharField(_("Education"), max_length=20, choices=Education.choices, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Officer")
        verbose_name_plural = _("Officer")
        ordering = ["employee_no"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"  # full-width brackets, as Chinese text writes them

    @property
    def current_spell(self) -> EmploymentSpell | None:
        return spells.current_of(self.spells.all())

    @property
    def first_hire_date(self):
        dates = [s.hire_date for s in self.spells.all()]
        return min(dates) if dates else None


class EmploymentSpell(models.Model):
    """One continuous period of employment of an officer in one unit (任职经历)."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="spells"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("Unit"), on_delete=models.PROTECT, related_name="spells")
    staff_category = models.CharField(_("Staff category"), max_length=20, choices=StaffCategory.choices)
    hire_date = models.DateField(_("Hire date"))
    leave_date = models.DateField(_("Leave date"), null=True, blank=True)
    leave_reason = models.CharField(_("Leave reason"), max_length=20, choices=LeaveReason.choices, blank=True)

    class Meta:
        verbose_name = _("Employment spell")
        verbose_name_plural = _("Employment spell")
        ordering = ["officer", "hire_date"]
        constraints = [
            models.UniqueConstraint(fields=["officer", "hire_date"], name="spell_unique_officer_hire_date"),
            models.CheckConstraint(
                condition=Q(leave_date__isnull=True) | Q(leave_date__gte=models.F("hire_date")),
                name="spell_leave_not_before_hire",
            ),
        ]
        indexes = [models.Index(fields=["hire_date", "leave_date"])]

    def __str__(self) -> str:
        end = self.leave_date.isoformat() if self.leave_date else _("present")
        return f"{self.officer_id}: {self.hire_date.isoformat()} – {end}"

    def clean(self):
        found = spells.spell_problems(self)
        if found:
            errors: dict[str, list[ValidationError]] = {}
            for problem in found:
                errors.setdefault(problem.field, []).append(problem.as_validation_error())
            raise ValidationError(errors)


class Post(models.Model):
    """A position to fill (岗位), with the specialties it wants."""

    title = models.CharField(_("Post title"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("Unit"), on_delete=models.PROTECT, related_name="posts")
    wanted_specialties = models.ManyToManyField(
        Specialty, verbose_name=_("Wanted specialties"), blank=True, related_name="posts"
    )
    openings = models.PositiveSmallIntegerField(_("Openings"), default=1)
    is_open = models.BooleanField(_("Open"), default=True)
    description = models.TextField(_("Description"), blank=True)

    class Meta:
        verbose_name = _("Post")
        verbose_name_plural = _("Post")
        ordering = ["unit__path", "title"]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.title}"


class UserScope(models.Model):
    """The unit whose subtree a staff account (HR, unit leader, training admin) works on.

    Officers are scoped by their own unit; staff accounts that are not officers need this row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User account"),
        on_delete=models.CASCADE,
        related_name="scope",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("Unit in charge"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("Staff scope")
        verbose_name_plural = _("Staff scope")

    def __str__(self) -> str:
        return f"{self.user} → {self.unit}"


class AppendOnlyError(ValueError):
    """Raised on any attempt to change or remove a final record (audit events, sign-offs, decisions)."""

    code = "final_record"


class FinalRecord(models.Model):
    """Rows that are never edited or deleted once written: a correction is a new row."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError(f"{self._meta.label} rows are final; record a new one instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} rows are final; record a new one instead")


class FinalRecordQuerySet(models.QuerySet):
    """Bulk changes are refused too, so the rule holds for querysets as well as instances."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows are final")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} rows are final")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows are final")


class AuditEvent(FinalRecord):
    """An append-only record of a domain event: who did what to which object, when, from where."""

    timestamp = models.DateTimeField(_("Time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_repr = models.CharField(_("Actor name"), max_length=150, blank=True)
    action = models.CharField(_("Action"), max_length=80, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("Object type"), on_delete=models.SET_NULL, null=True, blank=True
    )
    object_id = models.CharField(_("Object ID"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("Object"), max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("Unit concerned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
    )
    before = models.JSONField(_("Before"), null=True, blank=True)
    after = models.JSONField(_("After"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = FinalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit event")
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        # Local time and the action's label, as the audit trail shows them (the title of its detail page).
        when = timezone.localtime(self.timestamp) if self.timestamp else None
        return f"{when:%Y-%m-%d %H:%M} {self.actor_repr} {self.action_label} {self.object_repr}".strip()

    @property
    def action_label(self) -> str:
        return action_label(self.action)


class Notification(models.Model):
    """An in-app notice to one user. `key` makes every notice unique, so a reminder is never sent twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    key = models.CharField(_("Deduplication key"), max_length=200)
    title = models.CharField(_("Title"), max_length=200)
    body = models.TextField(_("Body"), blank=True)
    url = models.CharField(_("Link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("Sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("Read at"), null=True, blank=True)
    emailed = models.BooleanField(_("Emailed"), default=False)

    class Meta:
        verbose_name = _("Notification")
        verbose_name_plural = _("Notification")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_unique_key")]

    def __str__(self) -> str:
        return self.title


class HomePage(Page):
    """The site's root page: welcomes visitors and sends signed-in users to their training."""

    intro = models.TextField(_("Introduction"), blank=True)

    content_panels = Page.content_panels + ["intro"]
    max_count = 1

    class Meta:
        verbose_name = _("Home page")
        verbose_name_plural = _("Home page")


from cms.roster.models import RosterImport  # noqa: E402,F401  (registers it in the cms app)
