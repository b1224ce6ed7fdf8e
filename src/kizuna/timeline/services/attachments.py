"""Attachments: size and type limits, the type read from the bytes (not the upload's claim), storage
outside the static root, audit."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.core import audit, files, records
from kizuna.core.exceptions import ValidationFailed

from ..models import Attachment

# Magic bytes → type. Anything else is accepted only as UTF-8 text.
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"), (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),  # xlsx, docx, pptx are zip containers
]  # fmt: skip
_WEBP = (b"RIFF", b"WEBP")


def sniff(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == _WEBP[0] and head[8:12] == _WEBP[1]:
        return "image/webp"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain" if b"\x00" not in head else None


def add_attachment(*, actor, upload, activity=None, person=None) -> Attachment:
    parent = activity or person
    if parent is None:
        raise ValidationFailed(field_errors={"file": [_("添付先がありません。")]})
    records.require_write(actor, parent)
    limit = settings.KIZUNA_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        message = _("ファイルが大きすぎます（%(size)s MB）。上限は %(limit)s MB です。") % {
            "size": f"{upload.size / 1024 / 1024:.1f}",
            "limit": limit // 1024 // 1024,
        }
        raise ValidationFailed(message, field_errors={"file": [message]})
    head = upload.read(2048)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        message = _("「%(name)s」は受け付けられない種類のファイルです（画像・PDF・Office 文書・テキストのみ）。") % {
            "name": upload.name
        }
        raise ValidationFailed(message, field_errors={"file": [message]})
    stored = files.save("attachments", upload)
    with transaction.atomic():
        attachment = Attachment.objects.create(
            activity=activity, person=person, name=Path(upload.name).name[:255], path=stored,
            content_type=content_type, size=upload.size, created_by=actor, updated_by=actor,
        )  # fmt: skip
        audit.record(actor=actor, action="attachment.add", obj=parent,
                     changes={"attachment": [None, attachment.name]})  # fmt: skip
    return attachment


def open_attachment(attachment: Attachment):
    return files.open_file(attachment.path)


def delete_attachment(*, actor, attachment: Attachment) -> None:
    records.soft_delete(actor=actor, obj=attachment)
