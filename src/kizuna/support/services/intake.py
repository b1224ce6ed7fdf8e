"""Intake: every channel (mail, LINE, chat, phone, web form) hands an incoming message to `receive()`, which threads it
onto a ticket, matches the sender to a person and stores the message with its attachments in one transaction.

The contract (docs/dev/support.md):

- Replays (same channel kind + external_id) return the existing message with `duplicate=True` and change nothing.
- Threading: the given ticket, else the ticket of a message whose external_id is in `in_reply_to`/`references`,
  else a ticket token "[#123]" in the subject (only when the sender is that ticket's customer), else a new ticket.
  A message on a 完了 (closed) ticket opens a new ticket that names the old one; one on a resolved or waiting
  ticket puts it back to 対応中.
- The sender is matched to a person by a LINE/chat id the person is known by, then by e-mail and phone digits
  against contact points, weighed by the dedup model (contacts.dedup) when more than one person holds the value.
  An unknown sender becomes a new person only after the duplicate check: when the check finds people who may be
  the sender but none surely is, no person is created and the candidates are kept on the ticket for an agent.
- Attachments: the type is read from the bytes, never from the sender's claim; one over the size limit
  (`KIZUNA_SUPPORT_ATTACHMENT_MAX_BYTES`, default the platform's attachment limit) is not stored, and its name,
  size and hash are kept in the message's `meta["rejected_attachments"]` so nothing goes unnoticed.
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import nh3
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.dedup.facts import people_facts, person_facts_from_data
from kizuna.contacts.dedup.scan import PERSON, best_matches
from kizuna.contacts.dedup.service import WARN_SCORE, _scorer
from kizuna.contacts.models import ContactPoint, Person
from kizuna.contacts.search import index_person
from kizuna.contacts.services.people import email_point, phone_point
from kizuna.core import audit, events, japanese
from kizuna.core.permissions import Visibility

from ..models import Attachment, Channel, CustomerIdentity, Message, Ticket, TicketCounter

SURE_SCORE = 0.9  # a candidate this likely is the sender; below it (and above WARN_SCORE) an agent decides
_TOKEN = re.compile(r"\[#(\d{1,9})\]")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>|[^<>\s]+")


@dataclass(frozen=True)
class Sender:
    name: str = ""
    email: str = ""
    phone: str = ""
    line_user_id: str = ""
    chat_visitor_id: str = ""


@dataclass(frozen=True)
class IncomingAttachment:
    filename: str
    content: bytes
    content_type: str = ""  # the sender's claim; intake reads the real type from the bytes
    inline: bool = False


@dataclass
class Received:
    ticket: Ticket
    message: Message | None  # None when the event was a replay (duplicate external_id)
    person: Person | None
    created_ticket: bool
    duplicate: bool


# --- attachments ---------------------------------------------------------------------------------------------------
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"), (b"%PDF-", "application/pdf"), (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .xls, .doc, .msg
    (b"BM", "image/bmp"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
    (b"ID3", "audio/mpeg"), (b"\x1f\x8b", "application/gzip"), (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
]  # fmt: skip


def sniff_type(content: bytes) -> str:
    """The type read from the first bytes; what cannot be recognised is stored as application/octet-stream (offered
    as a download only)."""
    head = content[:2048]
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    if head[4:8] == b"ftyp":
        return "video/mp4" if head[8:11] != b"M4A" else "audio/mp4"
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the 2048th byte
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def attachment_limit() -> int:
    return int(getattr(settings, "KIZUNA_SUPPORT_ATTACHMENT_MAX_BYTES", settings.KIZUNA_ATTACHMENT_MAX_BYTES))


def store_attachments(message: Message, attachments: Sequence[IncomingAttachment]) -> list[dict]:
    """Save the attachments of `message` (same bytes, one file); returns what was refused, for its meta."""
    rejected, limit = [], attachment_limit()
    for item in attachments:
        content = bytes(item.content or b"")
        name = (item.filename or "").replace("/", "_").replace("\\", "_").strip()[:255] or _("添付ファイル")
        digest = hashlib.sha256(content).hexdigest()
        if len(content) > limit:
            reason = _("サイズ上限（%(limit)s MB）を超えています。") % {"limit": limit // 1024 // 1024}
            rejected.append({"filename": name, "size": len(content), "sha256": digest, "reason": reason})
            continue
        attachment = Attachment(message=message, filename=name, content_type=sniff_type(content), size=len(content),
                                sha256=digest, inline=item.inline)  # fmt: skip
        existing = Attachment.objects.filter(sha256=digest).values_list("file", flat=True).first()
        if existing:
            attachment.file.name = existing
        else:
            attachment.file.save(digest, ContentFile(content), save=False)
        attachment.save()
    return rejected


# --- matching the sender ---------------------------------------------------------------------------------------------
def _identity_person(sender: Sender) -> Person | None:
    for kind, value in ((CustomerIdentity.Kind.LINE, sender.line_user_id), (CustomerIdentity.Kind.CHAT,
                                                                            sender.chat_visitor_id)):  # fmt: skip
        if value:
            row = CustomerIdentity.objects.filter(kind=kind, value=value, person__deleted_at__isnull=True)
            person = row.select_related("person").first()
            if person is not None:
                return person.person
    return None


def _sender_data(sender: Sender) -> dict:
    family, given = japanese.split_full_name(sender.name) if sender.name.strip() else ("", "")
    data: dict = {"family_name": family, "given_name": given}
    if sender.email and japanese.is_valid_email(sender.email):
        data["emails"] = [sender.email]
    if sender.phone and japanese.parse_phone(sender.phone).valid:
        data["phones"] = [sender.phone]
    return data


def _contact_keys(sender: Sender) -> tuple[str, str]:
    email = japanese.normalize_email(sender.email) if sender.email and japanese.is_valid_email(sender.email) else ""
    phone = japanese.parse_phone(sender.phone) if sender.phone else None
    return email, (phone.digits if phone is not None and phone.valid else "")


def candidates(sender: Sender, *, limit: int = 5) -> list[tuple[float, Person]]:
    """[(probability, person)] who may be the sender, best first, by the dedup model over the people holding the
    sender's e-mail or phone digits (or named like the sender when neither is known)."""
    email, digits = _contact_keys(sender)
    values = {v for v in (email, digits) if v}
    data = _sender_data(sender)
    facts = person_facts_from_data(data)
    if values:
        ids = ContactPoint.objects.filter(normalized__in=values).values("person_id")
        pool = Person.objects.alive().filter(pk__in=ids)
    elif facts.name:
        pool = Person.objects.alive().filter(name_search=facts.name)
    else:
        return []
    ids = list(pool.order_by("-updated_at").values_list("pk", flat=True)[:50])
    records = list(people_facts(Person.objects.filter(pk__in=ids))) if ids else []
    if not records:
        return []
    found = best_matches(PERSON, facts, records, min_score=WARN_SCORE, limit=limit, scorer=_scorer(PERSON, [facts]))
    people = Person.objects.in_bulk([row[2].id for row in found])
    out = [(score, people[record.id]) for score, _reasons, record in found if record.id in people]
    if not out and values:  # the value alone (no name to weigh): exactly one holder of a personal value is them
        # An office number (代表) shared by a whole site identifies nobody alone: only a sole holder counts.
        # Several holders (a 代表 number): each may be the sender, an agent decides.
        holders = list(Person.objects.filter(pk__in=ids).order_by("-updated_at")[:limit])
        out = [(SURE_SCORE if len(holders) == 1 else WARN_SCORE, p) for p in holders]
    return out


