"""Question banks, versioned questions, exam definitions, attempts and responses, practice data and qualifications."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager

from cms.models import FinalRecord, FinalRecordQuerySet, Officer, StaffCategory, Unit
from exams.paper import option_count

# Answers saved up to this many seconds after the deadline still count: it covers the last autosave in flight
# on a slow mobile connection. Documented in the exam page's help text; the issue allows at most 60 s.
GRACE_SECONDS = 30


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True/false")
    SHORT_ANSWER = "short_answer", _("Fill in the blank")
    NUMERICAL = "numerical", _("Numerical")
    MATCHING = "matching", _("Matching")
    ESSAY = "essay", _("Essay")
    CLOZE = "cloze", _("Cloze (embedded answers)")


class QuestionBank(models.Model):
    """A question bank (题库), owned by a unit."""

    code = models.CharField(_("Code"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=100)
    unit = models.ForeignKey(
        Unit, verbose_name=_("Owning unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField(_("Description"), blank=True)
    # Practice and lesson knowledge checks show every right answer, so a bank reaches them only when its owner
    # says so; a bank kept for real exams (an exam-only bank) stays secret. New banks are exam-only.
    practice_allowed = models.BooleanField(
        _("Practice allowed"),
        default=False,
        help_text=_(
            "Officers may practise this bank and lessons may quiz from it, with the right answers shown. "
            "Leave unticked for a bank whose questions must stay secret until an exam's review allows."
        ),
    )
    # Bumped whenever a question of the bank changes, so cached draw pools know they are stale.
    revision = models.PositiveBigIntegerField(_("Revision"), default=0, editable=False)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Question bank")
        verbose_name_plural = _("Question banks")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


def bump_bank_revision(bank_id) -> None:
    QuestionBank.objects.filter(pk=bank_id).update(revision=models.F("revision") + 1)


class Category(models.Model):
    """A knowledge point (知识点) in a bank's category tree; `path` is the slash-joined names from the root."""

    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("Question bank"), on_delete=models.CASCADE, related_name="categories"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Parent"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("Name"), max_length=100)
    path = models.CharField(_("Path"), max_length=500, editable=False)

    class Meta:
        verbose_name = _("Knowledge point")
        verbose_name_plural = _("Knowledge points")
        ordering = ["bank", "path"]
        constraints = [models.UniqueConstraint(fields=["bank", "path"], name="exams_category_unique_path")]

    def __str__(self) -> str:
        return self.path

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path}/{self.name}" if self.parent_id else self.name
        super().save(*args, **kwargs)

    def subtree_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}path": self.path}) | Q(**{f"{prefix}path__startswith": self.path + "/"})


