"""The SSE streams of the inbox and the ticket page (see support/live.py)."""

from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from kizuna.core.models import OutboxEvent
from kizuna.core.pages import page_view, require_writer
from kizuna.core.records import get_for_user

from .. import live
from ..models import Message, Ticket
from ..services import presence
from ..services.tickets import can_work, sees_notes


def outbox_position() -> int:
    """The newest event id: the inbox page starts its stream there."""
    return OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@require_GET
@page_view
def inbox_stream(request):
    """`tickets` frames `{"ids": [...]}`: tickets the user can see were created or changed since the cursor."""
    require_writer(request.user, "ticket", "view")
    user = request.user

    def poll(position: int):
        rows = list(OutboxEvent.objects.filter(pk__gt=position, object_type="ticket").order_by("pk")
                    .values_list("pk", "object_id")[:500])  # fmt: skip
        if not rows:
            return position, []
        ids = {int(oid) for _pk, oid in rows if oid.isdigit()}
        visible = sorted(Ticket.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        newest = rows[-1][0]
        return newest, [live.frame("tickets", {"ids": visible}, newest)] if visible else [f"id: {newest}\n\n"]

    return live.stream(request, poll, live.cursor(request, outbox_position()))


@require_GET
@page_view
def ticket_stream(request, pk: int):
    """`message` frames (the rendered message, by message id) and `presence` frames (the collision warning, when
    who else is on the ticket changes)."""
    ticket = get_for_user(Ticket, request.user, pk)
    user = request.user
    notes, work = sees_notes(user), can_work(user, ticket)
    shown = {"others": None}

    def poll(position: int):
        out = []
        rows = ticket.messages.filter(pk__gt=position).select_related("author").prefetch_related("attachments")
        if not notes:
            rows = rows.exclude(direction=Message.Direction.NOTE)
        for message in rows.order_by("pk")[:50]:
            # `conversation` only says whether the message may be split off: a message after the first one may.
            context = {"m": message, "can_work": work, "conversation": [None] * (2 if position else 1)}
            html = render_to_string("support/partials/message.html", context, request=request)
            out.append(live.frame("message", {"id": message.pk, "html": html}, message.pk))
            position = message.pk
        others = presence.others(user=user, ticket=ticket)
        key = [(p.user_id, p.typing) for p in others]
        if key != shown["others"]:
            if shown["others"] is not None or others:
                html = render_to_string("support/partials/presence.html", {"ticket": ticket, "others": others})
                out.append(live.frame("presence", {"html": html}))
            shown["others"] = key
        return position, out

    start = ticket.messages.order_by("-pk").values_list("pk", flat=True).first() or 0
    return live.stream(request, poll, live.cursor(request, start))