_UNDECIDED = object()


def _exact_key(sender: Sender):
    """What the exact keys decide without the dedup model, in one indexed query on the contact points' normalized
    column: no live holder of the sender's e-mail or phone digits → nobody (the model would have nobody to weigh);
    exactly one holder whose folded name is the sender's → that person. Anything else (several holders, another name,
    no name) is `_UNDECIDED`: the dedup model weighs it."""
    email, digits = _contact_keys(sender)
    values = [v for v in (email, digits) if v]
    if not values:
        return _UNDECIDED  # a name alone: the model decides among the people of that name
    rows = list(ContactPoint.objects.filter(normalized__in=values, person__deleted_at__isnull=True)
                .values_list("person_id", "person__name_search").distinct()[:2])  # fmt: skip
    if not rows:
        return None
    name = person_facts_from_data(_sender_data(sender)).name
    if len(rows) == 1 and name and rows[0][1] == name:
        return Person.objects.filter(pk=rows[0][0]).first() or _UNDECIDED
    return _UNDECIDED


def match_sender(sender: Sender) -> tuple[Person | None, list[tuple[float, Person]]]:
    """(the person the sender surely is or None, the candidates an agent may choose from when nobody is sure).
    Exact keys first — a LINE/chat id the person is known by, the sole holder of the e-mail or phone digits under
    the same name, or no holder at all — and the dedup model only when they do not decide."""
    person = _identity_person(sender)
    if person is not None:
        return person, []
    decided = _exact_key(sender)
    if decided is not _UNDECIDED:
        return decided, []
    found = candidates(sender)
    if found and found[0][0] >= SURE_SCORE and (len(found) == 1 or found[1][0] < SURE_SCORE):
        return found[0][1], []
    return None, found