class Question(models.Model):
    """An editable question. Its answer data lives in `content`; every published state is frozen as a QuestionVersion."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class StemFormat(models.TextChoices):
        PLAIN = "plain", _("Plain text")
        HTML = "html", _("HTML")
        MARKDOWN = "markdown", _("Markdown")

    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("Question bank"), on_delete=models.CASCADE, related_name="questions"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("Knowledge point"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    type = models.CharField(_("Type"), max_length=20, choices=QuestionType.choices)
    title = models.CharField(_("Title"), max_length=200, blank=True)
    stem = models.TextField(_("Stem"))
    stem_format = models.CharField(
        _("Stem format"), max_length=10, choices=StemFormat.choices, default=StemFormat.PLAIN
    )
    explanation = models.TextField(_("Explanation"), blank=True)
    legal_basis = models.TextField(_("Legal basis"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("Difficulty"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    points = models.DecimalField(_("Default points"), max_digits=6, decimal_places=2, default=Decimal("1"))
    # Type-specific answer data in the exams.formats dict shape: choices / answer / answers / pairs / blanks,
    # plus general_feedback and feedback fields.
    content = models.JSONField(_("Answer data"), default=dict, blank=True)
    tags = TaggableManager(verbose_name=_("Tags"), blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("Version"), default=0, editable=False)
    current_version = models.ForeignKey(
        "QuestionVersion",
        verbose_name=_("Current version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Question")
        verbose_name_plural = _("Questions")
        ordering = ["bank", "id"]
        indexes = [
            models.Index(fields=["bank", "status", "type"]),
            models.Index(fields=["bank", "status", "difficulty"]),
        ]

    def __str__(self) -> str:
        text = self.title or self.stem
        return text[:60]


class QuestionMedia(models.Model):
    """A file embedded in a question (a Moodle XML <file>, a picture in a Word bank), stored as a Wagtail image or
    document; the question's texts point at its URL. `name` is the file's name in the source, used again when the
    question is exported to Moodle XML (@@PLUGINFILE@@/name)."""

    question = models.ForeignKey(
        Question, verbose_name=_("Question"), on_delete=models.CASCADE, related_name="media"
    )
    name = models.CharField(_("File name"), max_length=200)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("Image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("Document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Question file")
        verbose_name_plural = _("Question files")
        constraints = [
            models.UniqueConstraint(fields=["question", "name"], name="exams_questionmedia_unique_name"),
            models.CheckConstraint(
                condition=Q(image__isnull=False, document__isnull=True)
                | Q(image__isnull=True, document__isnull=False),
                name="exams_questionmedia_one_file",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def file(self):
        return (self.image or self.document).file

    @property
    def url(self) -> str:
        return self.image.file.url if self.image_id else self.document.url


class QuestionVersion(models.Model):
    """An immutable snapshot of a question's whole content (the exams.formats dict). Attempts point here."""

    question = models.ForeignKey(
        Question, verbose_name=_("Question"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("Version"))
    data = models.JSONField(_("Content"))
    # How many options (choices, or matching right-hand texts) get shuffled: drawing a paper reads this, not `data`.
    option_count = models.PositiveSmallIntegerField(_("Options"), default=0, editable=False)
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Question version")
        verbose_name_plural = _("Question versions")
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="exams_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("question versions are immutable")
        self.option_count = option_count(self.data)
        super().save(*args, **kwargs)


class Exam(ClusterableModel):
    """An exam definition (试卷/考试): composition rules, timing, scoring and review policy, audience."""

    class GradingMethod(models.TextChoices):
        HIGHEST = "highest", _("Highest attempt")
        LAST = "last", _("Last attempt")

    class MultipleChoiceRule(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        PARTIAL = "partial", _("Partial credit for missing choices, none for a wrong choice")

    title = models.CharField(_("Title"), max_length=200)
    description = models.TextField(_("Description"), blank=True)
    # Who may change the exam: staff of this unit's subtree. No unit, or the city, means city-wide (city scope only).
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("Owning unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only staff whose scope includes this unit may change the exam."),
    )
    banks = models.ManyToManyField(QuestionBank, verbose_name=_("Question banks"), related_name="exams")
    is_published = models.BooleanField(_("Published"), default=False)
    shuffle_questions = models.BooleanField(_("Shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("Shuffle options"), default=True)
    time_limit_minutes = models.PositiveIntegerField(_("Time limit (minutes)"), default=60)
    opens_at = models.DateTimeField(_("Opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("Closes at"), null=True, blank=True)
    attempts_allowed = models.PositiveSmallIntegerField(
        _("Attempts allowed"), default=1, help_text=_("0 means unlimited.")
    )
    start_stagger_seconds = models.PositiveSmallIntegerField(
        _("Staggered start (seconds)"),
        default=0,
        validators=[MaxValueValidator(300)],
        help_text=_(
            "When many examinees start at the same moment, each start waits a random delay of up to this many "
            "seconds (the time limit runs from the real start), which spreads the rush on the server. 0: no delay."
        ),
    )
    grading_method = models.CharField(
        _("Grading method"), max_length=10, choices=GradingMethod.choices, default=GradingMethod.HIGHEST
    )
    pass_percent = models.DecimalField(
        _("Pass mark (%)"), max_digits=5, decimal_places=2, default=Decimal("60")
    )
    multiple_choice_rule = models.CharField(
        _("Multiple-choice scoring"),
        max_length=20,
        choices=MultipleChoiceRule.choices,
        default=MultipleChoiceRule.ALL_OR_NOTHING,
    )
    review_short_answers = models.BooleanField(
        _("Send wrong fill-in answers to the marking queue"),
        default=False,
        help_text=_("A fill-in answer that matched no accepted answer is checked by a marker."),
    )
    # Review policy: what the examinee sees after submitting, and after the exam has closed.
    after_submit_score = models.BooleanField(_("After submit: score"), default=True)
    after_submit_correctness = models.BooleanField(_("After submit: right or wrong"), default=False)
    after_submit_answers = models.BooleanField(_("After submit: right answers"), default=False)
    after_submit_explanations = models.BooleanField(_("After submit: explanations"), default=False)
    after_close_score = models.BooleanField(_("After close: score"), default=True)
    after_close_correctness = models.BooleanField(_("After close: right or wrong"), default=True)
    after_close_answers = models.BooleanField(_("After close: right answers"), default=True)
    after_close_explanations = models.BooleanField(_("After close: explanations"), default=True)
    # Audience: empty everywhere means everyone.
    audience_units = models.ManyToManyField(
        Unit,
        verbose_name=_("Audience units"),
        blank=True,
        related_name="+",
        help_text=_("Officers in these units or below."),
    )
    audience_categories = models.JSONField(
        _("Audience staff categories"),
        default=list,
        blank=True,
        help_text=_("Staff category codes, e.g. full_time."),
    )
    audience_officers = models.ManyToManyField(
        Officer, verbose_name=_("Audience officers"), blank=True, related_name="+"
    )
    is_qualifying = models.BooleanField(_("Qualifying exam"), default=False)
    qualification_years = models.PositiveSmallIntegerField(
        _("Qualification valid for (years)"), default=3, help_text=_("0 means no expiry.")
    )
    is_mock = models.BooleanField(
        _("Mock exam"), default=False, help_text=_("Never counts toward a qualification.")
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Exam")
        verbose_name_plural = _("Exams")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exams:exam_detail", args=[self.pk])

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.opens_at is None or self.opens_at <= now) and (
            self.closes_at is None or now < self.closes_at
        )

    def is_closed(self, now=None) -> bool:
        now = now or timezone.now()
        return self.closes_at is not None and now >= self.closes_at

    @property
    def audience_category_labels(self) -> list[str]:
        labels = dict(StaffCategory.choices)
        return [str(labels.get(c, c)) for c in self.audience_categories or []]


class ExamRule(models.Model):
    """Draw `count` questions matching the filters (empty filter = any), each worth `points` (or its default)."""

    exam = ParentalKey(Exam, verbose_name=_("Exam"), on_delete=models.CASCADE, related_name="rules")
    sort_order = models.PositiveIntegerField(_("Order"), default=0, editable=False)
    category = models.ForeignKey(
        Category,
        verbose_name=_("Knowledge point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Includes the knowledge points below it."),
    )
    tag = models.CharField(_("Tag"), max_length=100, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("Difficulty"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    question_type = models.CharField(_("Type"), max_length=20, choices=QuestionType.choices, blank=True)
    count = models.PositiveIntegerField(_("Number of questions"), default=10)
    points = models.DecimalField(
        _("Points each"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: each question's default points."),
    )

    class Meta:
        verbose_name = _("Composition rule")
        verbose_name_plural = _("Composition rules")
        ordering = ["exam", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.exam_id}: {self.count}"


class ExamFixedQuestion(models.Model):
    """A question every paper of the exam contains."""

    exam = ParentalKey(Exam, verbose_name=_("Exam"), on_delete=models.CASCADE, related_name="fixed_questions")
    sort_order = models.PositiveIntegerField(_("Order"), default=0, editable=False)
    question = models.ForeignKey(
        Question, verbose_name=_("Question"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("Points"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("Fixed question")
        verbose_name_plural = _("Fixed questions")
        ordering = ["exam", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["exam", "question"], name="exams_fixed_unique")]

    def __str__(self) -> str:
        return f"{self.exam_id}: {self.question_id}"


class Attempt(models.Model):
    """One sitting of an exam by an officer; the paper is frozen in its responses when it starts."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        NEEDS_MARKING = "needs_marking", _("Awaiting marking")
        GRADED = "graded", _("Graded")

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.PROTECT, related_name="exam_attempts"
    )
    exam = models.ForeignKey(Exam, verbose_name=_("Exam"), on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField(_("Attempt number"))
    is_mock = models.BooleanField(_("Mock"), default=False)
    seed = models.BigIntegerField(_("Random seed"))
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS, db_index=True
    )
    started_at = models.DateTimeField(_("Started at"))
    deadline = models.DateTimeField(_("Deadline"), db_index=True)
    submitted_at = models.DateTimeField(_("Submitted at"), null=True, blank=True)
    auto_submitted = models.BooleanField(_("Submitted automatically"), default=False)
    graded_at = models.DateTimeField(_("Graded at"), null=True, blank=True)
    score = models.DecimalField(_("Score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("Maximum score"), max_digits=8, decimal_places=2, default=Decimal("0"))
    percent = models.FloatField(_("Percent"), null=True, blank=True)
    passed = models.BooleanField(_("Passed"), null=True, blank=True)
    tab_switches = models.PositiveIntegerField(_("Left the page"), default=0)

    class Meta:
        verbose_name = _("Attempt")
        verbose_name_plural = _("Attempts")
        ordering = ["-started_at"]
        constraints = [
            # One open attempt per officer and exam, even when two starts race.
            models.UniqueConstraint(
                fields=["officer", "exam", "is_mock"],
                condition=Q(status="in_progress"),
                name="exams_one_open_attempt",
            ),
            models.UniqueConstraint(
                fields=["officer", "exam", "is_mock", "number"], name="exams_attempt_unique_number"
            ),
        ]
        indexes = [models.Index(fields=["exam", "status"])]

    def __str__(self) -> str:
        return f"{self.exam} · {self.officer} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("exams:attempt", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.GRADED

    @property
    def counts(self) -> bool:
        return not self.is_mock and not self.exam.is_mock

    def accepts_answers(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.IN_PROGRESS and now <= self.deadline + timedelta(
            seconds=GRACE_SECONDS
        )


class Response(models.Model):
    """One question of an attempt's paper (AttemptQuestion) and the examinee's answer to it."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("Attempt"), on_delete=models.CASCADE, related_name="responses"
    )
    position = models.PositiveIntegerField(_("Position"))
    question = models.ForeignKey(
        Question, verbose_name=_("Question"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        QuestionVersion,
        verbose_name=_("Question version"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    # Display order of the choices (or matching options): a list of source indexes.
    option_order = models.JSONField(_("Option order"), default=list, blank=True)
    points = models.DecimalField(_("Points"), max_digits=6, decimal_places=2)
    answer = models.JSONField(_("Answer"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("Save sequence"), default=0)
    saved_at = models.DateTimeField(_("Saved at"), null=True, blank=True)
    flagged = models.BooleanField(_("Flagged by the examinee"), default=False)
    auto_score = models.DecimalField(
        _("Automatic score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    needs_marking = models.BooleanField(_("Needs marking"), default=False, db_index=True)
    manual_score = models.DecimalField(
        _("Marked score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Marker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("Marked at"), null=True, blank=True)
    marker_comment = models.TextField(_("Marker's comment"), blank=True)

    class Meta:
        verbose_name = _("Response")
        verbose_name_plural = _("Responses")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="exams_response_unique_position"),
            models.UniqueConstraint(fields=["attempt", "question"], name="exams_response_unique_question"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"

    @property
    def score(self) -> Decimal | None:
        return self.manual_score if self.manual_score is not None else self.auto_score


class Mistake(models.Model):
    """错题本 entry: removed after two right answers in a row."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("Question"), on_delete=models.CASCADE, related_name="+"
    )
    wrong_count = models.PositiveIntegerField(_("Times wrong"), default=0)
    right_streak = models.PositiveSmallIntegerField(_("Right in a row"), default=0)
    last_wrong_at = models.DateTimeField(_("Last wrong at"), default=timezone.now)

    class Meta:
        verbose_name = _("Mistake")
        verbose_name_plural = _("Mistake book")
        ordering = ["-last_wrong_at"]
        constraints = [models.UniqueConstraint(fields=["officer", "question"], name="exams_mistake_unique")]

    def __str__(self) -> str:
        return f"{self.officer_id}: {self.question_id}"


class Favourite(models.Model):
    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("Question"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)

    class Meta:
        verbose_name = _("Favourite")
        verbose_name_plural = _("Favourites")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["officer", "question"], name="exams_favourite_unique")]

    def __str__(self) -> str:
        return f"{self.officer_id}: {self.question_id}"


class PracticeProgress(models.Model):
    """Where an officer is in sequential practice of a bank or knowledge point, kept across devices."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="+"
    )
    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("Question bank"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("Knowledge point"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    scope_key = models.CharField(max_length=40, editable=False)
    position = models.PositiveIntegerField(_("Next question"), default=0)
    answered = models.PositiveIntegerField(_("Answered"), default=0)
    correct = models.PositiveIntegerField(_("Right"), default=0)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Practice progress")
        verbose_name_plural = _("Practice progress")
        constraints = [models.UniqueConstraint(fields=["officer", "scope_key"], name="exams_progress_unique")]

    def __str__(self) -> str:
        return f"{self.officer_id}: {self.scope_key}"


class Qualification(models.Model):
    """资格: issued on passing a qualifying exam; may expire."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.PROTECT, related_name="qualifications"
    )
    exam = models.ForeignKey(
        Exam, verbose_name=_("Exam"), on_delete=models.PROTECT, related_name="qualifications"
    )
    attempt = models.OneToOneField(
        Attempt,
        verbose_name=_("Attempt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qualification",
    )
    certificate_no = models.CharField(_("Certificate number"), max_length=40, unique=True)
    issued_on = models.DateField(_("Issued on"))
    valid_until = models.DateField(_("Valid until"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.VALID)

    class Meta:
        verbose_name = _("Qualification")
        verbose_name_plural = _("Qualifications")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.certificate_no

    def get_absolute_url(self) -> str:
        return reverse("exams:certificate", args=[self.pk])

    def is_current(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.VALID and (self.valid_until is None or today <= self.valid_until)


class ImportJob(models.Model):
    """An uploaded question file: previewed (dry run) first, then imported, in a background task for big files."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("Question bank"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    filename = models.CharField(_("File name"), max_length=200)
    data = models.BinaryField(_("File"))
    format = models.CharField(pgettext_lazy("question file", "Format"), max_length=20)
    publish = models.BooleanField(_("Publish imported questions"), default=True)
    snap_weights = models.BooleanField(_("Move weights to the nearest Moodle grade"), default=False)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    total = models.PositiveIntegerField(_("Questions"), default=0)
    done = models.PositiveIntegerField(_("Imported"), default=0)
    result = models.JSONField(_("Result"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)

    class Meta:
        verbose_name = _("Question import")
        verbose_name_plural = _("Question imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ScoreOverride(FinalRecord):
    """A request to change the score of one answer outside marking (e.g. a wrongly keyed objective question).

    Append-only: a request never changes; a second person's decision is its own row (ScoreOverrideDecision), and
    only an approval changes the score (exams.services.decide_score_override)."""

    response = models.ForeignKey(
        Response, verbose_name=_("Response"), on_delete=models.PROTECT, related_name="score_overrides"
    )
    old_score = models.DecimalField(_("Score before"), max_digits=6, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField(_("Requested score"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("Reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("Requested at"), default=timezone.now)

    objects = FinalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Score override request")
        verbose_name_plural = _("Score override requests")
        ordering = ["-requested_at", "-id"]
        permissions = [("override_score", _("Can request and approve score overrides"))]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.old_score} → {self.new_score}"


class ScoreOverrideDecision(FinalRecord):
    """The second person's approval or rejection of a score override request; append-only, one per request."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    override = models.OneToOneField(
        ScoreOverride, verbose_name=_("Override request"), on_delete=models.PROTECT, related_name="decision"
    )
    outcome = models.CharField(_("Outcome"), max_length=10, choices=Outcome.choices)
    comment = models.TextField(_("Comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("Decided at"), default=timezone.now)

    objects = FinalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Score override decision")
        verbose_name_plural = _("Score override decisions")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.override_id}: {self.outcome}"
