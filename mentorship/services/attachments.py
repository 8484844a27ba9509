"""Files attached to evidence and task reports: checked by content, capped per uploader, stored privately."""

from __future__ import annotations

from django.db.models import Q, Sum

from cms import uploads
from mentorship.models import Apprenticeship, Attachment


def _check_files(files, *, by) -> list[uploads.CheckedUpload]:
    """Detect each file's type from its content and apply the caps, counting what `by` already stores."""
    files = list(files)
    if not files:
        return []
    # Lock the uploader's apprenticeships so two submissions at once cannot both fit under the quota.
    list(Apprenticeship.objects.select_for_update().filter(officer__user=by).values_list("pk", flat=True))
    used = Attachment.objects.filter(
        Q(submission__apprenticeship__officer__user=by)
        | Q(report__assignment__apprenticeship__officer__user=by)
    ).aggregate(total=Sum("size"))["total"]
    return uploads.check_uploads(files, used_bytes=used or 0)


def _attach(checked: list[uploads.CheckedUpload], stored: list[str], **owner) -> None:
    for c in checked:
        name = uploads.store(c, prefix="evidence")
        stored.append(name)
        Attachment.objects.create(
            file=name, original_name=c.original_name, content_type=c.content_type, size=c.size, **owner
        )


def _described(checked: list[uploads.CheckedUpload]) -> list[dict]:
    """The files as the audit record keeps them."""
    return [{"name": c.original_name, "type": c.content_type, "size": c.size} for c in checked]
