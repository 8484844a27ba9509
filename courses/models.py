"""Curriculum pages (index → course → lesson), enrolments and lesson progress, centralized training sessions with
registrations and attendance, and the append-only study-hours ledger."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms import extensions
from cms.admin_widgets import JSONCheckboxes, JSONLinesTextarea
from cms.models import FinalRecord, FinalRecordQuerySet, Officer, StaffCategory, Unit
from cms.selectors import officer_of
from courses.blocks import LessonBodyBlock


class CourseCategory(models.TextChoices):
    LAW = "law", _("Laws and regulations")
    THEORY = "theory", _("Basic theory")
    PRACTICE = "practice", _("Enforcement practice")
    EMERGENCY = "emergency", _("Emergency response")
    OTHER = "other", _("Other")


# The learner-shell tab of the curriculum pages (they are served by Wagtail, outside its /learn/ prefix).
NAV_SECTION = "courses:search"


def completion_share() -> float:
    """Share of a lesson's estimated time a learner must actually spend on it (settings.COURSES_COMPLETION_SHARE)."""
    return float(getattr(settings, "COURSES_COMPLETION_SHARE", 0.8))


# --- curriculum pages --------------------------------------------------------------------------------------------------


@method_decorator(login_required, name="serve")
class CurriculumIndexPage(Page):
    """The curriculum (课程体系): lists its courses by category."""

    intro = models.TextField(_("Introduction"), blank=True)

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    content_panels = Page.content_panels + ["intro"]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = _("Curriculum")
        verbose_name_plural = _("Curricula")

    def get_context(self, request, *args, **kwargs):
        from courses import selectors  # cycle

        context = super().get_context(request, *args, **kwargs)
        context["nav_section"] = NAV_SECTION
        context["groups"] = selectors.curriculum_groups(self, request.user)
        return context


