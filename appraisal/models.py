"""Officers in post: case files (案卷), review rounds with cross-review (案卷评查、交叉互评), rubrics, reviews, follow-up
study, the periodic enforcement appraisal (执法考评), cross-enforcement inspections (交叉执法) and the case library
(经验推广).

Records that decisions rest on are final (cms.models.FinalRecord): a submitted review, a leader's evaluation and an
appraisal result are never edited; a correction is a new row pointing at the one it corrects, and both are audited.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from cms import uploads
from cms.models import FinalRecord, FinalRecordQuerySet, Officer, Unit
from exams.models import Category

# ---------------------------------------------------------------------------------------------------------------
# Case files


class CaseKind(models.TextChoices):
    PENALTY = "penalty", _("Administrative penalty")  # 行政处罚
    RECTIFICATION = "rectification", _("Rectification order")  # 责令整改
    COERCIVE = "coercive", _("Administrative compulsion")  # 行政强制
    INSPECTION = "inspection", _("Inspection")  # 检查
    OTHER = "other", pgettext_lazy("case kind", "Other")


class CaseFile(models.Model):
    """A closed enforcement case (案卷), handled by an officer (with co-handlers) of a unit (normally a street)."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Entered in the admin")
        IMPORT = "import", _("Imported")

    number = models.CharField(_("Case number"), max_length=60, unique=True)  # 案号, the import's key
    title = models.CharField(_("Case title"), max_length=200)  # 案由
    kind = models.CharField(_("Case kind"), max_length=16, choices=CaseKind.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("Unit"), on_delete=models.PROTECT, related_name="case_files"
    )
    handler = models.ForeignKey(
        Officer, verbose_name=_("Case handler"), on_delete=models.PROTECT, related_name="cases_handled"
    )
    co_handlers = models.ManyToManyField(
        Officer, verbose_name=_("Co-handlers"), blank=True, related_name="cases_co_handled"
    )
    party = models.CharField(
        _("Party"), max_length=200, blank=True
    )  # 当事人 (enterprise), kept off the library
    opened_on = models.DateField(_("Opened on"))
    closed_on = models.DateField(_("Closed on"), db_index=True)
    legal_provisions = models.TextField(_("Legal provisions applied"), blank=True)
    summary = models.TextField(_("Case summary"), blank=True)
    penalty_amount = models.DecimalField(
        _("Fine (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("Source"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Case file")
        verbose_name_plural = _("Case files")
        ordering = ["-closed_on", "number"]
        indexes = [models.Index(fields=["unit", "closed_on"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def handler_ids(self) -> set[int]:
        """The handler and every co-handler: none of them may review this file."""
        return {self.handler_id, *self.co_handlers.values_list("pk", flat=True)}


class CaseDocument(models.Model):
    """A scanned document of a case file (PDF or image): private storage, served only through a permission check."""

    case = models.ForeignKey(
        CaseFile, verbose_name=_("Case file"), on_delete=models.CASCADE, related_name="documents"
    )
    # Written only by services through cms.uploads (type detected from the bytes, images re-encoded), never a form.
    file = models.FileField(_("File"), storage=uploads.private_storage)
    original_name = models.CharField(_("File name"), max_length=200)
    content_type = models.CharField(_("Content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("Size (bytes)"), default=0)
    uploaded_at = models.DateTimeField(_("Uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("Case document")
        verbose_name_plural = _("Case documents")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in uploads.IMAGE_TYPES


# ---------------------------------------------------------------------------------------------------------------
# Rubrics


class Rubric(ClusterableModel):
    """A scoring rubric (评查标准) for case files or for a leader's evaluation; items carry weights and guides."""

    class Purpose(models.TextChoices):
        CASE_REVIEW = "case_review", _("Case-file review")
        LEADER = "leader", _("Leader evaluation")

    name = models.CharField(_("Rubric name"), max_length=100)
    purpose = models.CharField(
        _("Used for"), max_length=12, choices=Purpose.choices, default=Purpose.CASE_REVIEW
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("Owning unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole city's rubric, editable only at city scope."),
    )
    description = models.TextField(_("Description"), blank=True)
    is_default = models.BooleanField(_("Default"), default=False)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Rubric")
        verbose_name_plural = _("Rubrics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def total_weight(self) -> Decimal:
        return sum((item.weight for item in self.items.all()), Decimal(0))


class RubricItem(models.Model):
    """One dimension of a rubric (e.g. 事实认定), scored 0..max_score; its weight is its share of 100."""

    rubric = ParentalKey(Rubric, verbose_name=_("Rubric"), on_delete=models.CASCADE, related_name="items")
    sort_order = models.PositiveSmallIntegerField(_("Order"), default=0)
    code = models.SlugField(_("Code"), max_length=40)
    name = models.CharField(_("Rubric item"), max_length=100)
    weight = models.DecimalField(
        _("Weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Points out of the rubric's 100."),
    )
    max_score = models.PositiveSmallIntegerField(
        _("Highest score"), default=10, validators=[MinValueValidator(1)]
    )
    guide = models.TextField(_("Scoring guide"), blank=True)
    knowledge_points = ParentalManyToManyField(
        Category, verbose_name=_("Knowledge points"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Rubric item")
        verbose_name_plural = _("Rubric items")
        ordering = ["rubric", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="appraisal_rubric_item_code")]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------------------------
# Review rounds (案卷评查)


class DrawState(models.TextChoices):
    """Where a round's background draw stands (appraisal.services.rounds.request_draw → appraisal.tasks)."""

    IDLE = "idle", _("Not drawn")
    QUEUED = "queued", _("Waiting to draw")
    RUNNING = "running", _("Drawing…")
    DONE = "done", _("Drawn")
    FAILED = "failed", _("Draw failed")


class ReviewRound(models.Model):
    """A case-file review round over a unit subtree and a period: a reproducible random draw, cross-assigned."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", pgettext_lazy("review round", "Under review")
        CLOSED = "closed", pgettext_lazy("review round", "Closed")

    name = models.CharField(_("Round name"), max_length=150)
    unit = models.ForeignKey(Unit, verbose_name=_("Unit subtree"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("Closed from"))
    period_end = models.DateField(_("Closed until"))
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("Rubric"), on_delete=models.PROTECT, related_name="rounds"
    )
    seed = models.BigIntegerField(_("Random seed"), help_text=_("Stored so that the draw can be reproduced."))
    per_street = models.PositiveSmallIntegerField(
        _("Files per street"), null=True, blank=True, help_text=_("Draw this many closed files per street.")
    )
    share = models.DecimalField(
        _("Share of files"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(1))],
        help_text=_("Or draw this share of each street's files (0–1)."),
    )
    min_per_handler = models.PositiveSmallIntegerField(
        _("At least per handler"),
        default=1,
        help_text=_("Every handler with a closed file gets at least this many."),
    )
    reviews_per_file = models.PositiveSmallIntegerField(
        _("Reviews per file"), default=2, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    third_review_gap = models.DecimalField(
        _("Third review when scores differ by more than"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(10),
        help_text=_("Points out of 100."),
    )
    follow_up_days = models.PositiveSmallIntegerField(_("Follow-up due in (days)"), default=30)
    status = models.CharField(_("Status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    drawn_at = models.DateTimeField(_("Drawn at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("Closed at"), null=True, blank=True)
    # The draw runs in a django-q task (appraisal.tasks.draw_round): its state and step are written outside the
    # draw's own transaction so that the round page can show them while it runs. `draw_report` holds the counts
    # so far, the result (files, assignments, load per reviewer) or the refusal's code and parameters.
    draw_state = models.CharField(
        _("Draw status"), max_length=8, choices=DrawState.choices, default=DrawState.IDLE
    )
    draw_step = models.PositiveSmallIntegerField(_("Draw step"), default=0)
    draw_report = models.JSONField(_("Draw report"), null=True, blank=True)
    draw_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Draw requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    draw_requested_at = models.DateTimeField(_("Draw requested at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Review round")
        verbose_name_plural = _("Review rounds")
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def draw_in_progress(self) -> bool:
        return self.status == self.Status.DRAFT and self.draw_state in (DrawState.QUEUED, DrawState.RUNNING)


class RoundCase(models.Model):
    """A case file drawn into a round. `score` is the file's final score once its reviews agree (or the third decides)."""

    round = models.ForeignKey(
        ReviewRound, verbose_name=_("Review round"), on_delete=models.CASCADE, related_name="cases"
    )
    case = models.ForeignKey(
        CaseFile, verbose_name=_("Case file"), on_delete=models.PROTECT, related_name="rounds"
    )
    draw_order = models.PositiveIntegerField(_("Draw order"))
    score = models.DecimalField(_("Score"), max_digits=5, decimal_places=2, null=True, blank=True)
    needs_third = models.BooleanField(_("Needs a third review"), default=False)

    class Meta:
        verbose_name = _("Drawn case file")
        verbose_name_plural = _("Drawn case files")
        ordering = ["round", "draw_order"]
        constraints = [models.UniqueConstraint(fields=["round", "case"], name="appraisal_round_case_once")]

    def __str__(self) -> str:
        return f"{self.round} · {self.case}"


class ReviewAssignment(models.Model):
    """A reviewer asked to review one drawn file: never the handler or a co-handler, never from the file's street."""

    round_case = models.ForeignKey(
        RoundCase, verbose_name=_("Drawn case file"), on_delete=models.CASCADE, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        Officer, verbose_name=_("Reviewer"), on_delete=models.PROTECT, related_name="case_review_assignments"
    )
    ordinal = models.PositiveSmallIntegerField(_("Review number"))  # 1, 2; 3 = the deciding third review
    assigned_at = models.DateTimeField(_("Assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("Review assignment")
        verbose_name_plural = _("Review assignments")
        ordering = ["round_case", "ordinal"]
        constraints = [
            models.UniqueConstraint(
                fields=["round_case", "reviewer"], name="appraisal_one_review_per_reviewer"
            ),
            models.UniqueConstraint(fields=["round_case", "ordinal"], name="appraisal_review_ordinal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round_case} · {self.reviewer}"


class CaseReview(FinalRecord):
    """A submitted review: final. A correction is a new row whose `corrects` names the row it replaces."""

    assignment = models.ForeignKey(
        ReviewAssignment,
        verbose_name=_("Review assignment"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    total = models.DecimalField(_("Score"), max_digits=5, decimal_places=2)  # weighted, out of 100
    comment = models.TextField(_("Overall comment"), blank=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("Corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
    )
    reason = models.TextField(_("Reason for correction"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(pgettext_lazy("review", "Submitted at"), default=timezone.now)

    objects = FinalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Case review")
        verbose_name_plural = _("Case reviews")
        ordering = ["assignment", "submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment} = {self.total}"


class ReviewItemScore(FinalRecord):
    """A review's score and written finding for one rubric item."""

    review = models.ForeignKey(
        CaseReview, verbose_name=_("Case review"), on_delete=models.PROTECT, related_name="scores"
    )
    item = models.ForeignKey(
        RubricItem, verbose_name=_("Rubric item"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("Score"), max_digits=5, decimal_places=2)
    finding = models.TextField(_("Finding"), blank=True)

    objects = FinalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Item score")
        verbose_name_plural = _("Item scores")
        ordering = ["review", "item__sort_order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["review", "item"], name="appraisal_item_scored_once")]


class FollowUp(models.Model):
    """Study set for a handler from a finding tagged with a knowledge point: lessons or a practice set, due in N days."""

    class Kind(models.TextChoices):
        LESSONS = "lessons", _("Lessons")
        PRACTICE = "practice", _("Practice set")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("follow-up", "Open")
        DONE = "done", pgettext_lazy("follow-up", "Done")

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    finding = models.ForeignKey(
        ReviewItemScore, verbose_name=_("Finding"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    knowledge_point = models.ForeignKey(
        Category, verbose_name=_("Knowledge point"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    due_on = models.DateField(_("Due on"))
    status = models.CharField(_("Status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    # The mentor's 出题目 task, when the officer still had a mentor (mentorship.Assignment).
    mentor_task = models.ForeignKey(
        "mentorship.Assignment",
        verbose_name=_("Mentor task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)
    done_at = models.DateTimeField(_("Done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Follow-up study")
        verbose_name_plural = _("Follow-up study")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "finding", "knowledge_point"], name="appraisal_follow_up_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} · {self.knowledge_point}"


# ---------------------------------------------------------------------------------------------------------------
# 执法考评: the periodic appraisal of appointed officers


class AppraisalCycle(models.Model):
    """A periodic appraisal (e.g. 2026 年度执法考评) over a unit subtree, with the weights of its components shown."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("appraisal cycle", "Open")
        CLOSED = "closed", pgettext_lazy("appraisal cycle", "Closed")

    name = models.CharField(_("Cycle name"), max_length=150)
    unit = models.ForeignKey(Unit, verbose_name=_("Unit subtree"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("Period start"))
    period_end = models.DateField(_("Period end"))
    leader_rubric = models.ForeignKey(
        Rubric,
        verbose_name=_("Leader evaluation rubric"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    weight_cases = models.PositiveSmallIntegerField(_("Weight: case-file reviews"), default=30)
    weight_exams = models.PositiveSmallIntegerField(_("Weight: exam results"), default=20)
    weight_hours = models.PositiveSmallIntegerField(_("Weight: study hours"), default=15)
    weight_attendance = models.PositiveSmallIntegerField(_("Weight: session attendance"), default=10)
    weight_leader = models.PositiveSmallIntegerField(_("Weight: leader evaluation"), default=25)
    status = models.CharField(_("Status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Appraisal cycle")
        verbose_name_plural = _("Appraisal cycles")
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def weights(self) -> dict[str, int]:
        return {
            "cases": self.weight_cases,
            "exams": self.weight_exams,
            "hours": self.weight_hours,
            "attendance": self.weight_attendance,
            "leader": self.weight_leader,
        }


class LeaderEvaluation(FinalRecord):
    """A leader's rubric evaluation of an officer in a cycle: final; a correction is a new row."""

    cycle = models.ForeignKey(
        AppraisalCycle,
        verbose_name=_("Appraisal cycle"),
        on_delete=models.PROTECT,
        related_name="leader_evaluations",
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.PROTECT, related_name="+"
    )
    scores = models.JSONField(_("Item scores"), default=dict)  # {rubric item id: score}
    total = models.DecimalField(_("Score"), max_digits=5, decimal_places=2)
    comment = models.TextField(pgettext_lazy("evaluation", "Comment"), blank=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("Corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
    )
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Evaluated by"), on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(_("Evaluated at"), default=timezone.now)

    objects = FinalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Leader evaluation")
        verbose_name_plural = _("Leader evaluations")
        ordering = ["cycle", "officer", "evaluated_at", "id"]


class AppraisalBand(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")  # 优秀
    COMPETENT = "competent", _("Competent")  # 称职
    BASIC = "basic", _("Basically competent")  # 基本称职
    INCOMPETENT = "incompetent", _("Not competent")  # 不称职


class Appraisal(FinalRecord):
    """An officer's appraisal result in a cycle: components, weighted total and band. Final, audited; a correction
    is a new row (`corrects`)."""

    cycle = models.ForeignKey(
        AppraisalCycle, verbose_name=_("Appraisal cycle"), on_delete=models.PROTECT, related_name="appraisals"
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.PROTECT, related_name="appraisals"
    )
    # Each component on a 0–100 scale; None = no data (scored 0 with the reason in `missing`).
    score_cases = models.DecimalField(
        _("Case-file reviews"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score_exams = models.DecimalField(
        _("Exam results"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score_hours = models.DecimalField(_("Study hours"), max_digits=5, decimal_places=2, null=True, blank=True)
    score_attendance = models.DecimalField(
        _("Session attendance"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score_leader = models.DecimalField(
        _("Leader evaluation"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    weights = models.JSONField(_("Weights"), default=dict)  # the cycle's weights when decided
    missing = models.JSONField(_("Missing components"), default=list)
    total = models.DecimalField(_("Total score"), max_digits=5, decimal_places=2)
    band = models.CharField(_("Band"), max_length=12, choices=AppraisalBand.choices)
    note = models.TextField(_("Note"), blank=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("Corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("Decided at"), default=timezone.now)

    objects = FinalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Enforcement appraisal")
        verbose_name_plural = _("Enforcement appraisals")
        ordering = ["cycle", "officer", "decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.officer}: {self.total}"


# ---------------------------------------------------------------------------------------------------------------
# 交叉执法: officers inspect another street's enterprises during a cross-enforcement session


class Enterprise(models.Model):
    """An enterprise (生产经营单位) under a street's supervision."""

    name = models.CharField(_("Enterprise name"), max_length=200)
    credit_code = models.CharField(_("Unified social credit code"), max_length=18, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("Supervising unit"), on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField(_("Industry"), max_length=50, blank=True)
    address = models.CharField(_("Address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Enterprise")
        verbose_name_plural = _("Enterprises")
        ordering = ["unit", "name"]

    def __str__(self) -> str:
        return self.name


class CrossInspection(models.Model):
    """An officer's inspection of another street's enterprise during a 交叉执法 session, and what was found."""

    session = models.ForeignKey(
        "courses.TrainingSession",
        verbose_name=_("Training session"),
        on_delete=models.PROTECT,
        related_name="cross_inspections",
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.PROTECT, related_name="cross_inspections"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("Enterprise"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspected_on = models.DateField(_("Inspected on"), null=True, blank=True)
    hazards_found = models.PositiveSmallIntegerField(_("Hazards found"), default=0)
    documents_issued = models.PositiveSmallIntegerField(_("Documents issued"), default=0)
    findings = models.TextField(_("What was found"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("Recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Cross-enforcement inspection")
        verbose_name_plural = _("Cross-enforcement inspections")
        ordering = ["session", "officer"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "officer", "enterprise"], name="appraisal_inspection_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} → {self.enterprise}"


class InspectionPhoto(models.Model):
    """A photo of a cross-enforcement inspection: private storage, re-encoded, served through a permission check."""

    inspection = models.ForeignKey(
        CrossInspection, verbose_name=_("Inspection"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("File"), storage=uploads.private_storage)
    original_name = models.CharField(_("File name"), max_length=200)
    content_type = models.CharField(_("Content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("Size (bytes)"), default=0)

    class Meta:
        verbose_name = _("Inspection photo")
        verbose_name_plural = _("Inspection photos")

    def __str__(self) -> str:
        return self.original_name


from appraisal.importers.models import CaseImport  # noqa: E402,F401  (the case-file import record, A)
from appraisal.pages import CaseLibraryPage, CasePage, CasePageTag  # noqa: E402,F401  (the case library, D)
