"""Private uploads (evidence, task reports, case files): server-side type checks, re-encoding, caps, storage and serving.

Nothing a user uploads is trusted: its type is detected from its content (never the declared type or the file name),
images are decoded and re-encoded, files are stored outside MEDIA_ROOT under random names with an extension chosen
here, and they are served only through a permission-checked view with headers that stop a browser from running them.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import uuid
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import quote

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

register_heif_opener()

logger = logging.getLogger(__name__)

MB = 1024 * 1024

# Detected type -> the extension we give the stored file.
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOWNLOAD_TYPES = {"application/pdf": "pdf", DOCX: "docx", "application/msword": "doc", "text/plain": "txt"}
# Pillow format -> (format we save, its content type). HEIC from phones becomes JPEG so every browser shows it.
_IMAGE_FORMATS = {
    "JPEG": ("JPEG", "image/jpeg"),
    "PNG": ("PNG", "image/png"),
    "WEBP": ("WEBP", "image/webp"),
    "HEIF": ("JPEG", "image/jpeg"),
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# Markup a browser would render; a "text" file holding it is refused, whatever it was declared as.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|frame|object|embed|meta|link|style|img|form|math|\?xml)\b",
    re.IGNORECASE,
)
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@deconstructible(path="cms.uploads.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT, which no URL maps to: only views that check permissions read them."""

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):  # read on every use, so tests and deployments can move it
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them with cms.uploads.serve_private.")

    def _save(self, name, content):
        # A write that fails part way (disk full, I/O error) leaves a truncated file under the name it was given:
        # remove it, so nothing half-written stays in the private root.
        try:
            return super()._save(name, content)
        except OSError:
            try:
                os.remove(self.path(name))
            except OSError:
                pass
            raise


private_storage = PrivateStorage()