class CoursePageForm(WagtailAdminPageForm):
    """A course is never its own prerequisite: it is left out of the tick boxes, so a forged choice of it is refused
    as any unknown choice is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("prerequisites")
        if field is not None and self.instance.pk:
            field.queryset = field.queryset.exclude(pk=self.instance.pk)


@method_decorator(login_required, name="serve")
class CoursePage(Page):
    """A course (课程): a sequence of lessons, with its study hours and an optional end-of-course quiz."""

    summary = models.TextField(_("Summary"))
    objectives = models.JSONField(_("Learning objectives"), default=list, blank=True)
    category = models.CharField(_("Category"), max_length=20, choices=CourseCategory.choices)
    study_hours = models.DecimalField(
        _("Study hours"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    target_categories = models.JSONField(
        _("Target staff categories"),
        default=list,
        blank=True,
        help_text=_("Empty means every staff category."),
    )
    prerequisites = ParentalManyToManyField(
        "courses.CoursePage", verbose_name=_("Prerequisites"), blank=True, related_name="required_by"
    )
    is_open = models.BooleanField(
        _("Open for self-enrolment"), default=False, help_text=_("Officers may enrol themselves.")
    )
    quiz = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("End-of-course quiz"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("When set, the course is complete only once this exam is passed."),
    )

    parent_page_types = ["courses.CurriculumIndexPage"]
    subpage_types = ["courses.LessonPage"]
    base_form_class = CoursePageForm
    content_panels = Page.content_panels + [
        "summary",
        MultiFieldPanel(
            [FieldPanel("category"), FieldPanel("study_hours"), FieldPanel("is_open"), FieldPanel("quiz")],
            heading=_("Course settings"),
        ),
        FieldPanel("objectives", widget=JSONLinesTextarea(), help_text=_("One learning objective per line.")),
        FieldPanel(
            "target_categories",
            widget=JSONCheckboxes(choices=StaffCategory.choices),
            help_text=_("Tick none for a course meant for every staff category."),
        ),
        FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),  # a handful of courses: tick boxes
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("objectives"),
        index.FilterField("category"),
    ]

    class Meta:
        verbose_name = _("Course")
        verbose_name_plural = _("Courses")

    def clean(self):
        super().clean()
        if not isinstance(self.objectives, list) or not all(isinstance(o, str) for o in self.objectives):
            raise ValidationError({"objectives": _("Enter a list of texts.")})
        codes = set(StaffCategory.values)
        if not isinstance(self.target_categories, list) or not set(self.target_categories) <= codes:
            raise ValidationError(
                {
                    "target_categories": _("Use staff category codes: %(codes)s.")
                    % {"codes": ", ".join(sorted(codes))}
                }
            )

    @property
    def target_category_labels(self) -> list[str]:
        labels = dict(StaffCategory.choices)
        return [str(labels.get(c, c)) for c in self.target_categories or []]

    def get_context(self, request, *args, **kwargs):
        from courses import selectors  # cycle

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.course_outline(self, request.user), nav_section=NAV_SECTION)
        return context


@method_decorator(login_required, name="serve")
class LessonPage(Page):
    """A lesson (课时): a StreamField body read on a phone; time on it is credited by the heartbeat."""

    estimated_minutes = models.PositiveIntegerField(
        _("Estimated minutes"), default=20, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    required = models.BooleanField(
        _("Required"), default=True, help_text=_("Counts toward course completion.")
    )
    complete_on_check = models.BooleanField(
        _("Require the knowledge check"),
        default=True,
        help_text=_(
            "Besides the reading time, the lesson completes only when every knowledge-check question on the page "
            "has been answered right or has used up its tries."
        ),
    )
    body = StreamField(LessonBodyBlock(), verbose_name=_("Body"), blank=True)

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []
    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("estimated_minutes"), FieldPanel("required"), FieldPanel("complete_on_check")],
            heading=_("Lesson settings"),
        ),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]

    class Meta:
        verbose_name = _("Lesson")
        verbose_name_plural = _("Lessons")

    @property
    def required_seconds(self) -> int:
        return int(round(self.estimated_minutes * 60 * completion_share()))

    def knowledge_check_blocks(self):
        return [b for b in self.body if b.block_type == "knowledge_check"]

    def get_context(self, request, *args, **kwargs):
        from courses import selectors  # cycle

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.lesson_state(self, request.user), nav_section=NAV_SECTION)
        context["sections"] = [s for s in (fn(request, self) for fn in extensions.LESSON_SECTIONS) if s]
        if context["officer"] is not None:
            context["lesson_config"] = lesson_config(self, request, context)
        return context

    def serve(self, request, *args, **kwargs):
        from courses import services  # cycle

        officer = officer_of(request.user)
        if officer is not None and request.method == "GET":
            services.lesson_opened(officer=officer, lesson=self)
        return super().serve(request, *args, **kwargs)


def lesson_config(lesson: LessonPage, request, context) -> dict:
    """What lesson.js needs: endpoints, the clock rules and the translated texts it shows."""
    progress = context.get("progress")
    return {
        "tracking": bool(context.get("tracking")),
        "heartbeatUrl": reverse("courses:heartbeat", args=[lesson.pk]),
        "checkUrl": reverse("courses:check_answer", args=[lesson.pk]),
        "csrf": get_token(request),
        "interval": 15000,
        "position": progress.last_position if progress else 0,
        "completed": bool(progress and progress.completed_at),
        "checkRequired": bool(context.get("check_required")),
        "text": {
            "completed": str(_("Completed")),
            "inProgress": str(pgettext("lesson", "In progress")),
            "right": str(_("Right!")),
            "wrong": str(_("Not quite.")),
            "rightAnswer": str(_("Right answer:")),
            "triesLeft": str(_("Read the lesson again and try once more (%(n)s left).")),
            "noTries": str(_("No tries left; here is the answer.")),
            "clock": str(_("Read %(spent)s of %(required)s min")),
            "checkPending": str(_("Also needed: answer the knowledge check.")),
            "legalBasis": str(_("Legal basis:")),
            "error": str(_("Could not check the answer; try again.")),
            "lessonDone": str(_("Lesson completed.")),
        },
    }


# --- enrolment and progress --------------------------------------------------------------------------------------------


class Enrolment(models.Model):
    """An officer's enrolment (选课/指派) in a course."""

    class Source(models.TextChoices):
        PROGRAMME = "programme", _("Training programme")
        UNIT = "unit", _("Unit assignment")
        SELF = "self", _("Self-enrolment")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        CoursePage, verbose_name=_("Course"), on_delete=models.CASCADE, related_name="enrolments"
    )
    source = models.CharField(_("Source"), max_length=12, choices=Source.choices, default=Source.UNIT)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("Due date"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=12, choices=Status.choices, default=Status.ENROLLED)
    enrolled_at = models.DateTimeField(_("Enrolled at"), default=timezone.now)
    completed_at = models.DateTimeField(_("Completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Enrolment")
        verbose_name_plural = _("Enrolments")
        ordering = ["due_date", "enrolled_at"]
        constraints = [models.UniqueConstraint(fields=["officer", "course"], name="courses_enrolment_unique")]
        indexes = [models.Index(fields=["course", "status"]), models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.officer} · {self.course_id}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status != self.Status.COMPLETED and self.due_date is not None and self.due_date < today


class LessonProgress(models.Model):
    """How far an officer is in one lesson. Time is credited only by heartbeats (see services.heartbeat)."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="+"
    )
    lesson = models.ForeignKey(
        LessonPage, verbose_name=_("Lesson"), on_delete=models.CASCADE, related_name="progress_rows"
    )
    course = models.ForeignKey(
        CoursePage, verbose_name=_("Course"), on_delete=models.CASCADE, related_name="+", db_index=True
    )
    started_at = models.DateTimeField(_("Started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("Completed at"), null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(_("Seconds spent"), default=0)
    last_position = models.FloatField(_("Last position"), default=0.0)
    last_anchor = models.CharField(_("Last anchor"), max_length=80, blank=True)
    reached_end = models.BooleanField(_("Reached the end"), default=False)
    last_heartbeat_at = models.DateTimeField(_("Last heartbeat"), null=True, blank=True)
    last_interaction_at = models.DateTimeField(_("Last interaction"), null=True, blank=True)
    # Practice only, never a graded record: {block id: [question ids answered right], "tries": {"<block id>:
    # <question id>": tries used}}; check_passed: every question settled (knowledge.check_done).
    check_state = models.JSONField(_("Knowledge check state"), default=dict, blank=True)
    check_passed = models.BooleanField(_("Knowledge check done"), default=False)

    class Meta:
        verbose_name = _("Lesson progress")
        verbose_name_plural = _("Lesson progress")
        constraints = [models.UniqueConstraint(fields=["officer", "lesson"], name="courses_progress_unique")]
        indexes = [models.Index(fields=["officer", "course"])]

    def __str__(self) -> str:
        return f"{self.officer_id} · {self.lesson_id}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class StudyClock(models.Model):
    """Up to when an officer's reading time has been credited, across all lessons. A heartbeat credits only
    time after this instant, so lessons open side by side (or scripted) share one wall clock."""

    officer = models.OneToOneField(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    credited_until = models.DateTimeField(_("Credited until"))
    lesson = models.ForeignKey(
        LessonPage,
        verbose_name=_("Last credited lesson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Study clock")
        verbose_name_plural = _("Study clocks")

    def __str__(self) -> str:
        return f"{self.officer_id}: {self.credited_until:%Y-%m-%d %H:%M:%S}"


# --- centralized training ----------------------------------------------------------------------------------------------


class SessionKind(models.TextChoices):
    """What a session is: centralized training, a demonstration to watch, cross-enforcement, or something else.
    Every kind credits attended days as study hours in the same way; the days of the practice kinds
    (`PRACTICE_SESSION_KINDS`) also count as practice (实践学时) in the personal record."""

    TRAINING = "training", _("Centralized training")  # 集训
    DEMONSTRATION = "demonstration", _("Enforcement demonstration")  # 示范观摩
    CROSS_ENFORCEMENT = "cross_enforcement", _("Cross-enforcement")  # 交叉执法
    OTHER = "other", pgettext_lazy("session kind", "Other")


# Enforcement practice: watching a demonstration case handled, or enforcing in another street.
PRACTICE_SESSION_KINDS = (SessionKind.DEMONSTRATION, SessionKind.CROSS_ENFORCEMENT)


class TrainingSession(ClusterableModel):
    """A centralized training class (集训班) organised by a unit for officers of its subtree; its kind says whether
    it is training, a demonstration (示范观摩) or cross-enforcement (交叉执法)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for registration")
        CLOSED = "closed", _("Registration closed")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("Title"), max_length=200)
    kind = models.CharField(
        _("Session kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.TRAINING
    )
    organizer = models.ForeignKey(
        Unit, verbose_name=_("Organizer unit"), on_delete=models.PROTECT, related_name="training_sessions"
    )
    description = models.TextField(_("Description"), blank=True)
    location = models.CharField(_("Location"), max_length=200)
    capacity = models.PositiveIntegerField(_("Capacity"), validators=[MinValueValidator(1)])
    hours_per_day = models.DecimalField(
        _("Study hours per day"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Leave empty to split the total evenly over the days."),
    )
    total_hours = models.DecimalField(
        _("Total study hours"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    courses = models.ManyToManyField(
        CoursePage, verbose_name=_("Courses covered"), blank=True, related_name="+"
    )
    registration_opens = models.DateTimeField(_("Registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("Registration closes"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("kind"),
        FieldPanel("organizer"),
        FieldPanel("status"),
        FieldPanel("location"),
        FieldPanel("capacity"),
        MultiFieldPanel([FieldPanel("hours_per_day"), FieldPanel("total_hours")], heading=_("Study hours")),
        MultiFieldPanel(
            [FieldPanel("registration_opens"), FieldPanel("registration_closes")],
            heading=_("Registration window"),
        ),
        FieldPanel("courses"),
        FieldPanel("description"),
        InlinePanel("days", label=_("Days"), min_num=1),
    ]

    class Meta:
        verbose_name = _("Training session")
        verbose_name_plural = _("Training sessions")
        ordering = ["-registration_closes", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if self.hours_per_day is None and self.total_hours is None:
            raise ValidationError({"total_hours": _("Give the study hours per day or in total.")})
        if (
            self.registration_opens
            and self.registration_closes
            and self.registration_opens > self.registration_closes
        ):
            raise ValidationError({"registration_closes": _("Registration cannot close before it opens.")})

    def hours_for_day(self, day_count: int | None = None) -> Decimal:
        if self.hours_per_day is not None:
            return Decimal(self.hours_per_day)
        count = day_count if day_count is not None else self.days.count()
        if not count:
            return Decimal("0")
        return (Decimal(self.total_hours or 0) / count).quantize(Decimal("0.01"))

    def registration_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.OPEN
            and (self.registration_opens is None or self.registration_opens <= now)
            and (self.registration_closes is None or now < self.registration_closes)
        )


def new_checkin_code() -> str:
    """The former fixed per-day code; kept only because migration 0001 refers to it."""
    return f"{secrets.randbelow(10**6):06d}"


# Officers may check in from an hour before a day starts until it ends.
CHECKIN_OPENS_MINUTES_BEFORE = 60
# Failed check-in tries an officer gets per calendar day; after that only the organizer can record attendance.
CHECKIN_TRIES_PER_DAY = 5


def checkin_step_seconds() -> int:
    """How long one rotating check-in code is shown (settings.COURSES_CHECKIN_STEP_SECONDS, default 60)."""
    return max(10, int(getattr(settings, "COURSES_CHECKIN_STEP_SECONDS", 60)))


class TrainingDay(models.Model):
    """One dated day of a session. Its check-in code is not stored: it rotates (see `checkin_code`)."""

    session = ParentalKey(
        TrainingSession, verbose_name=_("Training session"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("Date"))
    start = models.TimeField(_("Starts"))
    end = models.TimeField(_("Ends"))

    panels = ["date", "start", "end"]

    class Meta:
        verbose_name = _("Training day")
        verbose_name_plural = _("Training days")
        ordering = ["session", "date", "start"]
        constraints = [models.UniqueConstraint(fields=["session", "date"], name="courses_day_unique_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("A day must end after it starts.")})

    # The organizer's screen shows a QR code (and the same six digits for officers without a camera) that
    # changes every step: an HMAC, keyed from SECRET_KEY, over the session, the day, its date and the time step.
    # A photo or a code passed on is useless a couple of minutes later, and on any other day or session.

    @staticmethod
    def checkin_step(at) -> int:
        return int(at.timestamp()) // checkin_step_seconds()

    def checkin_code(self, at=None, *, step: int | None = None) -> str:
        """The six-digit code valid at `at` (or for time step `step`)."""
        if step is None:
            step = self.checkin_step(at or timezone.now())
        digest = salted_hmac(
            "courses.TrainingDay.checkin",
            f"{self.session_id}:{self.pk}:{self.date.isoformat()}:{step}",
            algorithm="sha256",
        ).digest()
        return f"{int.from_bytes(digest[:8], 'big') % 10**6:06d}"

    def checkin_code_matches(self, code: str, at) -> bool:
        """True for the code of the current step or the one before (a scan just before the switch still works)."""
        code = (code or "").strip()
        step = self.checkin_step(at)
        # Compare every candidate so that the time taken does not depend on which one matched.
        results = [constant_time_compare(code, self.checkin_code(step=s)) for s in (step, step - 1)]
        return any(results)

    def checkin_opens_at(self) -> datetime.datetime:
        start = timezone.make_aware(datetime.datetime.combine(self.date, self.start))
        return start - datetime.timedelta(minutes=CHECKIN_OPENS_MINUTES_BEFORE)

    def checkin_closes_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.date, self.end))

    def checkin_is_open(self, at) -> bool:
        return self.checkin_opens_at() <= at <= self.checkin_closes_at()


class Registration(models.Model):
    """An officer's place in a session (or on its waiting list), with their assessment score."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("Waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("Training session"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("Status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    registered_at = models.DateTimeField(_("Registered at"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assessment_score = models.DecimalField(
        _("Assessment score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("Registration")
        verbose_name_plural = _("Registrations")
        ordering = ["session", "registered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "officer"], name="courses_registration_unique")
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.officer_id} ({self.status})"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    LEFT_EARLY = "left_early", _("Left early")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


# Hours are credited for days the officer was there, even if late or leaving early; absent and excused earn none.
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)


class Attendance(models.Model):
    day = models.ForeignKey(
        TrainingDay, verbose_name=_("Training day"), on_delete=models.CASCADE, related_name="attendance"
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("Attendance"), max_length=12, choices=AttendanceStatus.choices)
    checked_in_at = models.DateTimeField(_("Checked in at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("Recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("Attendance")
        verbose_name_plural = _("Attendance")
        constraints = [models.UniqueConstraint(fields=["day", "officer"], name="courses_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.day_id} · {self.officer_id}: {self.status}"


class CheckInTries(models.Model):
    """Failed check-in tries of one officer on one calendar day (any session), kept in the database so that
    the limit survives a cache flush or a restart."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("Date"))
    failed = models.PositiveSmallIntegerField(_("Failed tries"), default=0)
    locked_at = models.DateTimeField(_("Locked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Check-in tries")
        verbose_name_plural = _("Check-in tries")
        constraints = [
            models.UniqueConstraint(fields=["officer", "date"], name="courses_checkin_tries_unique")
        ]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.date}: {self.failed}"


# --- study hours -------------------------------------------------------------------------------------------------------


class StudyHoursEntry(FinalRecord):
    """One line of the study-hours ledger (学时). Corrections are new lines (negative hours), never edits.

    `seq` numbers the lines of one source; (officer, source_kind, source_id, seq) is unique, so two workers
    crediting the same source at once cannot both write.
    """

    class SourceKind(models.TextChoices):
        COURSE = "course", _("Course completed")
        SESSION_DAY = "session_day", _("Training day attended")

    officer = models.ForeignKey(
        Officer, verbose_name=_("Officer"), on_delete=models.PROTECT, related_name="+"
    )
    hours = models.DecimalField(_("Study hours"), max_digits=6, decimal_places=2)
    source_kind = models.CharField(_("Source"), max_length=12, choices=SourceKind.choices)
    source_id = models.PositiveBigIntegerField(_("Source ID"))
    seq = models.PositiveSmallIntegerField(_("Line"), default=1)
    context_id = models.PositiveBigIntegerField(_("Session or course ID"), null=True, blank=True)
    description = models.CharField(_("Description"), max_length=255)
    earned_on = models.DateField(_("Earned on"), db_index=True)
    created_at = models.DateTimeField(_("Recorded at"), default=timezone.now)

    objects = FinalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Study hours entry")
        verbose_name_plural = _("Study hours ledger")
        ordering = ["earned_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "source_kind", "source_id", "seq"], name="courses_hours_unique_source_line"
            )
        ]
        indexes = [models.Index(fields=["officer", "earned_on"])]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.earned_on}: {self.hours}"


class AnnualHoursRequirement(models.Model):
    """Study hours an officer of a staff category must earn per calendar year."""

    staff_category = models.CharField(
        _("Staff category"), max_length=20, choices=StaffCategory.choices, unique=True
    )
    hours = models.DecimalField(_("Required hours per year"), max_digits=5, decimal_places=1)
    # The requirement applies to every officer of the category, so it belongs to the city: only city scope edits it.
    unit = models.ForeignKey(
        Unit, verbose_name=_("Owning unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Annual study-hours requirement")
        verbose_name_plural = _("Annual study-hours requirements")
        ordering = ["staff_category"]

    def __str__(self) -> str:
        return f"{self.get_staff_category_display()}: {self.hours}"


def attended_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": [s.value for s in ATTENDED]})
