"""名刺・署名から登録: read up to four card images (OCR) and pasted text into person fields, keep the images until
the user confirms, then create the person (and the card's company when it is new) with the images attached."""

import re
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.contacts import services as contacts_services
from kizuna.contacts.models import Company
from kizuna.core import files, japanese
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.services import require_writer

from .. import cards
from .attachments import add_attachment, sniff

MAX_IMAGES = 4
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")


@dataclass
class CardReading:
    fields: dict
    text: str
    pending: list[tuple[str, str]] = field(default_factory=list)  # (file name, stored path) until the save


_PENDING = re.compile(r"pending/[0-9a-f]{32}")  # the names this service gives; the session holds them


def _ours(stored: str) -> bool:
    return bool(_PENDING.fullmatch(str(stored)))


def read_cards(*, actor, images, text: str = "") -> CardReading:
    """`images`: uploaded files. Raises ValidationFailed for a file that is not an image, cards.OcrUnavailable
    when the OCR engine is missing; nothing is kept then."""
    require_writer(actor, "person")
    texts, pending = [text or ""], []
    try:
        for upload in list(images)[:MAX_IMAGES]:
            data = upload.read()
            if sniff(data[:2048]) not in IMAGE_TYPES:
                raise ValidationFailed(_("「%(n)s」は画像ではありません。") % {"n": upload.name})
            texts.append(cards.read_card(data))
            pending.append((upload.name, files.save("pending", data, dated=False)))
    except (ValidationFailed, cards.OcrUnavailable):
        discard(pending)
        raise
    joined = "\n".join(t for t in texts if t)
    return CardReading(fields=cards.parse_text(joined), text=joined.strip(), pending=pending)


def create_from_card(*, actor, values: dict, pending):
    """One transaction: the card's company when it is not in Kizuna yet (a name, not a record: the user saw it on
    the form), the person, and the card images as the person's attachments."""
    with transaction.atomic():
        company = values.get("company")
        if isinstance(company, str) and company.strip():
            name = company.strip()
            found = Company.objects.visible_to(actor).filter(name_key=japanese.company_key(name)).first()
            values = {**values, "company": found or contacts_services.create_company(actor=actor, data={"name": name})}
        person = contacts_services.create_person(actor=actor, data=values)
        for name, stored in pending:
            if _ours(stored) and files.exists(stored):  # only files this service stored
                add_attachment(actor=actor, upload=SimpleUploadedFile(name, files.read_bytes(stored)), person=person)
    transaction.on_commit(lambda: discard(pending))
    return person


def discard(pending) -> None:
    for _name, stored in pending:
        if _ours(stored):
            files.delete(stored)
