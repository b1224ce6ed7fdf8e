from django.shortcuts import render

from kizuna.core.history import record_context
from kizuna.core.pages import page_view
from kizuna.core.records import get_for_user

from ..models import CallReason, Message, Ticket
from ..services.tickets import can_work, sees_notes


def conversation(user, ticket: Ticket):
    messages = ticket.messages.select_related("author").prefetch_related("attachments").order_by("sent_at", "id")
    if not sees_notes(user):
        messages = messages.exclude(direction=Message.Direction.NOTE)
    return list(messages)


@page_view
def ticket_detail(request, pk: int):
    ticket = get_for_user(Ticket, request.user, pk)
    ticket = Ticket.objects.select_related("person", "company", "owner", "team", "channel", "call_reason",
                                           "call_reason__parent").get(pk=ticket.pk)  # fmt: skip
    context = {"nav": "support", "object": ticket, "ticket": ticket, "conversation": conversation(request.user, ticket),
               "can_work": can_work(request.user, ticket), "sees_notes": sees_notes(request.user),
               "statuses": Ticket.Status.choices, "priorities": Ticket.Priority.choices,
               "reasons": CallReason.objects.filter(active=True, parent__isnull=False).select_related("parent")
               .order_by("parent__order", "parent_id", "order", "id"),
               **record_context(request, ticket)}  # fmt: skip
    return render(request, "support/ticket_detail.html", context)
