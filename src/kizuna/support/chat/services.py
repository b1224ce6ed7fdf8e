"""Web chat: visitors of a customer's web site talk to the center through the widget. A chat channel is one site
(its slug is the widget's `data-site`); its settings:

    {"allowed_origins": ["https://www.example.co.jp"],  # the only origins the widget's API answers (CORS)
     "messages_per_minute": 20,                          # per visitor
     "conversations_per_hour": 20,                       # new visitors per IP address
     "title": "...", "greeting": "..."}                  # shown in the widget
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import DomainError, ValidationFailed
from kizuna.core.japanese import is_valid_email, normalize_email

from ..models import Channel, ChatVisitor, CustomerIdentity, Message, Ticket
from ..services.intake import Sender, match_person, receive

MAX_TEXT = 2000
CLOSED = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
DEFAULTS = {"messages_per_minute": 20, "conversations_per_hour": 20}


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


def setting(channel: Channel, key: str):
    value = (channel.settings or {}).get(key, DEFAULTS.get(key))
    return value


def allowed_origins(channel: Channel) -> list[str]:
    origins = setting(channel, "allowed_origins") or []
    return [str(o).rstrip("/") for o in origins if isinstance(o, str)]


def origin_allowed(channel: Channel, origin: str) -> bool:
    return bool(origin) and origin.rstrip("/") in allowed_origins(channel)


def page_csp(kizuna_origin: str) -> dict[str, list[str]]:
    """What the CSP of a page that embeds the widget must allow: the script and its stylesheet from Kizuna, and
    its calls to Kizuna's chat API. Nothing inline is needed."""
    return {"script-src": [kizuna_origin], "style-src": [kizuna_origin], "connect-src": [kizuna_origin]}


def _hash(value: str) -> str:
    return hashlib.sha256(f"{django_settings.SECRET_KEY}:{value}".encode()).hexdigest()


def visitor_for(channel: Channel, token: str) -> ChatVisitor | None:
    if not token or len(token) > 200:
        return None
    return ChatVisitor.objects.filter(channel=channel, token_hash=_hash(token)).select_related("ticket").first()


def open_conversation(channel: Channel, *, origin: str, ip: str) -> tuple[ChatVisitor, str]:
    """A new visitor and the token their browser keeps; limited per IP address and hour."""
    ip_hash = _hash(ip)[:64]
    since = timezone.now() - timedelta(hours=1)
    recent = ChatVisitor.objects.filter(channel=channel, ip_hash=ip_hash, created_at__gte=since).count()
    if recent >= int(setting(channel, "conversations_per_hour")):
        raise RateLimited(_("新しい会話が多すぎます。しばらくしてからお試しください。"))
    token = secrets.token_urlsafe(32)
    visitor = ChatVisitor.objects.create(
        channel=channel, public_id=uuid.uuid4().hex, token_hash=_hash(token), origin=origin[:200], ip_hash=ip_hash
    )
    return visitor, token


def _sender(visitor: ChatVisitor) -> Sender:
    return Sender(name=visitor.name, email=visitor.email, chat_visitor_id=visitor.public_id)


def post_message(visitor: ChatVisitor, *, text: str, client_id: str = "") -> Message:
    """The visitor's message, into the conversation's ticket (a new one when there is none or it was resolved).
    `client_id` (the widget's id for the message) makes a resent message a no-op."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(field_errors={"text": [_("メッセージを入力してください。")]})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(field_errors={"text": [_("メッセージは%(max)d文字までです。") % {"max": MAX_TEXT}]})
    if not client_id or len(client_id) > 64:
        client_id = uuid.uuid4().hex
    channel = visitor.channel
    since = timezone.now() - timedelta(minutes=1)
    if visitor.ticket_id and (
        Message.objects.filter(
            ticket_id=visitor.ticket_id, direction=Message.Direction.INBOUND, created_at__gte=since,
            meta__chat_visitor=visitor.public_id,
        ).count()
        >= int(setting(channel, "messages_per_minute"))
    ):  # fmt: skip
        raise RateLimited(_("送信が多すぎます。少し待ってからお送りください。"))
    ticket = visitor.ticket if visitor.ticket_id and visitor.ticket.status not in CLOSED else None
    with transaction.atomic():
        result = receive(
            channel=channel,
            sender=_sender(visitor),
            body_text=text,
            subject=_("チャット: %(text)s") % {"text": text[:40]},
            external_id=f"{channel.slug}:{visitor.public_id}:{client_id}",
            ticket=ticket,
            meta={"chat_visitor": visitor.public_id, "origin": visitor.origin},
        )
        ChatVisitor.objects.filter(pk=visitor.pk).update(
            ticket=result.ticket, person=visitor.person or result.person, last_seen_at=timezone.now()
        )
        visitor.ticket = result.ticket
    return result.message or Message.objects.get(
        channel_kind="chat", external_id=f"{channel.slug}:{visitor.public_id}:{client_id}"
    )


def set_profile(visitor: ChatVisitor, *, name: str, email: str) -> ChatVisitor:
    """The visitor says who they are (both optional); the e-mail matches them to a person through intake."""
    name, email = (name or "").strip(), (email or "").strip()
    errors = {}
    if len(name) > 100:
        errors["name"] = [_("お名前は100文字までです。")]
    if email and (len(email) > 254 or not is_valid_email(email)):
        errors["email"] = [_("メールアドレスの形式が正しくありません。")]
    if errors:
        raise ValidationFailed(field_errors=errors)
    with transaction.atomic():
        visitor.name, visitor.email = name, normalize_email(email) if email else ""
        before = visitor.person_id
        if visitor.email or visitor.name:
            # Matched by what they said alone: the chat id may still point at the placeholder person intake made
            # for the anonymous visitor, and the customer they really are wins over it.
            found = match_person(Sender(name=visitor.name, email=visitor.email))
            if found is not None and found.pk != visitor.person_id:
                visitor.person = found
                CustomerIdentity.objects.filter(kind=CustomerIdentity.Kind.CHAT, value=visitor.public_id).update(
                    person=found
                )
        visitor.save(update_fields=["name", "email", "person"])
        changes = {"name": visitor.name, "email": visitor.email}
        if visitor.person_id != before:
            changes["person"] = [before, visitor.person_id]
        audit.record(actor=None, action="support.chat.profile", obj=visitor, changes=changes)
    return visitor


def messages_for(visitor: ChatVisitor, *, after: int = 0, touch: bool = True) -> list[Message]:
    """What the widget shows: the conversation's messages from and to the visitor (never internal notes).
    `touch` notes that the visitor is still there (a live stream does it once, not on every poll)."""
    if touch:
        ChatVisitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now())
    if not visitor.ticket_id:
        return []
    return list(
        Message.objects.filter(
            ticket_id=visitor.ticket_id,
            direction__in=(Message.Direction.INBOUND, Message.Direction.OUTBOUND),
            pk__gt=after,
        )
        .select_related("author")
        .order_by("pk")[:200]
    )


def send(message: Message) -> dict:
    """The "chat" sender: an agent's reply is already stored as the ticket's outbound message, which the widget
    fetches on its next poll; nothing leaves the server until the visitor's browser asks."""
    visitors = ChatVisitor.objects.filter(ticket_id=message.ticket_id).count()
    return {"via": "widget", "visitors": visitors}
