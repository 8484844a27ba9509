"""The CaseImport record: one uploaded case-file spreadsheet, its check (dry run) and the outcome of applying it.

Imported at the bottom of appraisal.models, so Django registers it in the appraisal app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseImport(models.Model):
    """An uploaded case-file spreadsheet. Its bytes are kept in the database (every worker can read them, and a
    case file names people: never a public media file)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("File name"), max_length=255)
    content = models.BinaryField(_("File content"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    dry_run_report = models.JSONField(_("Dry-run report"), null=True, blank=True)
    report = models.JSONField(_("Import report"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("Rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("Rows processed"), default=0)
    created_at = models.DateTimeField(_("Uploaded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("Confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Case-file import")
        verbose_name_plural = _("Case-file imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_checked(self) -> bool:
        return self.dry_run_report is not None

    @property
    def can_confirm(self) -> bool:
        return (
            self.is_checked
            and self.status == self.Status.PENDING
            and self.confirmed_at is None
            and not self.dry_run_report.get("errors")
        )

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
