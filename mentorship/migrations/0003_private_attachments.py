"""Attachments move to the private storage (outside MEDIA_ROOT) under random names, with types detected from content."""

import cms.uploads
from django.db import migrations, models


def move_to_private(apps, schema_editor):
    """Move every attachment still under MEDIA_ROOT; re-detect its type. A file we would refuse today is kept as an
    opaque download (application/octet-stream), so no evidence is lost and nothing stored can run in a browser."""
    from django.core.exceptions import ValidationError
    from django.core.files import File
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from cms import uploads

    Attachment = apps.get_model("mentorship", "Attachment")
    for att in Attachment.objects.order_by("pk").iterator():
        old = att.file.name
        if not old or not default_storage.exists(old):
            continue
        with default_storage.open(old, "rb") as handle:
            try:
                checked = uploads.inspect(File(handle, name=att.original_name or old), max_bytes=1 << 30)
                content, content_type, extension = checked.content, checked.content_type, checked.extension
            except ValidationError:
                handle.seek(0)
                content, content_type, extension = handle.read(), "application/octet-stream", "bin"
        name = uploads.private_storage.save(uploads.new_name("evidence", extension), ContentFile(content))
        att.file = name
        att.content_type = content_type
        att.size = len(content)
        att.save(update_fields=["file", "content_type", "size"])
        default_storage.delete(old)


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0002_permissions_and_schedule"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="file",
            field=models.FileField(storage=cms.uploads.PrivateStorage(), upload_to="", verbose_name="File"),
        ),
        # Not reversed: files stay private; moving them back to the public folder would undo the fix.
        migrations.RunPython(move_to_private, migrations.RunPython.noop),
    ]