def match_person(sender: Sender) -> Person | None:
    """The person the sender surely is, or None (also used by the CTI screen pop)."""
    return match_sender(sender)[0]


def remember_identity(person: Person, sender: Sender) -> None:
    """Keep the sender's LINE/chat id on the person so the next message matches at once."""
    for kind, value in ((CustomerIdentity.Kind.LINE, sender.line_user_id), (CustomerIdentity.Kind.CHAT,
                                                                            sender.chat_visitor_id)):  # fmt: skip
        if value and not CustomerIdentity.objects.filter(kind=kind, value=value).exists():
            CustomerIdentity.objects.create(person=person, kind=kind, value=value[:200], display_name=sender.name[:200])


def _fallback_name(sender: Sender) -> tuple[str, str]:
    if sender.name.strip():
        family, given = japanese.split_full_name(sender.name)
        return family[:50], given[:50]
    if sender.email:
        return sender.email.split("@", 1)[0][:50], ""
    if sender.phone:
        return sender.phone[:50], ""
    return (_("LINEのお客様") if sender.line_user_id else _("チャットのお客様")), ""


def create_sender_person(sender: Sender, *, channel: Channel) -> Person:
    """A new person for an unknown sender (called after the duplicate check), with their contact points."""
    family, given = _fallback_name(sender)
    person = Person(family_name=family, given_name=given, name_search=japanese.search_text(family + given),
                    visibility=Visibility.PUBLIC, team=channel.team, notes=_("%(channel)s からの問い合わせで登録")
                    % {"channel": channel.name})  # fmt: skip
    points = []
    if sender.email and (point := email_point(sender.email, ContactPoint.Label.OTHER)):
        points.append(point)
    if sender.phone and (point := phone_point(sender.phone, None)):
        points.append(point)
    person.save()
    for point in points:
        point.person = person
    ContactPoint.objects.bulk_create(points)
    remember_identity(person, sender)
    audit.record(actor=None, action="create", obj=person,
                 changes={"family_name": [None, family], "given_name": [None, given or None],
                          "emails": [None, [p.value for p in points if p.kind == "email"] or None],
                          "phones": [None, [p.value for p in points if p.kind == "phone"] or None],
                          "source": [None, channel.name]})  # fmt: skip
    index_person(person)
    return person


# --- threading -------------------------------------------------------------------------------------------------------
def next_number() -> int:
    """The next ticket number, inside the caller's transaction (see TicketCounter): one `UPDATE … RETURNING`
    (SQLite ≥ 3.35 and PostgreSQL) once the counter exists."""
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE id = 1 RETURNING value")  # noqa: S608 (model name)
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    if not TicketCounter.objects.filter(pk=1).update(value=F("value") + 1):
        start = Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 0
        try:
            with transaction.atomic():
                TicketCounter.objects.create(pk=1, value=start + 1)
        except IntegrityError:  # another transaction created it first
            TicketCounter.objects.filter(pk=1).update(value=F("value") + 1)
    return TicketCounter.objects.get(pk=1).value