@checks.register(checks.Tags.security)
def check_private_root(app_configs=None, **kwargs):
    """PRIVATE_MEDIA_ROOT must not sit inside a folder the proxy or DEBUG's static() serves."""
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    errors = []
    for setting in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, setting, None)
        if public and private.is_relative_to(Path(public).resolve()):
            errors.append(
                checks.Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) is inside {setting}, so private uploads would be public.",
                    hint="Set PRIVATE_MEDIA_ROOT to a folder outside MEDIA_ROOT and STATIC_ROOT.",
                    id="cms.E101",
                )
            )
    return errors


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose type we detected; `content` is what we store (re-encoded for images)."""

    original_name: str
    content: bytes
    content_type: str
    extension: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    @property
    def download_name(self) -> str:
        return download_name(self.original_name, self.content_type)


def _refuse(message: str, code: str, name: str) -> ValidationError:
    return ValidationError(message, code=code, params={"name": name})


def _not_allowed(name: str) -> ValidationError:
    return _refuse(
        _("“%(name)s” is not a photo (JPEG, PNG, WebP, HEIC), PDF, Word (.docx, .doc) or text file.")
        % {"name": name},
        "file_type",
        name,
    )


def _image(data: bytes, name: str) -> tuple[bytes, str] | None:
    """(re-encoded bytes, content type) for a raster image we accept, None if this is not one."""
    max_pixels = _limit("UPLOAD_MAX_IMAGE_PIXELS", 50_000_000)
    try:
        probe = Image.open(io.BytesIO(data), formats=list(_IMAGE_FORMATS))
        too_large = probe.width * probe.height > max_pixels
    except Image.DecompressionBombError:
        too_large = True
    except Exception:  # not an image we read; a malformed header can raise nearly anything inside a decoder
        return None
    if too_large:
        raise _refuse(
            _("“%(name)s” is too large an image (more than %(max)s megapixels).")
            % {"name": name, "max": max_pixels // 1_000_000},
            "image_too_large",
            name,
        )
    save_as, content_type = _IMAGE_FORMATS[probe.format]
    side = _limit("UPLOAD_IMAGE_MAX_SIDE", 4096)
    try:
        return _reencode(data, probe.format, save_as, side), content_type
    except Exception:  # truncated, corrupt, or a mode we cannot write: nothing we would show
        raise _refuse(
            _("“%(name)s” is damaged or not a complete image.") % {"name": name}, "image_damaged", name
        )


def _reencode(data: bytes, fmt: str, save_as: str, side: int) -> bytes:
    """Decode fully, apply the EXIF orientation, scale down, and write a fresh file without metadata."""
    Image.open(io.BytesIO(data), formats=[fmt]).verify()
    im = Image.open(io.BytesIO(data), formats=[fmt])
    if im.format == "JPEG":
        im.draft("RGB", (side, side))  # decode at a reduced scale when the photo is much larger
    im.load()
    im = ImageOps.exif_transpose(im)
    im.thumbnail((side, side), Image.Resampling.LANCZOS)
    # Keep colour profile and transparency only: EXIF (GPS, device), XMP and text chunks are dropped.
    im.info = {k: v for k, v in im.info.items() if k in ("icc_profile", "transparency")}
    if save_as == "JPEG" and im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    elif save_as == "WEBP" and im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in im.mode or "transparency" in im.info else "RGB")
    elif save_as == "PNG" and im.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
        im = im.convert("RGBA")
    out = io.BytesIO()
    options = {"quality": 85} if save_as in ("JPEG", "WEBP") else {}
    if im.info.get("icc_profile"):
        options["icc_profile"] = im.info["icc_profile"]
    im.save(out, format=save_as, **options)
    return out.getvalue()


def _word(data: bytes, name: str) -> str | None:
    """The content type of a Word document without macros, None if this is not a Word document."""
    macros = _refuse(
        _("“%(name)s” contains macros; save it as a .docx without macros, or as PDF.") % {"name": name},
        "file_macros",
        name,
    )
    if data.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            return None
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise macros
        return DOCX
    if data.startswith(_OLE_MAGIC):
        # An OLE container is also .xls, .ppt, .msi…: a Word file has a "WordDocument" stream.
        if "WordDocument".encode("utf-16-le") not in data:
            return None
        if "_VBA_PROJECT".encode("utf-16-le") in data:
            raise macros
        return "application/msword"
    return None


def _text(data: bytes) -> str | None:
    """`text/plain; charset=…` for plain text in UTF-8 or GB18030 with no markup, else None."""
    if b"\x00" in data or _MARKUP.search(data):
        return None
    for charset in ("utf-8", "gb18030"):
        try:
            text = data.decode("utf-8-sig" if charset == "utf-8" else charset)
        except UnicodeDecodeError:
            continue
        if _BINARY_CONTROL.search(text):
            return None
        return f"text/plain; charset={charset}"
    return None


def inspect(upload, *, max_bytes: int | None = None) -> CheckedUpload:
    """Detect what `upload` (a Django UploadedFile or File) really is; ValidationError unless we accept it."""
    name = PurePath(str(getattr(upload, "name", "") or "file").replace("\\", "/")).name[:200] or "file"
    max_bytes = _limit("UPLOAD_MAX_FILE_BYTES", 10 * MB) if max_bytes is None else max_bytes
    if upload.size is not None and upload.size > max_bytes:
        raise _refuse(
            _("“%(name)s” is larger than %(max)s MB.") % {"name": name, "max": max_bytes // MB},
            "file_too_large",
            name,
        )
    upload.seek(0)
    data = upload.read() if upload.size is not None else upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(
            _("“%(name)s” is larger than %(max)s MB.") % {"name": name, "max": max_bytes // MB},
            "file_too_large",
            name,
        )
    if not data:
        raise _refuse(_("“%(name)s” is empty.") % {"name": name}, "file_empty", name)
    if data.startswith(b"%PDF-"):
        return CheckedUpload(name, data, "application/pdf", "pdf")
    word = _word(data, name)
    if word:
        return CheckedUpload(name, data, word, DOWNLOAD_TYPES[word])
    image = _image(data, name)
    if image:
        content, content_type = image
        return CheckedUpload(name, content, content_type, IMAGE_TYPES[content_type])
    text = _text(data)
    if text:
        return CheckedUpload(name, data, text, "txt")
    raise _not_allowed(name)


def check_uploads(files: Iterable, *, used_bytes: int = 0, field: str = "files") -> list[CheckedUpload]:
    """Inspect every file of one submission and apply the caps: count, total size, and the uploader's quota.

    `used_bytes` is what the uploader already stores (the caller knows where). Errors name `field`."""
    files = list(files)
    try:
        max_files = _limit("UPLOAD_MAX_FILES", 10)
        if len(files) > max_files:
            raise ValidationError(
                _("Attach at most %(max)s files at a time.") % {"max": max_files}, code="too_many_files"
            )
        max_total = _limit("UPLOAD_MAX_TOTAL_BYTES", 30 * MB)
        too_much = ValidationError(
            _("The files together are larger than %(max)s MB.") % {"max": max_total // MB},
            code="too_much_data",
        )
        if sum(f.size or 0 for f in files) > max_total:  # before decoding anything
            raise too_much
        checked = [inspect(f) for f in files]
        total = sum(c.size for c in checked)
        if total > max_total:  # re-encoding can grow a file
            raise too_much
        quota = _limit("UPLOAD_USER_QUOTA_BYTES", 500 * MB)
        if checked and used_bytes + total > quota:
            raise ValidationError(
                _(
                    "These files would take you over your storage quota of %(max)s MB "
                    "(%(used)s MB already used). Ask your training administrator."
                )
                % {"max": quota // MB, "used": round(used_bytes / MB, 1)},
                code="quota_exceeded",
            )
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list})
    return checked


def new_name(prefix: str, extension: str) -> str:
    """A random storage name under `prefix`; the extension is always one of ours."""
    if extension not in {*IMAGE_TYPES.values(), *DOWNLOAD_TYPES.values(), "bin"}:
        raise ValueError(f"unexpected extension {extension!r}")
    return f"{prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def store(checked: CheckedUpload, *, prefix: str, field: str = "files") -> str:
    """Write a checked upload to the private storage; returns the name to keep in the FileField.

    A storage failure (disk full, I/O error) is a ValidationError on `field` with code `storage_full` or
    `storage_failed`, so the caller's transaction and discard_on_error undo the rest of the submission."""
    try:
        return private_storage.save(new_name(prefix, checked.extension), ContentFile(checked.content))
    except OSError as exc:
        logger.error("Private storage write failed for %s: %s", prefix, exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            message = _(
                "The server is out of storage space, so your files were not saved. Try again later or tell your administrator."
            )
            code = "storage_full"
        else:
            message = _(
                "The server could not save your files, so nothing was saved. Try again later or tell your administrator."
            )
            code = "storage_failed"
        raise ValidationError({field: ValidationError(message, code=code)}) from exc


@contextmanager
def discard_on_error():
    """Collect stored names; if the block fails, delete them so a refused submission leaves no files behind."""
    names: list[str] = []
    try:
        yield names
    except BaseException:
        for name in names:
            private_storage.delete(name)
        raise


def download_name(original_name: str, content_type: str) -> str:
    """The user's file name with the extension of the type we detected (a `.html` never comes back as one)."""
    base = content_type.split(";")[0].strip()
    extension = IMAGE_TYPES.get(base) or DOWNLOAD_TYPES.get(base) or "bin"
    stem = PurePath(original_name or "file").stem or "file"
    return f"{stem}.{extension}"


def _accel_path(file) -> str | None:
    """The file's path inside PRIVATE_MEDIA_ROOT (what nginx's /_private/ maps), or None when it is not there."""
    root = private_storage.location
    name = file.name or ""
    path = os.path.abspath(name if os.path.isabs(name) else os.path.join(root, name))
    if not path.startswith(root + os.sep) or not os.path.isfile(path):
        return None
    return os.path.relpath(path, root)


def serve_private(file, *, content_type: str, original_name: str) -> FileResponse:
    """The response for a private file, after the caller checked permission.

    Raster images we re-encoded are shown inline; everything else is a download. The sandbox CSP and nosniff keep a
    browser from running anything in it on our origin even if it is opened directly."""
    base = (content_type or "").split(";")[0].strip().lower()
    inline = base in IMAGE_TYPES
    if not (inline or base in DOWNLOAD_TYPES):
        content_type = "application/octet-stream"
    accel = _accel_path(file) if settings.PRIVATE_MEDIA_ACCEL else None
    if accel is not None:
        # Behind nginx (deploy/nginx/anjian.conf): the permission check was ours, the bytes are nginx's, from an
        # `internal` location that answers no direct request.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = "/_private/" + quote(accel)
        response["Content-Disposition"] = content_disposition_header(
            not inline, download_name(original_name, content_type)
        )
    else:
        try:
            handle = file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        response = FileResponse(
            handle,
            content_type=content_type,
            as_attachment=not inline,
            filename=download_name(original_name, content_type),
        )
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
