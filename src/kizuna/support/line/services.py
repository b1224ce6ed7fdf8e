"""LINE webhook events in, replies out. Every event is handled once, by its `webhookEventId`: LINE redelivers
events it thinks were lost, and a replay changes nothing."""

import json
import logging
import mimetypes
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit

from ..channels import DeliveryFailed
from ..hooks import claim
from ..models import Channel, HookEvent, LineContact, Message, Ticket
from ..services.intake import IncomingAttachment, Sender, match_person, receive
from .client import LineClient, LineError, text_messages

log = logging.getLogger(__name__)

REPLY_TOKEN_SECONDS = 50  # LINE accepts a reply token for about a minute after the event; after that, push
MEDIA = ("image", "video", "audio", "file")
CLOSED = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


class BadPayload(ValueError):
    pass


def parse(body: bytes) -> list[dict]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPayload(_("JSONとして読めません。")) from exc
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise BadPayload(_("LINEのWebhookの形式ではありません（events の配列がありません）。"))
    return events


def _when(event: dict) -> datetime:
    try:
        return datetime.fromtimestamp(int(event.get("timestamp")) / 1000, tz=UTC)
    except (TypeError, ValueError):
        return timezone.now()


def handle_events(channel: Channel, events: list[dict]) -> dict:
    """Handles each event; returns counts {"handled": n, "replayed": n, "ignored": n}."""
    counts = {"handled": 0, "replayed": 0, "ignored": 0}
    client = LineClient(channel)
    for event in events:
        event_id = str(event.get("webhookEventId") or "")
        user_id = str((event.get("source") or {}).get("userId") or "")
        kind = str(event.get("type") or "")
        if not event_id or not user_id or kind not in ("message", "follow", "unfollow", "postback"):
            counts["ignored"] += 1
            continue
        if HookEvent.objects.filter(channel=channel, event_id=event_id).exists():
            counts["replayed"] += 1
            continue
        handled = _handle(channel, client, event, event_id, user_id, kind)
        counts["handled" if handled else "replayed"] += 1
    return counts


def _profile(client: LineClient, user_id: str) -> dict:
    try:
        return client.profile(user_id)
    except (LineError, ValueError) as exc:
        log.warning("LINE profile of %s not fetched: %s", user_id, exc)
        return {}


def _contact(channel: Channel, user_id: str, profile: dict) -> LineContact:
    contact, _created = LineContact.objects.get_or_create(channel=channel, user_id=user_id)
    if profile:
        contact.display_name = str(profile.get("displayName") or "")[:200]
        contact.picture_url = str(profile.get("pictureUrl") or "")[:500]
    if contact.person_id is None:
        contact.person = match_person(Sender(name=contact.display_name, line_user_id=user_id))
    return contact


def _content(client: LineClient, message: dict) -> tuple[list[IncomingAttachment], str]:
    """The media of an image/video/audio/file message, fetched from LINE's content endpoint."""
    provider = (message.get("contentProvider") or {}).get("type", "line")
    if provider != "line":  # content hosted elsewhere: keep its URL
        return [], str((message.get("contentProvider") or {}).get("originalContentUrl") or "")
    try:
        data, content_type = client.content(str(message.get("id")))
    except LineError as exc:
        log.warning("LINE content %s not fetched: %s", message.get("id"), exc)
        return [], _("（添付ファイルをLINEから取得できませんでした）")
    content_type = content_type.split(";")[0].strip()
    name = message.get("fileName") or f"line-{message.get('id')}{mimetypes.guess_extension(content_type) or ''}"
    return [IncomingAttachment(filename=str(name)[:255], content=data, content_type=content_type)], ""


def _text(message: dict) -> str:
    kind = message.get("type")
    if kind == "text":
        return str(message.get("text") or "")
    if kind == "sticker":
        return _("［スタンプ］")
    if kind == "location":
        return _("［位置情報］%(title)s %(address)s") % {
            "title": message.get("title") or "",
            "address": message.get("address") or "",
        }
    if kind in MEDIA:
        return {"image": _("［画像］"), "video": _("［動画］"), "audio": _("［音声］")}.get(kind, _("［ファイル］"))
    return _("［未対応のメッセージ: %(type)s］") % {"type": kind}


def _handle(channel, client, event, event_id: str, user_id: str, kind: str) -> bool:
    profile = _profile(client, user_id) if kind in ("message", "follow", "postback") else {}
    attachments, note = [], ""
    message = event.get("message") or {}
    if kind == "message" and message.get("type") in MEDIA:
        attachments, note = _content(client, message)
    at = _when(event)
    with transaction.atomic():
        if not claim(channel, event_id, kind):
            return False
        contact = _contact(channel, user_id, profile)
        if kind == "follow":
            contact.following, contact.followed_at = True, at
        elif kind == "unfollow":
            contact.following, contact.unfollowed_at = False, at
        if event.get("replyToken"):
            contact.reply_token, contact.reply_token_at = str(event["replyToken"])[:100], timezone.now()
        if kind in ("message", "postback"):
            body = (
                _text(message)
                if kind == "message"
                else _("［ボタン操作］%(data)s") % {"data": (event.get("postback") or {}).get("data", "")}
            )
            ticket = contact.ticket if contact.ticket_id and contact.ticket.status not in CLOSED else None
            result = receive(
                channel=channel,
                sender=Sender(name=contact.display_name, line_user_id=user_id),
                body_text="\n".join(filter(None, [body, note])),
                subject=_("LINE: %(name)s") % {"name": contact.display_name or user_id},
                external_id=event_id,
                ticket=ticket,
                attachments=attachments,
                sent_at=at,
                meta={"line": {"type": kind, "message_id": message.get("id", ""), "user_id": user_id,
                               "postback": event.get("postback") or {}}},
            )  # fmt: skip
            contact.ticket = result.ticket
            contact.person = contact.person or result.person
        contact.save()
        if kind in ("follow", "unfollow"):
            audit.record(actor=None, action=f"support.line.{kind}", obj=contact, changes={"user_id": user_id})
    return True


def send(message: Message) -> dict:
    """The "line" sender: an outbound ticket message to the LINE user of its conversation — by the reply token
    while it is fresh (free of charge), else by push. Returns the delivery state kept in the message's meta."""
    contact = (
        LineContact.objects.filter(channel_id=message.ticket.channel_id, ticket_id=message.ticket_id).first()
        or LineContact.objects.filter(channel_id=message.ticket.channel_id, person_id=message.ticket.person_id)
        .exclude(person=None)
        .order_by("-id")
        .first()
    )
    if contact is None:
        raise DeliveryFailed(_("この問い合わせのLINEのお客様が見つかりません。"))
    client = LineClient(contact.channel)
    messages = text_messages(message.body_text)
    fresh = (
        contact.reply_token
        and contact.reply_token_at
        and (timezone.now() - contact.reply_token_at < timedelta(seconds=REPLY_TOKEN_SECONDS))
    )
    if fresh:
        token = contact.reply_token
        LineContact.objects.filter(pk=contact.pk).update(reply_token="", reply_token_at=None)  # a token works once
        try:
            client.reply(token, messages)
            return {"via": "reply", "to": contact.user_id}
        except LineError as exc:
            log.info("LINE reply token refused (%s); pushing instead", exc)
    try:
        client.push(contact.user_id, messages)
    except LineError as exc:
        raise DeliveryFailed(_("LINEに送れませんでした（%(error)s）。") % {"error": exc}) from exc
    return {"via": "push", "to": contact.user_id}
