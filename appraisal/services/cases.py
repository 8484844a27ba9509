"""Case files (案卷) entered in the admin: create and edit with co-handlers, and scanned documents (PDF or images,
type detected from the bytes, images re-encoded, private storage). Each change is audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from appraisal import selectors
from appraisal.models import CaseDocument, CaseFile
from cms import audit, uploads

AUDITED_FIELDS = (
    "number",
    "title",
    "kind",
    "unit_id",
    "handler_id",
    "party",
    "opened_on",
    "closed_on",
    "legal_provisions",
    "summary",
    "penalty_amount",
)
DOCUMENT_TYPES = {"application/pdf", *uploads.IMAGE_TYPES}


class CaseRefused(PermissionDenied):
    """The acting user may not change this case file; `code` names the rule."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message)
        self.code = code


def snapshot(case: CaseFile, co_handler_ids=None) -> dict:
    data = {name: case.serializable_value(name.removesuffix("_id")) for name in AUDITED_FIELDS}
    data = {k: (str(v) if v is not None and not isinstance(v, int | str) else v) for k, v in data.items()}
    if co_handler_ids is not None:
        data["co_handlers"] = sorted(co_handler_ids)
    return data


def check_case(by, case: CaseFile, co_handlers) -> None:
    """The unit, handler and co-handlers lie in the acting user's subtree; dates in order. ValidationError names
    the field."""
    errors = {}
    if not selectors.units_editable_by_user(by).filter(pk=case.unit_id).exists():
        errors["unit"] = _("Choose a unit you are in charge of.")
    allowed = selectors.handler_choices(by)
    if case.handler_id and not allowed.filter(pk=case.handler_id).exists():
        errors["handler"] = _("Choose a handler from the units you are in charge of.")
    co_ids = {o.pk for o in co_handlers}
    if co_ids - set(allowed.filter(pk__in=co_ids).values_list("pk", flat=True)):
        errors["co_handlers"] = _("Choose co-handlers from the units you are in charge of.")
    elif case.handler_id in co_ids:
        errors["co_handlers"] = _("The handler cannot also be a co-handler.")
    if case.opened_on and case.closed_on and case.closed_on < case.opened_on:
        errors["closed_on"] = _("The closing date is earlier than the opening date.")
    if errors:
        raise ValidationError(errors)


def save_case(*, by, case: CaseFile, co_handlers) -> CaseFile:
    """Create or update a case file (admin entry) with its co-handlers; audited as case_create / case_update."""
    if not by.has_perm("appraisal.add_casefile" if case.pk is None else "appraisal.change_casefile"):
        raise CaseRefused("not_permitted")
    co_handlers = list(co_handlers)
    check_case(by, case, co_handlers)
    with transaction.atomic():
        before = None
        if case.pk is not None:
            stored = selectors.case_files_editable_by(by).select_for_update().filter(pk=case.pk).first()
            if stored is None:
                raise CaseRefused("out_of_scope")
            before = snapshot(stored, stored.co_handlers.values_list("pk", flat=True))
        created = case.pk is None
        case.save()
        case.co_handlers.set(co_handlers)
        after = snapshot(case, [o.pk for o in co_handlers])
        if created or before != after:
            audit.record(
                actor=by,
                action="appraisal.case_create" if created else "appraisal.case_update",
                obj=case,
                before=before,
                after=after,
                unit=case.unit,
            )
    return case


def check_documents(files) -> list[uploads.CheckedUpload]:
    """Detect each file's type from its bytes (images re-encoded); only PDF and images are case documents."""
    checked = uploads.check_uploads(files, field="documents")
    for item in checked:
        if item.content_type not in DOCUMENT_TYPES:
            raise ValidationError(
                {
                    "documents": _("“%(name)s” is not a PDF or an image (JPEG, PNG, WebP).")
                    % {"name": item.original_name}
                }
            )
    return checked


def add_documents(*, by, case: CaseFile, files=(), checked=None) -> list[CaseDocument]:
    """Attach scanned documents (PDF or images only) to a case file in the acting user's subtree. `checked` is
    what check_documents returned (the form checks before saving), else `files` are checked here."""
    if not selectors.case_files_editable_by(by).filter(pk=case.pk).exists():
        raise CaseRefused("out_of_scope")
    checked = check_documents(files) if checked is None else checked
    documents = []
    with uploads.discard_on_error() as stored, transaction.atomic():
        for item in checked:
            name = uploads.store(item, prefix="appraisal/cases", field="documents")
            stored.append(name)
            documents.append(
                CaseDocument.objects.create(
                    case=case,
                    file=name,
                    original_name=item.original_name,
                    content_type=item.content_type,
                    size=item.size,
                )
            )
        if documents:
            audit.record(
                actor=by,
                action="appraisal.case_update",
                obj=case,
                after={"documents_added": [d.original_name for d in documents]},
                unit=case.unit,
            )
    return documents


def remove_document(*, by, document: CaseDocument) -> None:
    if not selectors.case_files_editable_by(by).filter(pk=document.case_id).exists():
        raise CaseRefused("out_of_scope")
    with transaction.atomic():
        case = document.case
        name = document.file.name
        audit.record(
            actor=by,
            action="appraisal.case_update",
            obj=case,
            before={"documents_removed": [document.original_name]},
            unit=case.unit,
        )
        document.delete()
        transaction.on_commit(lambda: uploads.private_storage.delete(name))
