"""Call events from the phone system (CTI), the screen pop they raise, and the call's wrap-up.

An event is JSON signed like the platform's own outgoing webhooks (Standard Webhooks):
    {"type": "ringing" | "answered" | "ended", "call_id": "...", "caller": "03-1234-5678", "extension": "201",
     "occurred_at": "2026-12-07T10:00:00+09:00", "recording_url": "https://..."}   (recording_url: on "ended")
"""

import json
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kizuna.contacts.models import ContactPoint, Person
from kizuna.core import audit
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.japanese import parse_phone
from kizuna.timeline.services.activities import create_activity

from ..hooks import claim
from ..models import AgentExtension, Call, CallReason, Channel, Ticket
from ..services.intake import Sender, match_person, receive

TYPES = ("ringing", "answered", "ended")
CANDIDATES = 5
OPEN_STATUSES = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING)
JOIN_DAYS = 14  # an ended call joins the caller's open ticket with a message in this many days (setting below)


class BadEvent(ValueError):
    pass


def verify(channel: Channel, body: bytes, headers) -> None:
    """Raises WebhookVerificationError for a bad signature or a timestamp more than 5 minutes off."""
    if not channel.secret:
        raise WebhookVerificationError("no secret")
    try:
        Webhook(channel.secret).verify(
            body, {k: headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        )
    except ValueError as exc:  # the library parses the body after a good signature: parse() reports it
        if isinstance(exc, WebhookVerificationError):
            raise


def parse(body: bytes) -> dict:
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadEvent(_("JSONとして読めません。")) from exc
    if not isinstance(event, dict):
        raise BadEvent(_("通話イベントはJSONオブジェクトで送ってください。"))
    if event.get("type") not in TYPES:
        raise BadEvent(_("type は ringing, answered, ended のいずれかです。"))
    call_id = event.get("call_id")
    if not isinstance(call_id, str) or not call_id.strip() or len(call_id) > 100:
        raise BadEvent(_("call_id（100文字まで）がありません。"))
    for key in ("caller", "extension", "recording_url", "occurred_at"):
        if not isinstance(event.get(key, ""), str):
            raise BadEvent(_("%(key)s は文字列で送ってください。") % {"key": key})
    if len(event.get("caller", "")) > 40 or len(event.get("extension", "")) > 10:
        raise BadEvent(_("caller は40文字、extension は10文字までです。"))
    url = event.get("recording_url", "")
    if url and (len(url) > 500 or not url.startswith(("https://", "http://"))):
        raise BadEvent(_("recording_url は http(s) のURL（500文字まで）です。"))
    when = event.get("occurred_at", "")
    if when and parse_datetime(when) is None:
        raise BadEvent(_("occurred_at は ISO 8601 の日時です。"))
    return event


def caller_matches(caller: str) -> list[int]:
    """Ids of the people with this phone number: one index lookup on the contact points' national digits."""
    digits = parse_phone(caller).digits if caller else ""
    if len(digits) < 3:
        return []
    return list(
        ContactPoint.objects.filter(normalized=digits, kind=ContactPoint.Kind.PHONE)
        .values_list("person_id", flat=True)
        .distinct()[:CANDIDATES]
    )


def _at(event: dict) -> datetime:
    when = parse_datetime(event.get("occurred_at") or "")
    if when is None:
        return timezone.now()
    return when if timezone.is_aware(when) else timezone.make_aware(when)


def handle(channel: Channel, webhook_id: str, event: dict) -> Call | None:
    """Applies one call event; None when the webhook id was seen before (a replay)."""
    with transaction.atomic():
        if not claim(channel, webhook_id, f"call.{event['type']}"):
            return None
        call, _created = Call.objects.select_for_update().get_or_create(channel=channel, call_id=event["call_id"])
        at = _at(event)
        if event.get("caller") and not call.caller:
            call.caller = event["caller"]
            call.caller_digits = parse_phone(event["caller"]).digits[:20]
            matches = caller_matches(event["caller"])
            call.person_id = matches[0] if len(matches) == 1 else call.person_id
        if event.get("extension") and event["extension"] != call.extension:
            call.extension = event["extension"]
            call.agent_id = (
                AgentExtension.objects.filter(extension=call.extension).values_list("user_id", flat=True).first()
            )
        kind = event["type"]
        if kind == "ringing":
            call.ringing_at = call.ringing_at or at
        elif kind == "answered":
            call.answered_at = call.answered_at or at
        if call.state != Call.State.ENDED:
            call.state = kind
        if kind == "ended" and call.ended_at is None:
            call.ended_at = at
            call.recording_url = event.get("recording_url", "") or call.recording_url
            start = call.answered_at or call.ringing_at or at
            call.duration_seconds = max(0, int((at - start).total_seconds())) if call.answered_at else 0
            call.save()
            _record_message(channel, call)
        call.save()
    return call


def _duration(seconds: int | None) -> str:
    minutes, secs = divmod(seconds or 0, 60)
    return _("%(m)d分%(s)02d秒") % {"m": minutes, "s": secs}


def open_ticket_of(person_id: int | None, *, at: datetime) -> Ticket | None:
    """The caller's open ticket a call belongs to: the person's newest ticket that is 新規, 対応中 or 顧客待ち, not
    merged away, with a message in the last `KIZUNA_SUPPORT_CALL_JOIN_DAYS` days (default 14). None opens a new one."""
    if not person_id:
        return None
    days = int(getattr(settings, "KIZUNA_SUPPORT_CALL_JOIN_DAYS", JOIN_DAYS))
    return (
        Ticket.objects.alive()
        .filter(person_id=person_id, status__in=OPEN_STATUSES, merged_into__isnull=True,
                last_message_at__gte=at - timedelta(days=days))
        .order_by("-last_message_at", "-pk")
        .first()
    )  # fmt: skip


def _record_message(channel: Channel, call: Call) -> None:
    """An ended call becomes a message on the caller's open ticket (same person, open, recent: `open_ticket_of`),
    or on a new ticket when there is none, with its recording."""
    if call.answered_at:
        lines = [_("通話（%(duration)s）") % {"duration": _duration(call.duration_seconds)}]
    else:
        lines = [_("不在着信")]
    if call.recording_url:
        lines.append(_("録音: %(url)s") % {"url": call.recording_url})
    person = Person.objects.filter(pk=call.person_id).first() if call.person_id else None
    if person is None and call.caller:
        person = match_person(Sender(phone=call.caller))
    result = receive(
        ticket=open_ticket_of(person.pk if person else None, at=call.ended_at or timezone.now()),
        channel=channel,
        sender=Sender(name=person.display_name if person else "", phone=call.caller),
        body_text="\n".join(lines),
        subject=_("電話: %(caller)s") % {"caller": call.caller or _("番号非通知")},
        external_id=f"{channel.slug}:{call.call_id}",
        sent_at=call.ringing_at or call.ended_at,
        meta={"call": {"call_id": call.call_id, "extension": call.extension, "duration": call.duration_seconds,
                       "recording_url": call.recording_url, "answered": bool(call.answered_at)}},
    )  # fmt: skip
    call.ticket = result.ticket
    call.person_id = call.person_id or (result.person.pk if result.person else None)


# --- the agent's side ------------------------------------------------------------------------------------------
def current_call(user) -> Call | None:
    """The call on the agent's screen: the newest one not wrapped up and not dismissed."""
    return (
        Call.objects.filter(agent=user, wrapped_up_at=None, dismissed_at=None)
        .select_related("person")
        .order_by("-created_at", "-id")
        .first()
    )


def dismiss(*, actor, call: Call) -> None:
    if call.state != Call.State.ENDED or call.wrapped_up_at:
        Call.objects.filter(pk=call.pk).update(dismissed_at=timezone.now())
        return
    raise ValidationFailed(field_errors={"reason": [_("終了した通話はコールリーズンを選んで完了してください。")]})


def reason_choices() -> list[CallReason]:
    return list(
        CallReason.objects.filter(active=True, parent__isnull=False, parent__active=True).select_related("parent")
    )


def wrap_up(*, actor, call: Call, reason_id, note: str = "") -> Call:
    """After the call the agent picks the call reason (required): the call becomes a call activity with its
    duration on the person's timeline."""
    if call.state != Call.State.ENDED:
        raise ValidationFailed(field_errors={"reason": [_("通話が終了してからコールリーズンを入力してください。")]})
    if call.wrapped_up_at:
        raise ValidationFailed(field_errors={"reason": [_("この通話は入力済みです。")]})
    reason = (
        CallReason.objects.filter(pk=reason_id, active=True, parent__isnull=False).select_related("parent").first()
        if str(reason_id or "").isdigit()
        else None
    )
    if reason is None:
        raise ValidationFailed(field_errors={"reason": [_("コールリーズンを選んでください。")]})
    if len(note) > 2000:
        raise ValidationFailed(field_errors={"note": [_("メモは2000文字までです。")]})
    with transaction.atomic():
        data = {
            "kind": "call",
            "occurred_at": call.answered_at or call.ringing_at or call.ended_at,
            "duration_minutes": math.ceil((call.duration_seconds or 0) / 60),
            "subject": _("電話: %(reason)s") % {"reason": reason},
            "body": "\n".join(
                filter(None, [note, call.recording_url and _("録音: %(url)s") % {"url": call.recording_url}])
            ),
            "source": "phone",
        }
        if call.person_id:
            data["people"] = [call.person_id]
        if call.ticket_id:
            data["links"] = [{"type": "ticket", "id": call.ticket_id}]
        activity = create_activity(actor=actor, data=data)
        call.activity, call.reason, call.wrapped_up_at = activity, reason, timezone.now()
        call.save(update_fields=["activity", "reason", "wrapped_up_at"])
        audit.record(actor=actor, action="support.call.wrapped_up", obj=call, changes={"reason": str(reason)})
    return call


def link_new_person(*, actor, call: Call, family_name: str, given_name: str = "") -> Person:
    """「新規登録」 from the pop: a new person with the caller's number, linked to the call."""
    from kizuna.contacts.services.people import create_person

    data = {"family_name": family_name, "given_name": given_name}
    if call.caller:
        data["phones"] = [call.caller]
    person = create_person(actor=actor, data=data)
    Call.objects.filter(pk=call.pk).update(person=person)
    call.person = person
    return person


def set_extension(*, actor, user, extension: str) -> AgentExtension | None:
    extension = extension.strip()
    if extension and (not extension.isdigit() or len(extension) > 10):
        raise ValidationFailed(field_errors={"extension": [_("内線番号は10桁までの数字です。")]})
    with transaction.atomic():
        before = AgentExtension.objects.filter(user=user).values_list("extension", flat=True).first() or ""
        if extension and AgentExtension.objects.filter(extension=extension).exclude(user=user).exists():
            raise ValidationFailed(field_errors={"extension": [_("この内線番号は他の担当者が使っています。")]})
        AgentExtension.objects.filter(user=user).delete()
        row = AgentExtension.objects.create(user=user, extension=extension) if extension else None
        audit.record(actor=actor, action="support.extension.set", obj=user, changes={"extension": [before, extension]})
    return row
