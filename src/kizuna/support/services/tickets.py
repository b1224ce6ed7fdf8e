"""Agents' writes on tickets: create, reply (handed to the channel's sender), internal notes, assignment, status with
the call reason required at resolve, priority, category, call reason, VOC tags and the complaint flag.

Every function takes a keyword-only `actor`, checks the actor may work the ticket, runs in one transaction, writes its
audit row and emits its domain event (ticket.replied, ticket.status_changed, ticket.assigned, ticket.resolved)."""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.models import Person
from kizuna.core import audit, events, records
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import can_write_record, has_perm

from ..channels import sender_for
from ..models import CallReason, Channel, ChannelKind, Message, Ticket
from .intake import IncomingAttachment, open_ticket, store_attachments

log = logging.getLogger(__name__)
BODY_LIMIT = 100_000
TAG_LIMIT = 30
Status = Ticket.Status

# Where a status may go (新規 → 対応中 → 顧客待ち → 解決 → 完了; a resolved ticket may be reopened).
TRANSITIONS = {
    Status.NEW: {Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.WAITING: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}


def can_work(user, ticket: Ticket) -> bool:
    """Reply, note, change: the role may edit tickets and the ticket is within reach; an unassigned ticket outside
    any team may be worked by every agent (someone has to pick it up)."""
    if not has_perm(user, "ticket", "edit"):
        return False
    return can_write_record(user, ticket) or (ticket.owner_id is None and ticket.team_id is None)


def require_work(actor, ticket: Ticket) -> None:
    if not can_work(actor, ticket):
        raise PermissionDenied()


def sees_notes(user) -> bool:
    """Internal notes are for support roles: the role grants 閲覧 on 問い合わせの社内メモ."""
    return has_perm(user, "ticket_note", "view")


def may_note(user) -> bool:
    return has_perm(user, "ticket_note", "create")


def _lock(ticket: Ticket, expected_version) -> Ticket:
    current = records.lock(ticket)
    records.check_version(current, expected_version)
    if current.merged_into_id:
        raise ValidationFailed(
            _("この問い合わせは #%(number)s に統合されています。")
            % {"number": Ticket.objects.filter(pk=current.merged_into_id).values_list("number", flat=True).first()}
        )
    return current


def _save(ticket: Ticket, actor, fields: list[str]) -> None:
    records.touch(ticket, actor)
    ticket.save(update_fields=[*fields, "version", "updated_at", "updated_by"])


def _body(body_text: str, field: str = "body_text") -> str:
    body = (body_text or "").strip()
    if not body:
        raise ValidationFailed(field_errors={field: [_("本文を入力してください。")]})
    if len(body) > BODY_LIMIT:
        raise ValidationFailed(
            field_errors={field: [_("本文は%(limit)s文字以内にしてください。") % {"limit": BODY_LIMIT}]}
        )
    return body


# --- creating --------------------------------------------------------------------------------------------------------
def create_ticket(*, actor, data: dict) -> Ticket:
    """A ticket an agent opens (a phone call, a walk-in, a form): subject, body, person, channel kind, priority,
    category. The body becomes the first inbound message (as the customer told it)."""
    if not has_perm(actor, "ticket", "create"):
        raise PermissionDenied()
    subject = str(data.get("subject") or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = [_("件名を入力してください。")]
    elif len(subject) > 300:
        errors["subject"] = [_("件名は300文字以内にしてください。")]
    kind = data.get("channel_kind") or ChannelKind.PHONE
    if kind not in ChannelKind.values:
        errors["channel_kind"] = [_("チャネルの種類が正しくありません。")]
    priority = data.get("priority") or Ticket.Priority.NORMAL
    if priority not in Ticket.Priority.values:
        errors["priority"] = [_("優先度が正しくありません。")]
    person = data.get("person")
    if person is not None and not isinstance(person, Person):
        person = Person.objects.visible_to(actor).filter(pk=person).first() if str(person).isdigit() else None
        if person is None:
            errors["person"] = [_("お客様が見つかりません。")]
    channel = data.get("channel")
    if channel is not None and not isinstance(channel, Channel):
        channel = Channel.objects.alive().filter(pk=channel).first() if str(channel).isdigit() else None
        if channel is None:
            errors["channel"] = [_("チャネルが見つかりません。")]
    body = str(data.get("body_text") or "").strip()
    if len(body) > BODY_LIMIT:
        errors["body_text"] = [_("本文は%(limit)s文字以内にしてください。") % {"limit": BODY_LIMIT}]
    if errors:
        raise ValidationFailed(field_errors=errors)
    category = str(data.get("category") or "").strip()[:60]
    with transaction.atomic():
        ticket = open_ticket(channel=channel, subject=subject, person=person, actor=actor,
                             data={"priority": priority, "category": category, "owner": actor,
                                   "team": actor.team})  # fmt: skip
        Ticket.objects.filter(pk=ticket.pk).update(status=Status.OPEN)
        ticket.status = Status.OPEN
        if body:
            Message.objects.create(ticket=ticket, direction=Message.Direction.INBOUND,
                                   channel_kind=channel.kind if channel else kind, author=actor,
                                   sender_name=str(person or ""), subject=subject, body_text=body,
                                   meta={"recorded_by_agent": True})  # fmt: skip
    return ticket


# --- conversation ----------------------------------------------------------------------------------------------------
def reply_kind(ticket: Ticket) -> str:
    """The channel a reply goes out on: the ticket's channel, else the last inbound message's."""
    if ticket.channel_id:
        return ticket.channel.kind
    last = ticket.messages.filter(direction=Message.Direction.INBOUND).order_by("-sent_at", "-id").first()
    return last.channel_kind if last else ChannelKind.WEB


def reply(*, actor, ticket: Ticket, body_text: str, subject: str = "", expected_version=None, status: str = "",
          attachments=(), extra_meta: dict | None = None) -> Message:  # fmt: skip
    """An answer to the customer: recorded as an outbound message, then handed to the sender registered for the
    ticket's channel kind (support.channels); `meta["delivery"]` says sent, failed (with the error) or not_sent (no
    sender for the channel: the agent answered some other way, e.g. by phone). `expected_version` refuses a reply
    written against an old view of the ticket (someone else answered, or the customer wrote again)."""
    require_work(actor, ticket)
    body = _body(body_text)
    kind = reply_kind(ticket)
    with transaction.atomic():
        current = _lock(ticket, expected_version)
        if current.status == Status.CLOSED:
            raise ValidationFailed(_("完了した問い合わせには返信できません。"))
        last_in = current.messages.filter(direction=Message.Direction.INBOUND).order_by("-sent_at", "-id").first()
        now = timezone.now()
        message = Message.objects.create(
            ticket=current, direction=Message.Direction.OUTBOUND, channel_kind=kind, author=actor,
            sender_name=str(actor), subject=(subject or f"Re: {current.subject}")[:500], body_text=body,
            in_reply_to=(last_in.external_id if last_in else "")[:500],
            references=" ".join(filter(None, [last_in.references if last_in else "",
                                              last_in.external_id if last_in else ""]))[-5000:],
            sent_at=now, meta={"delivery": {"state": "queued"}, **(extra_meta or {})},
        )  # fmt: skip
        store_attachments(message, [a for a in attachments if isinstance(a, IncomingAttachment)])
        fields = ["last_message_at"]
        current.last_message_at = now
        if current.first_responded_at is None:
            current.first_responded_at = now
            fields.append("first_responded_at")
        if current.owner_id is None:
            current.owner, current.team = actor, actor.team or current.team
            fields += ["owner", "team"]
        new_status = status or (Status.OPEN if current.status == Status.NEW else current.status)
        if new_status != current.status:
            _check_transition(current, new_status)
            if new_status in (Status.RESOLVED, Status.CLOSED):
                raise ValidationFailed(_("解決・完了は状態の変更で行ってください（コールリーズンが必要です）。"))
            old = current.status
            _apply_status(current, new_status, now)
            fields += ["status", "waiting_since"]
        else:
            old = None
        _save(current, actor, fields)
        ticket.version, ticket.status = current.version, current.status
        audit.record(actor=actor, action="message.reply", obj=message, label=str(current)[:300],
                     changes={"ticket": [None, current.number], "channel": [None, kind],
                              "body_text": [None, body[:200]]})  # fmt: skip
        events.emit("ticket.replied", actor=actor, obj=current, data={"message": message.pk, "channel": kind})
        if old is not None:
            audit.record(actor=actor, action="update", obj=current, changes={"status": [old, current.status]})
            events.emit("ticket.status_changed", actor=actor, obj=current, data={"from": old, "to": current.status})
    deliver(message)
    return message


def deliver(message: Message) -> dict:
    """Hand a saved outbound message to its channel's sender and record the outcome in its meta."""
    send = sender_for(message.channel_kind)
    if send is None:
        outcome = {"state": "not_sent", "reason": _("このチャネルには送信手段が登録されていません。")}
    else:
        try:
            result = send(message) or {}
            outcome = {"state": "sent", "at": timezone.now().isoformat(), **result}
        except Exception as exc:
            log.warning("delivery of message %s failed: %s", message.pk, exc)
            outcome = {"state": "failed", "error": str(exc)[:500], "at": timezone.now().isoformat()}
    message.meta = {**message.meta, "delivery": outcome}
    update = {"meta": message.meta}
    if outcome.get("external_id") and not message.external_id:
        message.external_id = update["external_id"] = str(outcome["external_id"])[:500]
    Message.objects.filter(pk=message.pk).update(**update)
    return outcome


def retry_delivery(*, actor, message: Message) -> dict:
    require_work(actor, message.ticket)
    if message.direction != Message.Direction.OUTBOUND or message.meta.get("delivery", {}).get("state") == "sent":
        raise ValidationFailed(_("再送できるのは送信に失敗した返信だけです。"))
    outcome = deliver(message)
    audit.record(actor=actor, action="message.resend", obj=message, label=str(message.ticket)[:300],
                 changes={"delivery": [None, outcome["state"]]})  # fmt: skip
    return outcome


def add_note(*, actor, ticket: Ticket, body_text: str) -> Message:
    """An internal note (社内メモ): seen only by roles that may view ticket notes, never sent."""
    require_work(actor, ticket)
    if not has_perm(actor, "ticket_note", "create"):
        raise PermissionDenied()
    body = _body(body_text)
    with transaction.atomic():
        note = Message.objects.create(ticket=ticket, direction=Message.Direction.NOTE, channel_kind=reply_kind(ticket),
                                      author=actor, sender_name=str(actor), body_text=body)  # fmt: skip
        audit.record(actor=actor, action="message.note", obj=note, label=str(ticket)[:300],
                     changes={"ticket": [None, ticket.number]})  # fmt: skip
    return note


# --- fields ----------------------------------------------------------------------------------------------------------
def _check_transition(ticket: Ticket, status: str) -> None:
    if status not in Status.values:
        raise ValidationFailed(field_errors={"status": [_("状態の値が正しくありません。")]})
    if status != ticket.status and status not in TRANSITIONS[ticket.status]:
        raise ValidationFailed(field_errors={"status": [_("「%(from)s」から「%(to)s」には変更できません。") % {
            "from": Status(ticket.status).label, "to": Status(status).label}]})  # fmt: skip


def _apply_status(ticket: Ticket, status: str, now) -> None:
    ticket.status = status
    ticket.waiting_since = now if status == Status.WAITING else None
    if status == Status.RESOLVED:
        ticket.resolved_at = now
    if status == Status.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    if status in (Status.OPEN, Status.NEW):
        ticket.resolved_at = None


def clean_call_reason(value) -> CallReason | None:
    if value in (None, ""):
        return None
    reason = value if isinstance(value, CallReason) else None
    if reason is None and str(value).isdigit():
        reason = CallReason.objects.filter(pk=int(value)).select_related("parent").first()
    if reason is None or not reason.active:
        raise ValidationFailed(field_errors={"call_reason": [_("コールリーズンが見つかりません。")]})
    if reason.parent_id is None:
        raise ValidationFailed(field_errors={"call_reason": [_("コールリーズンは小分類まで選んでください。")]})
    return reason


def set_status(*, actor, ticket: Ticket, status: str, call_reason=None, expected_version=None) -> Ticket:
    """Move the ticket along 新規 → 対応中 → 顧客待ち → 解決 → 完了. Resolving (or closing) needs a call reason:
    the one given, or the one already on the ticket."""
    require_work(actor, ticket)
    reason = clean_call_reason(call_reason)
    with transaction.atomic():
        current = _lock(ticket, expected_version)
        _check_transition(current, status)
        if status == current.status and reason is None:
            return current
        if status in (Status.RESOLVED, Status.CLOSED) and reason is None and current.call_reason_id is None:
            raise ValidationFailed(field_errors={"call_reason": [_("解決にはコールリーズンの入力が必要です。")]})
        before = records.snapshot(current, ["status", "call_reason"])
        _apply_status(current, status, timezone.now())
        if reason is not None:
            current.call_reason = reason
        if status in (Status.RESOLVED, Status.CLOSED) and current.owner_id is None:
            current.owner, current.team = actor, actor.team or current.team  # who resolves it answered it
        _save(current, actor, ["status", "waiting_since", "resolved_at", "closed_at", "call_reason", "owner", "team"])
        changes = audit.diff(before, records.snapshot(current, ["status", "call_reason"]))
        audit.record(actor=actor, action="update", obj=current, changes=changes)
        if "status" in changes:
            events.emit("ticket.status_changed", actor=actor, obj=current,
                        data={"from": before["status"], "to": status})  # fmt: skip
        if status == Status.RESOLVED and before["status"] != Status.RESOLVED:
            events.emit("ticket.resolved", actor=actor, obj=current,
                        data={"call_reason": current.call_reason_id, "owner": current.owner_id})  # fmt: skip
    if status == Status.RESOLVED and before["status"] != Status.RESOLVED:
        from .csat import send_survey

        send_survey(current)
    return current


def assign(*, actor, ticket: Ticket, owner, expected_version=None) -> Ticket:
    """Hand the ticket to an agent (or to nobody with owner=None). Taking a ticket oneself, handing it on within
    one's reach, and managers' assigning in their team are allowed; the new owner must be able to work tickets."""
    require_work(actor, ticket)
    if owner is not None and not hasattr(owner, "pk"):
        owner = get_user_model().objects.filter(pk=owner, is_active=True).first() if str(owner).isdigit() else None
        if owner is None:
            raise ValidationFailed(field_errors={"owner": [_("担当者が見つかりません。")]})
    if owner is not None and not has_perm(owner, "ticket", "edit"):
        raise ValidationFailed(field_errors={"owner": [_("この人は問い合わせを担当できません（ロールの権限）。")]})
    with transaction.atomic():
        current = _lock(ticket, expected_version)
        return _assign(current, owner, actor=actor)


def _assign(current: Ticket, owner, *, actor, how: str = "manual") -> Ticket:
    if owner is not None and current.owner_id == owner.pk:
        return current
    before = records.snapshot(current, ["owner", "team"])
    current.owner = owner
    if owner is not None and owner.team_id:
        current.team = owner.team
    if current.status == Status.NEW and owner is not None and how == "manual":
        current.status = Status.OPEN
    _save(current, actor, ["owner", "team", "status"])
    changes = audit.diff(before, records.snapshot(current, ["owner", "team"]))
    audit.record(actor=actor, action="update", obj=current, changes=changes | {"assigned_by": [None, how]})
    events.emit("ticket.assigned", actor=actor, obj=current,
                data={"owner": owner.pk if owner else None, "how": how})  # fmt: skip
    if owner is not None and getattr(actor, "pk", None) != owner.pk:
        from kizuna.core.notices import Notice, notify

        notify([owner], Notice("assignment", _("問い合わせ %(ticket)s の担当になりました") % {"ticket": current},
                               url=current.get_absolute_url(), obj=current, actor=actor))  # fmt: skip
    return current


def _set_fields(actor, ticket: Ticket, values: dict, expected_version) -> Ticket:
    require_work(actor, ticket)
    with transaction.atomic():
        current = _lock(ticket, expected_version)
        before = records.snapshot(current, list(values))
        for key, value in values.items():
            setattr(current, key, value)
        changes = audit.diff(before, records.snapshot(current, list(values)))
        if changes:
            _save(current, actor, list(values))
            audit.record(actor=actor, action="update", obj=current, changes=changes)
    return current


def set_priority(*, actor, ticket: Ticket, priority: str, expected_version=None) -> Ticket:
    if priority not in Ticket.Priority.values:
        raise ValidationFailed(field_errors={"priority": [_("優先度が正しくありません。")]})
    return _set_fields(actor, ticket, {"priority": priority}, expected_version)


def set_category(*, actor, ticket: Ticket, category: str, expected_version=None) -> Ticket:
    category = (category or "").strip()
    if len(category) > 60:
        raise ValidationFailed(field_errors={"category": [_("カテゴリは60文字以内にしてください。")]})
    return _set_fields(actor, ticket, {"category": category}, expected_version)


def set_call_reason(*, actor, ticket: Ticket, call_reason, expected_version=None) -> Ticket:
    return _set_fields(actor, ticket, {"call_reason": clean_call_reason(call_reason)}, expected_version)


def clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.replace("、", ",").split(",")
    out = []
    for tag in tags or []:
        tag = " ".join(str(tag).split())
        if len(tag) > 40:
            raise ValidationFailed(field_errors={"tags": [_("VOCタグは40文字以内にしてください。")]})
        if tag and tag not in out:
            out.append(tag)
    if len(out) > TAG_LIMIT:
        raise ValidationFailed(field_errors={"tags": [_("VOCタグは%(limit)s個までです。") % {"limit": TAG_LIMIT}]})
    return out


def set_tags(*, actor, ticket: Ticket, tags, expected_version=None) -> Ticket:
    return _set_fields(actor, ticket, {"tags": clean_tags(tags)}, expected_version)
