"""People and organisation (units, officers, employment spells, posts), the audit trail, notices and site pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node
from wagtail.models import Page


class StaffCategory(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("在编公务员")
    FULL_TIME = "full_time", _("专职安监员")
    AUXILIARY = "auxiliary", _("辅助执法人员")


class LeaveReason(models.TextChoices):
    RESIGNED = "resigned", _("辞职")
    DISMISSED = "dismissed", _("解聘")
    CONTRACT_ENDED = "contract_ended", _("合同到期")
    RETIRED = "retired", _("退休")
    TRANSFERRED_OUT = "transferred_out", _("调出(系统外)")
    INTERNAL_TRANSFER = "internal_transfer", _("内部调动")
    OTHER = "other", _("其他")


VOLUNTARY_REASONS = (LeaveReason.RESIGNED, LeaveReason.TRANSFERRED_OUT)


class Education(models.TextChoices):
    HIGH_SCHOOL = "high_school", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士研究生")
    DOCTOR = "doctor", _("博士研究生")


class Role(models.TextChoices):
    """Roles are Django groups with these names (created by a data migration)."""

    TRAINEE = "trainee", _("学员")
    MENTOR = "mentor", _("导师")
    HR = "hr", _("人事")
    TRAINING_ADMIN = "training_admin", _("培训管理员")
    UNIT_LEADER = "unit_leader", _("单位负责人")


class Unit(MP_Node):
    """A node of the organisation tree: city → district → street office."""

    class Kind(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区")
        STREET = "street", _("街道")

    code = models.CharField(_("单位代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("层级"), max_length=10, choices=Kind.choices)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return "/".join(u.name for u in [*self.get_ancestors(), self])

    def subtree_q(self, prefix: str = "") -> Q:
        """A Q object matching this unit and everything under it, for a relation named `prefix`."""
        return Q(**{f"{prefix}path__startswith": self.path})


class Specialty(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("特长")
        verbose_name_plural = _("特长")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfficerQuerySet(models.QuerySet):
    def visible_to(self, user) -> OfficerQuerySet:
        from cms.selectors import officers_visible_to

        return officers_visible_to(user, queryset=self)


class Officer(models.Model):
    """One person in the system (安监员 / 人员), linked to a Django user account."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在岗")
        LEFT = "left", _("离职")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户账号"),
        on_delete=models.PROTECT,
        related_name="officer",
        null=True,
        blank=True,
    )
    employee_no = models.CharField(_("工号"), max_length=40, unique=True)
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    gender = models.CharField(
        _("性别"), max_length=1, blank=True, choices=[("M", _("男")), ("F", _("女"))]
    )
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="officers")
    staff_category = models.CharField(_("人员类别"), max_length=20, choices=StaffCategory.choices)
    specialties = models.ManyToManyField(Specialty, verbose_name=_("特长"), blank=True, related_name="officers")
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OfficerQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["employee_no"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.name}({self.employee_no})"

    @property
    def current_spell(self) -> EmploymentSpell | None:
        spells = [s for s in self.spells.all() if s.leave_date is None]
        return max(spells, key=lambda s: s.hire_date) if spells else None

    @property
    def first_hire_date(self):
        dates = [s.hire_date for s in self.spells.all()]
        return min(dates) if dates else None


class EmploymentSpell(models.Model):
    """One continuous period of employment of an officer in one unit (任职经历)."""

    officer = models.ForeignKey(Officer, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="spells")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="spells")
    staff_category = models.CharField(_("人员类别"), max_length=20, choices=StaffCategory.choices)
    hire_date = models.DateField(_("入职日期"))
    leave_date = models.DateField(_("离职日期"), null=True, blank=True)
    leave_reason = models.CharField(_("离职原因"), max_length=20, choices=LeaveReason.choices, blank=True)

    class Meta:
        verbose_name = _("任职经历")
        verbose_name_plural = _("任职经历")
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
        end = self.leave_date.isoformat() if self.leave_date else _("至今")
        return f"{self.officer_id}: {self.hire_date.isoformat()} – {end}"

    def clean(self):
        if self.leave_date and self.leave_date < self.hire_date:
            raise ValidationError({"leave_date": _("离职日期不能早于入职日期")})
        if self.leave_date and not self.leave_reason:
            raise ValidationError({"leave_reason": _("填写了离职日期时必须填写离职原因")})
        if self.leave_reason and not self.leave_date:
            raise ValidationError({"leave_date": _("填写了离职原因时必须填写离职日期")})


class Post(models.Model):
    """A position to fill (岗位), with the specialties it wants."""

    title = models.CharField(_("岗位名称"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="posts")
    wanted_specialties = models.ManyToManyField(
        Specialty, verbose_name=_("所需特长"), blank=True, related_name="posts"
    )
    openings = models.PositiveSmallIntegerField(_("空缺人数"), default=1)
    is_open = models.BooleanField(_("开放中"), default=True)
    description = models.TextField(_("岗位说明"), blank=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["unit__path", "title"]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.title}"


class UserScope(models.Model):
    """The unit whose subtree a staff account (HR, unit leader, training admin) works on.

    Officers are scoped by their own unit; staff accounts that are not officers need this row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户账号"), on_delete=models.CASCADE, related_name="scope"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("管辖单位"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("管辖范围")
        verbose_name_plural = _("管辖范围")

    def __str__(self) -> str:
        return f"{self.user} → {self.unit}"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit record."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")


class AuditEvent(models.Model):
    """An append-only record of a domain event: who did what to which object, when, from where."""

    timestamp = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_repr = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("对象类型"), on_delete=models.SET_NULL, null=True, blank=True
    )
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("相关单位"), on_delete=models.SET_NULL, null=True, blank=True, db_constraint=False
    )
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    @property
    def action_label(self) -> str:
        from cms.audit import action_label

        return action_label(self.action)


class Notification(models.Model):
    """An in-app notice to one user. `key` makes every notice unique, so a reminder is never sent twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(_("去重键"), max_length=200)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed = models.BooleanField(_("已发邮件"), default=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_unique_key")]

    def __str__(self) -> str:
        return self.title


class HomePage(Page):
    """The site's root page: welcomes visitors and sends signed-in users to their training."""

    intro = models.TextField(_("简介"), blank=True)

    content_panels = Page.content_panels + ["intro"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")
        verbose_name_plural = _("首页")
