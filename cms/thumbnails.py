"""Thumbnails of private images (evidence photos): a small JPEG made once, beside the re-encoded original in the
private storage, and served through the same permission-checked view as the original (`cms.uploads.serve_private`)."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from PIL import Image, ImageOps

THUMBNAIL_SIDE = 480  # px, the longer side: sharp in a phone's column at 2× density, ~30 KB
THUMBNAIL_TYPE = "image/jpeg"


def thumbnail_name(name: str) -> str:
    return f"{name}.thumb.jpg"


def _render(data: bytes) -> bytes:
    im = Image.open(io.BytesIO(data))
    if im.format == "JPEG":
        im.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # decode at a reduced scale
    im.load()
    im = ImageOps.exif_transpose(im)
    im.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if im.mode != "RGB":
        background = Image.new("RGB", im.size, "white")
        background.paste(im.convert("RGBA"), mask=im.convert("RGBA").getchannel("A"))
        im = background
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def thumbnail_of(file: FieldFile) -> FieldFile:
    """The thumbnail of a stored image (made on first use). The original was re-encoded by cms.uploads when it was
    accepted, so Pillow reads a file we wrote, never the raw upload."""
    storage = file.storage
    name = thumbnail_name(file.name)
    if not storage.exists(name):
        with file.open("rb") as handle:
            data = _render(handle.read())
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # another request made it meanwhile: keep theirs
            storage.delete(saved)
    return FieldFile(None, file.field, name)


def delete_stored(storage, name: str) -> None:
    """Delete a stored private file and its thumbnail, if any (both live under the same name)."""
    if not name:
        return
    for path in (name, thumbnail_name(name)):
        if storage.exists(path):
            storage.delete(path)
