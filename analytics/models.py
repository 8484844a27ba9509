"""Selection boards (择优选用) and appointment decisions (任用决定)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import FinalRecord, Officer, Post, Unit

COMPONENT_LABELS = {
    "self_study": _("Self-study completion"),
    "timeliness": _("Self-study on time"),
    "training": _("Centralized training assessment"),
    "exam": _("Must-know exam score"),
    "mentor_evaluation": _("Mentor evaluations"),
    "milestones_on_time": _("Milestones signed off on time"),
    "appraisal": _("Enforcement appraisal"),  # 执法考评: the officer's latest appraisal total (appraisal app)
}


# Why a component can be missing for a candidate (shown beside its 0 on the board).
MISSING_REASONS = {
    "self_study": _("no self-study course assigned"),
    "timeliness": _("no self-study course with a due date completed yet"),
    "training": _("no centralized training assessment score yet"),
    "exam": _("no graded attempt at a qualifying exam yet"),
    "mentor_evaluation": _("no mentor evaluation yet"),
    "milestones_on_time": _("no milestone signed off yet"),
    "appraisal": _("no enforcement appraisal yet"),
}


def _weight(component: str, default: int) -> models.DecimalField:
    """A board's weight for one score component (relative; 0 leaves the component out)."""
    return models.DecimalField(
        COMPONENT_LABELS[component],
        max_digits=5,
        decimal_places=2,
        default=default,
        validators=[MinValueValidator(0)],
    )


class SelectionBoard(models.Model):
    """A round of choosing the best candidates, with its own weights."""

    title = models.CharField(_("Title"), max_length=200)
    unit = models.ForeignKey(Unit, verbose_name=_("Unit"), on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        "mentorship.Programme",
        verbose_name=_("Programme cohort"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Candidates: apprentices of this programme hired in the period below."),
    )
    hired_from = models.DateField(_("Hired from"), null=True, blank=True)
    hired_to = models.DateField(_("Hired to"), null=True, blank=True)
    candidates = models.ManyToManyField(
        Officer,
        verbose_name=_("Other candidates"),
        blank=True,
        related_name="+",
        help_text=_("Any officers to add to the cohort."),
    )
    w_self_study = _weight("self_study", 15)
    w_timeliness = _weight("timeliness", 10)
    w_training = _weight("training", 20)
    w_exam = _weight("exam", 25)
    w_mentor_evaluation = _weight("mentor_evaluation", 20)
    w_milestones_on_time = _weight("milestones_on_time", 10)
    # 0 by default: trainees awaiting appointment have no appraisal yet; boards choosing among officers in post
    # give it a weight.
    w_appraisal = _weight("appraisal", 0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)

    class Meta:
        verbose_name = _("Selection board")
        verbose_name_plural = _("Selection boards")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def weights(self) -> dict[str, float]:
        return {key: float(getattr(self, f"w_{key}")) for key in COMPONENT_LABELS}


class AppointmentDecision(FinalRecord):
    """HR's decision on one candidate. Final: a change is a new decision; the latest one stands."""

    class Outcome(models.TextChoices):
        APPOINT = "appoint", _("Appoint to a post")
        EXTEND = "extend", _("Extend probation")
        NOT_APPOINT = "not_appoint", _("Do not appoint")

    board = models.ForeignKey(
        SelectionBoard, verbose_name=_("Selection board"), on_delete=models.PROTECT, related_name="decisions"
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("Candidate"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("Decision"), max_length=20, choices=Outcome.choices)
    post = models.ForeignKey(
        Post, verbose_name=_("Post"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rationale = models.TextField(_("Rationale"))
    score = models.DecimalField(
        _("Composite score at the time"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("Decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("Appointment decision")
        verbose_name_plural = _("Appointment decisions")
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.officer.name} · {self.get_outcome_display()}"