def _live(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def message_ids(*values: str) -> list[str]:
    return [m for value in values for m in _MESSAGE_ID.findall(value or "")][:100]


def _thread(*, in_reply_to: str, references: str, subject: str, person: Person | None) -> Ticket | None:
    ids = message_ids(in_reply_to, references)
    if ids:
        message = Message.objects.filter(external_id__in=ids).select_related("ticket").order_by("-sent_at").first()
        if message is not None and message.ticket.deleted_at is None:
            return _live(message.ticket)
    match = _TOKEN.search(subject or "")
    if match:
        ticket = Ticket.objects.alive().filter(number=int(match.group(1))).first()
        # A token alone does not let a stranger write into someone else's conversation.
        if ticket is not None and (ticket.person_id is None or (person is not None and ticket.person_id == person.pk)):
            return _live(ticket)
    return None


def _subject(subject: str, body_text: str) -> str:
    subject = japanese.collapse_spaces(_TOKEN.sub("", subject or ""))
    if subject:
        return subject[:300]
    first = next((line.strip() for line in (body_text or "").splitlines() if line.strip()), "")
    return first[:60] or _("（件名なし）")


def open_ticket(*, channel: Channel | None, subject: str, person: Person | None, actor=None, data: dict | None = None,
                now=None) -> Ticket:  # fmt: skip
    """A new ticket (inside the caller's transaction), audited as created."""
    data = data or {}
    team = data.get("team", channel.team if channel is not None else getattr(actor, "team", None))
    visibility = data.get("visibility") or (Visibility.TEAM if team else Visibility.PUBLIC)
    ticket = Ticket(
        number=next_number(), subject=subject, person=person, company_id=person.company_id if person else None,
        channel=channel, team=team, visibility=visibility,
        priority=data.get("priority") or Ticket.Priority.NORMAL, category=data.get("category", ""),
        owner=data.get("owner"), last_message_at=now or timezone.now(), created_by=actor, updated_by=actor,
    )  # fmt: skip
    ticket.save()
    changes = {"number": [None, ticket.number], "subject": [None, subject], "status": [None, ticket.status],
               "person": [None, person], "channel": [None, channel], "team": [None, team],
               "priority": [None, ticket.priority]}  # fmt: skip
    audit.record(actor=actor, action="create", obj=ticket, changes=changes)
    from ..integration import index_ticket  # the header search finds it by number and subject

    index_ticket(ticket)
    return ticket


def _duplicate(channel: Channel, external_id: str) -> Message | None:
    """The stored message of a replay. Every message is checked, and most are new: the check reads one key from the
    unique index, and the message with its ticket only when there is one."""
    if not external_id:
        return None
    found = Message.objects.filter(channel_kind=channel.kind, external_id=external_id).values_list("pk", flat=True)
    pk = next(iter(found[:1]), None)
    return None if pk is None else Message.objects.select_related("ticket").filter(pk=pk).first()


def clean_html(html: str) -> str:
    """Customer HTML as it may be shown: no scripts, styles, event handlers or remote images."""
    if not html:
        return ""
    tags = set(nh3.ALLOWED_TAGS) - {"img"}
    return nh3.clean(html, tags=tags, url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer")


def receive(*, channel: Channel, sender: Sender, body_text: str, subject: str = "", body_html: str = "",
            external_id: str = "", in_reply_to: str = "", references: str = "", ticket: Ticket | None = None,
            attachments: Sequence[IncomingAttachment] = (), sent_at: datetime | None = None,
            meta: dict | None = None) -> Received:  # fmt: skip
    """Store one incoming message (see the module's docstring). One transaction."""
    external_id = (external_id or "")[:500]
    found = _duplicate(channel, external_id)
    if found is not None:
        return Received(found.ticket, None, found.ticket.person, False, True)
    try:
        with transaction.atomic():
            return _receive(channel=channel, sender=sender, body_text=body_text or "", subject=subject or "",
                            body_html=body_html or "", external_id=external_id, in_reply_to=in_reply_to or "",
                            references=references or "", ticket=ticket, attachments=attachments,
                            sent_at=sent_at or timezone.now(), meta=dict(meta or {}))  # fmt: skip
    except IntegrityError:
        found = _duplicate(channel, external_id)  # the same event arrived twice at once: the other one won
        if found is None:
            raise
        return Received(found.ticket, None, found.ticket.person, False, True)


def _receive(*, channel, sender, body_text, subject, body_html, external_id, in_reply_to, references, ticket,
             attachments, sent_at, meta) -> Received:  # fmt: skip
    person, maybe = match_sender(sender)
    if ticket is None:
        ticket = _thread(in_reply_to=in_reply_to, references=references, subject=subject, person=person)
    else:
        ticket = _live(Ticket.objects.get(pk=ticket.pk))
    if person is None and ticket is not None and ticket.person_id:
        person = ticket.person  # a known conversation: its customer wrote again from a new address
    created_person = False
    if person is None:
        if maybe:  # the duplicate check found someone it could be: an agent decides, nobody is created
            meta["person_candidates"] = [p.pk for _score, p in maybe]
        else:
            person = create_sender_person(sender, channel=channel)
            created_person = True
    elif not created_person:
        remember_identity(person, sender)
    follow_up_of = None
    if ticket is not None and ticket.status == Ticket.Status.CLOSED:
        follow_up_of, ticket = ticket, None
    created = ticket is None
    if created:
        ticket = open_ticket(channel=channel, subject=_subject(subject, body_text), person=person, now=sent_at)
        if follow_up_of is not None:
            meta["follow_up_of"] = follow_up_of.number
    message = Message(
        ticket=ticket, direction=Message.Direction.INBOUND, channel_kind=channel.kind,
        sender_name=sender.name[:200], sender_address=(sender.email or sender.phone or sender.line_user_id
                                                       or sender.chat_visitor_id)[:320],
        subject=(subject or "")[:500], body_text=body_text, body_html=clean_html(body_html),
        external_id=external_id, in_reply_to=in_reply_to[:500], references=references, sent_at=sent_at,
        meta=meta | {"channel": channel.pk},
    )  # fmt: skip
    message.save()
    rejected = store_attachments(message, attachments)
    if rejected:
        message.meta["rejected_attachments"] = rejected
        Message.objects.filter(pk=message.pk).update(meta=message.meta)
    _touch_ticket(ticket, person=person, sent_at=sent_at, created=created)
    audit.record(actor=None, action="message.receive", obj=message, label=str(ticket)[:300],
                 changes={"ticket": [None, ticket.number], "channel": [None, channel.name],
                          "from": [None, message.sender_address], "attachments": [None, len(attachments) or None],
                          "rejected_attachments": [None, len(rejected) or None]})  # fmt: skip
    events.emit("ticket.message_received", actor=None, obj=ticket,
                data={"message": message.pk, "channel": channel.kind, "person": person.pk if person else None,
                      "created_ticket": created, "created_person": created_person})  # fmt: skip
    if created:
        from .assignment import auto_assign

        auto_assign(ticket)
    return Received(ticket, message, person, created, False)


def _touch_ticket(ticket: Ticket, *, person, sent_at, created: bool) -> None:
    fields = {"last_message_at": sent_at if created else max(ticket.last_message_at, sent_at)}
    if ticket.person_id is None and person is not None:
        fields |= {"person": person, "company": person.company}
    old_status = ticket.status
    if old_status in (Ticket.Status.WAITING, Ticket.Status.RESOLVED):
        fields |= {"status": Ticket.Status.OPEN, "waiting_since": None, "resolved_at": None}
    if created:  # opened for this message: write only what open_ticket did not already set
        fields = {key: value for key, value in fields.items() if getattr(ticket, key) != value}
        for key, value in fields.items():
            setattr(ticket, key, value)
        if fields:
            Ticket.objects.filter(pk=ticket.pk).update(**fields)
        return
    for key, value in fields.items():
        setattr(ticket, key, value)
    Ticket.objects.filter(pk=ticket.pk).update(**fields, version=F("version") + 1)
    ticket.refresh_from_db(fields=["version"])
    if "status" in fields:
        audit.record(actor=None, action="update", obj=ticket, changes={"status": [old_status, fields["status"]]})
        events.emit("ticket.status_changed", actor=None, obj=ticket,
                    data={"from": old_status, "to": fields["status"], "reopened": True})  # fmt: skip
