"""What every inbound channel hook shares: the channel by its slug, the body size limit, replay protection by the
sender's event id, and the audit row of a refused request."""

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils.translation import gettext as _

from kizuna.core import audit

from .models import Channel, HookEvent

MAX_BODY_BYTES = 1024 * 1024  # LINE and CTI events are a few kB; anything near this is not one of theirs


def channel_for(slug: str, kind: str) -> Channel | None:
    return Channel.objects.filter(slug=slug, kind=kind, active=True).first()


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


def too_large(request) -> bool:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return True
    return declared > MAX_BODY_BYTES


def oversize_error() -> JsonResponse:
    return error(413, _("リクエストが大きすぎます（上限 %(mb)d MB）。") % {"mb": MAX_BODY_BYTES // (1024 * 1024)})


def claim(channel: Channel, event_id: str, kind: str) -> bool:
    """True the first time an event id is seen on a channel (call inside the transaction that handles it)."""
    try:
        with transaction.atomic():
            HookEvent.objects.create(channel=channel, event_id=event_id[:200], kind=kind[:40])
    except IntegrityError:
        return False
    return True


def refuse(channel: Channel, action: str, reason: str, request) -> None:
    """An audit row for a refused hook request (a forged or stale signature): nothing else is stored."""
    audit.record(
        actor=None,
        action=action,
        obj=channel,
        changes={"reason": reason, "ip": request.META.get("REMOTE_ADDR", ""), "bytes": len(request.body)},
    )
