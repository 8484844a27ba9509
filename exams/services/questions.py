"""Questions: categories, published versions, bulk creation from exams.formats dicts, export."""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms import audit, uploads
from exams.formats.base import MAX_FILE_BYTES
from exams.models import (
    Category,
    Question,
    QuestionBank,
    QuestionMedia,
    QuestionVersion,
    bump_bank_revision,
)
from exams.selectors import (
    question_data,
)

QUESTION_FIELDS = (
    "type",
    "title",
    "stem",
    "stem_format",
    "category",
    "explanation",
    "legal_basis",
    "difficulty",
    "points",
    "tags",
)


def category_for_path(*, bank: QuestionBank, path: str | None) -> Category | None:
    """The category at `path` ("法律法规/安全生产法"), creating the missing levels."""
    if not path:
        return None
    parent = None
    for name in [p.strip() for p in path.replace("$course$/", "").split("/") if p.strip()]:
        full = f"{parent.path}/{name}" if parent else name
        parent = Category.objects.filter(bank=bank, path=full).first() or Category.objects.create(
            bank=bank, parent=parent, name=name
        )
    return parent


def question_sync_version(*, question: Question, by) -> QuestionVersion | None:
    """Freeze the question's current content as a new version when it is published and has changed."""
    if question.status != Question.Status.PUBLISHED:
        return None
    data = question_data(question)
    current = question.current_version
    if current is not None and current.data == data:
        return None
    number = (question.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = QuestionVersion(question=question, number=number, data=data, created_by=by)
    version.save(force_insert=True)
    Question.objects.filter(pk=question.pk).update(current_version=version, version=number)
    bump_bank_revision(question.bank_id)
    question.current_version, question.version = version, number
    return version


@transaction.atomic
def question_publish(*, questions, by) -> int:
    count = 0
    for question in questions:
        was = question.status
        question.status = Question.Status.PUBLISHED
        if was != question.status:
            Question.objects.filter(pk=question.pk).update(status=question.status)
        if question_sync_version(question=question, by=by) is not None:
            audit.record(
                actor=by, action="exams.question_publish", obj=question, after={"version": question.version}
            )
            count += 1
    return count


PLUGINFILE = "@@PLUGINFILE@@/"
# Audio a question may embed (a listening item): detected from the bytes, stored as a Wagtail document.
_AUDIO = ((b"ID3", "mp3"), (b"OggS", "ogg"), (b"fLaC", "flac"))


@dataclass(frozen=True)
class EmbeddedFile:
    """A checked embedded file: `content` is what is stored (images re-encoded); `kind` is image or document."""

    name: str
    content: bytes
    kind: str
    extension: str


class EmbeddedFileError(ValueError):
    code = "embedded_file"


def check_embedded_file(name: str, content_b64: str) -> EmbeddedFile:
    """Decode and identify a file embedded in an imported question; the declared name and type are not trusted.

    Images (JPEG, PNG, WebP, HEIC; GIF and BMP become PNG) are decoded and re-encoded without metadata, at most
    UPLOAD_MAX_IMAGE_PIXELS and 4096 px a side; PDF and audio (MP3, Ogg, FLAC, WAV) are kept as documents.
    Anything else raises EmbeddedFileError."""
    try:
        data = base64.b64decode(content_b64 or "", validate=True)
    except (binascii.Error, ValueError):
        raise EmbeddedFileError(_("The embedded file “%(name)s” is not valid base64.") % {"name": name})
    if len(data) > MAX_FILE_BYTES:
        raise EmbeddedFileError(
            _("The embedded file “%(name)s” is larger than %(max)s MB.")
            % {"name": name, "max": MAX_FILE_BYTES // (1024 * 1024)}
        )
    for magic, ext in _AUDIO:
        if data.startswith(magic):
            return EmbeddedFile(name, data, "document", ext)
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return EmbeddedFile(name, data, "document", "wav")
    if len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and not data.startswith(b"\xff\xd8"):
        return EmbeddedFile(name, data, "document", "mp3")  # an MP3 frame without an ID3 header
    if data.startswith((b"GIF8", b"BM")):
        data = _to_png(data, name)
    try:
        checked = uploads.inspect(ContentFile(data, name=name), max_bytes=MAX_FILE_BYTES)
    except ValidationError as exc:
        raise EmbeddedFileError(
            _("The embedded file “%(name)s” cannot be used: %(reason)s")
            % {"name": name, "reason": " ".join(exc.messages)}
        )
    if checked.is_image:
        return EmbeddedFile(name, checked.content, "image", checked.extension)
    if checked.content_type == "application/pdf":
        return EmbeddedFile(name, checked.content, "document", "pdf")
    raise EmbeddedFileError(
        _(
            "The embedded file “%(name)s” is not an image (JPEG, PNG, WebP, GIF), a PDF or audio (MP3, Ogg, WAV)."
        )
        % {"name": name}
    )


def _to_png(data: bytes, name: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data), formats=["GIF", "BMP"]) as im:
            if im.width * im.height > uploads._limit("UPLOAD_MAX_IMAGE_PIXELS", 50_000_000):
                raise EmbeddedFileError(
                    _("The embedded file “%(name)s” is too large an image.") % {"name": name}
                )
            out = io.BytesIO()
            im.convert("RGBA").save(out, format="PNG")
            return out.getvalue()
    except EmbeddedFileError:
        raise
    except Exception:
        raise EmbeddedFileError(
            _("The embedded file “%(name)s” is damaged or not a complete image.") % {"name": name}
        )


_TEXT_KEYS = ("stem", "explanation")


def _store_files(question: Question, files: list[dict], by, written: list) -> None:
    """Store a question's embedded files as Wagtail images/documents and point its stem and explanation at them.
    Every stored file is appended to `written`, so a failed import can remove them again."""
    if not files:
        return
    image_model, document_model = get_image_model(), get_document_model()
    replacements = {}
    for f in files:
        checked = check_embedded_file(f["name"], f["content"])
        stem = re.sub(r"[^\w.-]+", "_", os.path.splitext(checked.name)[0])[:80] or "file"
        content = ContentFile(checked.content, name=f"{stem}.{checked.extension}")
        title = checked.name[:255]
        if checked.kind == "image":
            stored = image_model(title=title, file=content, uploaded_by_user=by)
            stored.save()
            written.append(stored.file)
            media = QuestionMedia.objects.create(question=question, name=checked.name[:200], image=stored)
        else:
            stored = document_model(title=title, file=content, uploaded_by_user=by)
            stored.save()
            written.append(stored.file)
            media = QuestionMedia.objects.create(question=question, name=checked.name[:200], document=stored)
        replacements[f.get("ref") or PLUGINFILE + f["name"]] = media.url
    changed = []
    for key in _TEXT_KEYS:
        text = getattr(question, key)
        for ref, url in replacements.items():
            text = text.replace(ref, url)
        if text != getattr(question, key):
            setattr(question, key, text)
            changed.append(key)
    if changed:
        question.save(update_fields=changed)


def _question_fields(bank: QuestionBank, data: dict, categories: dict) -> tuple[dict, dict, list[str]]:
    path = data.get("category") or None
    if path not in categories:
        categories[path] = category_for_path(bank=bank, path=path)
    content = {k: v for k, v in data.items() if k not in QUESTION_FIELDS and k != "files"}
    fields = {
        "bank": bank,
        "category": categories[path],
        "type": data["type"],
        "title": (data.get("title") or "")[:200],
        "stem": data.get("stem") or "",
        "stem_format": data.get("stem_format") or "plain",
        "explanation": data.get("explanation") or "",
        "legal_basis": data.get("legal_basis") or "",
        "difficulty": int(data.get("difficulty") or 3),
        "points": Decimal(str(data.get("points") or 1)),
    }
    return fields, content, [str(t) for t in data.get("tags") or []]


def import_questions(
    *, bank: QuestionBank, questions: list[dict], by, publish: bool = True, progress=None, source: str = ""
) -> list[Question]:
    """Create questions (and their first versions when publishing) from exams.formats dicts, all or nothing."""
    created = []
    categories: dict = {}
    written: list = []  # files stored on disk; the transaction cannot take them back
    try:
        with transaction.atomic():
            _import_all(bank, questions, by, publish, progress, source, created, categories, written)
    except BaseException:
        for file in written:
            file.storage.delete(file.name)
        raise
    return created


def _import_all(bank, questions, by, publish, progress, source, created, categories, written) -> None:
    for i, data in enumerate(questions, start=1):
        fields, content, tags = _question_fields(bank, data, categories)
        question = Question.objects.create(
            **fields,
            content=content,
            status=Question.Status.PUBLISHED if publish else Question.Status.DRAFT,
        )
        if tags:
            question.tags.set(tags)
        _store_files(question, data.get("files") or [], by, written)
        question_sync_version(question=question, by=by)
        created.append(question)
        if progress is not None and (i % 50 == 0 or i == len(questions)):
            progress(i)
    audit.record(
        actor=by,
        action="exams.question_import",
        obj=bank,
        after={"count": len(created), "source": source, "published": publish, "files": len(written)},
    )


def export_questions(*, bank: QuestionBank, files: bool = True) -> list[dict]:
    """The bank's questions as exams.formats dicts; with `files`, each embedded file as {name, content (base64),
    ref (the URL the texts use)}, so Moodle XML writes it back as <file> and @@PLUGINFILE@@ links."""
    qs = (
        Question.objects.filter(bank=bank)
        .select_related("category")
        .prefetch_related("tags", "media__image", "media__document")
        .order_by("id")
    )
    out = []
    for q in qs:
        data = question_data(q, tags=[t.name for t in q.tags.all()])
        if files and q.media.all():
            data["files"] = [_exported_file(m) for m in q.media.all()]
        out.append(data)
    return out


def _exported_file(media: QuestionMedia) -> dict:
    with media.file.open("rb") as fh:
        content = base64.b64encode(fh.read()).decode("ascii")
    return {"name": media.name, "content": content, "ref": media.url}
