"""Programmes and stages, apprenticeships, mentor pairings, milestones with evidence and sign-off, assignments, evaluations."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from cms import uploads
from cms.models import FinalRecord, Officer, StaffCategory, Unit


class ProgrammeForm(WagtailAdminModelForm):
    staff_categories = forms.MultipleChoiceField(
        label=_("Staff categories covered"),
        choices=StaffCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class Programme(ClusterableModel):
    """A unit's staged training programme (培养方案) for the staff categories it covers."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("Owning unit"), on_delete=models.PROTECT, related_name="programmes"
    )
    name = models.CharField(_("Name"), max_length=100)
    version = models.PositiveSmallIntegerField(_("Version"), default=1)
    staff_categories = models.JSONField(
        _("Staff categories covered"), default=list, help_text=_("Codes: civil_servant, full_time, auxiliary")
    )
    description = models.TextField(_("Description"), blank=True)
    is_active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    base_form_class = ProgrammeForm
    panels = [
        FieldPanel("unit"),
        FieldPanel("name"),
        FieldPanel("version"),
        FieldPanel("staff_categories"),
        FieldPanel("description"),
        FieldPanel("is_active"),
        InlinePanel(
            "stages",
            label=_("Stages"),
            panels=[
                FieldPanel("order"),
                FieldPanel("name"),
                FieldPanel("due_days"),
                FieldPanel("due_from"),
                FieldPanel("min_days"),
                FieldPanel("description"),
            ],
        ),
    ]

    class Meta:
        verbose_name = _("Programme")
        verbose_name_plural = _("Programmes")
        ordering = ["unit__path", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name", "version"], name="programme_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def covers(self, staff_category: str) -> bool:
        return staff_category in (self.staff_categories or [])

    @property
    def staff_category_labels(self) -> list[str]:
        labels = dict(StaffCategory.choices)
        return [str(labels.get(code, code)) for code in self.staff_categories or []]


class Stage(ClusterableModel):
    class DueFrom(models.TextChoices):
        HIRE = "hire", _("Hire date")
        STAGE_START = "stage_start", _("Stage start")

    programme = ParentalKey(
        Programme, verbose_name=_("Programme"), on_delete=models.CASCADE, related_name="stages"
    )
    order = models.PositiveSmallIntegerField(_("Order"))
    name = models.CharField(_("Name"), max_length=100)
    description = models.TextField(_("Description"), blank=True)
    due_days = models.PositiveIntegerField(_("Due after (days)"), default=30)
    due_from = models.CharField(
        _("Due counted from"), max_length=20, choices=DueFrom.choices, default=DueFrom.STAGE_START
    )
    min_days = models.PositiveIntegerField(_("Minimum days in stage"), default=0)

    panels = [
        FieldPanel("programme"),
        FieldPanel("order"),
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("due_days"),
        FieldPanel("due_from"),
        FieldPanel("min_days"),
        InlinePanel("requirements", label=_("Requirements")),
        InlinePanel("milestones", label=_("Milestones")),
    ]

    class Meta:
        verbose_name = _("Stage")
        verbose_name_plural = _("Stages")
        ordering = ["programme", "order"]
        constraints = [models.UniqueConstraint(fields=["programme", "order"], name="stage_unique_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def due_date(self, *, hire_date: datetime.date, started_on: datetime.date) -> datetime.date:
        base = hire_date if self.due_from == self.DueFrom.HIRE else started_on
        return base + datetime.timedelta(days=self.due_days)


class StageRequirement(models.Model):
    """One thing a stage asks for besides its milestones and minimum days."""

    class Kind(models.TextChoices):
        COURSE = "course", _("Course completed")
        SESSION = "session", _("Training session attended")
        EXAM = "exam", _("Exam passed")

    stage = ParentalKey(Stage, verbose_name=_("Stage"), on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("Course"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    session = models.ForeignKey(
        "courses.TrainingSession",
        verbose_name=_("Training session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    min_score = models.DecimalField(
        _("Minimum assessment score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("Exam"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Stage requirement")
        verbose_name_plural = _("Stage requirements")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="course", course__isnull=False)
                    | Q(kind="session", session__isnull=False)
                    | Q(kind="exam", exam__isnull=False)
                ),
                name="requirement_has_target",
            )
        ]

    def __str__(self) -> str:
        target = self.course or self.session or self.exam
        return f"{self.get_kind_display()}: {target}"


class Milestone(models.Model):
    stage = ParentalKey(Stage, verbose_name=_("Stage"), on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    title = models.CharField(_("Title"), max_length=200)
    description = models.TextField(_("Description"), blank=True)
    evidence_required = models.TextField(_("Evidence required"), blank=True)

    class Meta:
        verbose_name = _("Milestone")
        verbose_name_plural = _("Milestones")
        ordering = ["stage", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Apprenticeship(models.Model):
    """An officer's run through a programme."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    officer = models.ForeignKey(
        Officer, verbose_name=_("Apprentice"), on_delete=models.PROTECT, related_name="apprenticeships"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("Programme"), on_delete=models.PROTECT, related_name="apprenticeships"
    )
    current_stage = models.ForeignKey(
        Stage,
        verbose_name=_("Current stage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    hire_date = models.DateField(_("Hire date"))
    started_on = models.DateField(_("Started on"))
    ended_on = models.DateField(_("Ended on"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("Last activity"), default=timezone.now)

    class Meta:
        verbose_name = _("Apprenticeship")
        verbose_name_plural = _("Apprenticeships")
        ordering = ["-started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer"],
                condition=Q(status="in_progress"),
                name="one_active_apprenticeship_per_officer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer.name} · {self.programme.name}"

    # For staff lists and exports; they read prefetched stage_progress and pairings.
    @property
    def current_progress(self):
        return next((p for p in self.stage_progress.all() if p.stage_id == self.current_stage_id), None)

    @property
    def days_in_stage(self) -> int | None:
        progress = self.current_progress
        if progress is None or self.ended_on:
            return None
        return (timezone.localdate() - progress.started_on).days

    @property
    def is_overdue(self) -> bool:
        progress = self.current_progress
        return bool(
            progress and self.status == self.Status.IN_PROGRESS and progress.is_overdue(timezone.localdate())
        )

    @property
    def mentor_name(self) -> str:
        return next((p.mentor.name for p in self.pairings.all() if p.ended_on is None), "")

    @property
    def unit_name(self) -> str:
        return self.officer.unit.name


class StageProgress(models.Model):
    """When an apprentice entered and finished each stage: the timeline."""

    apprenticeship = models.ForeignKey(
        Apprenticeship,
        verbose_name=_("Apprenticeship"),
        on_delete=models.CASCADE,
        related_name="stage_progress",
    )
    stage = models.ForeignKey(Stage, verbose_name=_("Stage"), on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("Started on"))
    due_on = models.DateField(_("Due on"))
    completed_on = models.DateField(_("Completed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("Stage progress")
        verbose_name_plural = _("Stage progress")
        ordering = ["apprenticeship", "stage__order"]
        constraints = [
            models.UniqueConstraint(fields=["apprenticeship", "stage"], name="stage_progress_unique")
        ]

    def __str__(self) -> str:
        return f"{self.apprenticeship} · {self.stage.name}"

    def is_overdue(self, today: datetime.date) -> bool:
        return self.completed_on is None and today > self.due_on


class Pairing(models.Model):
    """Mentor ↔ apprentice. Re-pairing ends the old row and adds a new one, so history is kept."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, verbose_name=_("Apprenticeship"), on_delete=models.CASCADE, related_name="pairings"
    )
    mentor = models.ForeignKey(
        Officer, verbose_name=_("Mentor"), on_delete=models.PROTECT, related_name="mentorings"
    )
    started_on = models.DateField(_("Started on"))
    ended_on = models.DateField(_("Ended on"), null=True, blank=True)
    end_reason = models.CharField(_("End reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Paired by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Pairing")
        verbose_name_plural = _("Pairings")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["apprenticeship"],
                condition=Q(ended_on__isnull=True),
                name="one_active_pairing_per_apprenticeship",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor.name} → {self.apprenticeship.officer.name}"


class Submission(models.Model):
    """Evidence an apprentice submits for a milestone; its state is the latest decision on it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Signed off")
        RETURNED = "returned", _("Returned")
        REVOKED = "revoked", _("Sign-off withdrawn")

    apprenticeship = models.ForeignKey(
        Apprenticeship, verbose_name=_("Apprenticeship"), on_delete=models.CASCADE, related_name="submissions"
    )
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("Milestone"), on_delete=models.PROTECT, related_name="submissions"
    )
    text = models.TextField(_("What I did"))
    happened_on = models.DateField(_("Date"))
    place = models.CharField(_("Place"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("Submitted at"), default=timezone.now)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )

    class Meta:
        verbose_name = _("Milestone evidence")
        verbose_name_plural = _("Milestone evidence")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.milestone} · {self.apprenticeship.officer.name}"


class Attachment(models.Model):
    """A photo or file attached to evidence or an assignment report; served only through a permission check."""

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("Evidence"),
        on_delete=models.CASCADE,
        related_name="attachments",
        null=True,
        blank=True,
    )
    report = models.ForeignKey(
        "AssignmentReport",
        verbose_name=_("Report"),
        on_delete=models.CASCADE,
        related_name="attachments",
        null=True,
        blank=True,
    )
    # Private storage under a random name; written only by services through cms.uploads, never from a form.
    file = models.FileField(_("File"), storage=uploads.private_storage)
    original_name = models.CharField(_("File name"), max_length=200)
    content_type = models.CharField(_("Content type"), max_length=100, blank=True)  # detected, never declared
    size = models.PositiveIntegerField(_("Size (bytes)"), default=0)

    class Meta:
        verbose_name = _("Attachment")
        verbose_name_plural = _("Attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in uploads.IMAGE_TYPES


class Decision(FinalRecord):
    """A mentor's decision on evidence. Final: never edited; a correction is a new decision."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Signed off")
        RETURNED = "returned", _("Returned for more work")
        REVOKED = "revoked", _("Sign-off withdrawn (correction)")

    submission = models.ForeignKey(
        Submission, verbose_name=_("Evidence"), on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(_("Decision"), max_length=10, choices=Outcome.choices)
    comment = models.TextField(_("Comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("Decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("Sign-off decision")
        verbose_name_plural = _("Sign-off decisions")
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} · {self.submission}"


class Assignment(models.Model):
    """A task the mentor sets during training (出题目、压担子、交任务)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        REPORTED = "reported", _("Reported")
        REVIEWED = "reviewed", _("Reviewed")
        REDO = "redo", _("To redo")

    apprenticeship = models.ForeignKey(
        Apprenticeship, verbose_name=_("Apprenticeship"), on_delete=models.CASCADE, related_name="assignments"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("Stage"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("Linked milestone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
    )
    title = models.CharField(_("Title"), max_length=200)
    description = models.TextField(_("Description"), blank=True)
    due_on = models.DateField(_("Due on"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Set by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Set at"), default=timezone.now)

    class Meta:
        verbose_name = _("Assignment")
        verbose_name_plural = _("Assignments")
        ordering = ["status", "due_on", "-created_at"]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date) -> bool:
        return (
            self.status in {self.Status.OPEN, self.Status.REDO}
            and self.due_on is not None
            and today > self.due_on
        )


class AssignmentReport(models.Model):
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("Assignment"), on_delete=models.CASCADE, related_name="reports"
    )
    text = models.TextField(_("Report"))
    submitted_at = models.DateTimeField(_("Submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("Assignment report")
        verbose_name_plural = _("Assignment reports")
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.submitted_at:%Y-%m-%d}"


class AssignmentReview(models.Model):
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("Assignment"), on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(
        _("Rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("Comment"), blank=True)
    accepted = models.BooleanField(_("Accepted"), default=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("Reviewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("Assignment review")
        verbose_name_plural = _("Assignment reviews")
        ordering = ["reviewed_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.rating}/5"


APPRENTICE_RUBRIC = [
    ("law_knowledge", _("Legal knowledge")),
    ("inspection_skill", _("Inspection skills")),
    ("enforcement_procedure", _("Enforcement procedure")),
    ("document_writing", _("Document writing")),
    ("communication", _("Communication and coordination")),
    ("attitude", _("Work attitude")),
]
MENTOR_RUBRIC = [
    ("guidance", _("Time and care given")),
    ("expertise", _("Professional expertise")),
    ("clarity", _("Clear explanations and feedback")),
    ("role_model", _("Sets a good example")),
]


class Evaluation(models.Model):
    """A rubric evaluation at a stage end: mentor → apprentice, or apprentice → mentor."""

    class Direction(models.TextChoices):
        OF_APPRENTICE = "of_apprentice", _("Mentor evaluates apprentice")
        OF_MENTOR = "of_mentor", _("Apprentice evaluates mentor")

    apprenticeship = models.ForeignKey(
        Apprenticeship, verbose_name=_("Apprenticeship"), on_delete=models.CASCADE, related_name="evaluations"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("Stage"), on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("Direction"), max_length=20, choices=Direction.choices)
    mentor = models.ForeignKey(Officer, verbose_name=_("Mentor"), on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(_("Scores"), default=dict)
    comments = models.JSONField(_("Comments per criterion"), default=dict)
    overall_comment = models.TextField(_("Overall comment"), blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Evaluator"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Evaluated at"), default=timezone.now)

    class Meta:
        verbose_name = _("Evaluation")
        verbose_name_plural = _("Evaluations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["apprenticeship", "stage", "direction"], name="one_evaluation_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} · {self.stage.name}"

    @property
    def average(self) -> float | None:
        values = [v for v in self.scores.values() if isinstance(v, int | float)]
        return round(sum(values) / len(values), 2) if values else None


@register_setting(icon="group")
class MentorshipSettings(BaseGenericSetting):
    """Pairing rules and reminder thresholds, editable in the admin."""

    mentor_requires_qualification = models.BooleanField(
        _("Mentor must hold a valid qualification"), default=True
    )
    mentor_min_years = models.PositiveSmallIntegerField(_("Mentor's minimum tenure (years)"), default=3)
    mentor_max_apprentices = models.PositiveSmallIntegerField(
        _("Most active apprentices per mentor"), default=3
    )
    auto_start_window_days = models.PositiveSmallIntegerField(
        _("Start the programme automatically for hires of the last (days)"), default=180
    )
    review_reminder_days = models.PositiveSmallIntegerField(
        _("Remind mentor when evidence waits (days)"), default=3
    )
    inactivity_days = models.PositiveSmallIntegerField(
        _("Remind an inactive apprentice after (days)"), default=14
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("Escalate to the unit leader after a further (days)"), default=7
    )

    class Meta:
        verbose_name = _("Mentoring rules")
