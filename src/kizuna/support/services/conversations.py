"""Reshaping conversations: merge two tickets of one customer, split a message off to a new ticket, re-link a ticket to
another person, and the complaint (クレーム) flag with its escalation to the team's managers."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.models import Person
from kizuna.core import audit, events, records
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.notices import Notice, notify
from kizuna.core.permissions import Role

from ..models import Message, Ticket
from .intake import open_ticket
from .tickets import _lock, _save, require_work

Status = Ticket.Status


def merge_tickets(*, actor, survivor: Ticket, other: Ticket, expected_version=None) -> Ticket:
    """Move `other`'s messages onto `survivor`; `other` is closed and points at the survivor (a later message that
    threads onto it lands on the survivor). Tags are joined; the complaint flag and the higher priority win."""
    if survivor.pk == other.pk:
        raise ValidationFailed(_("同じ問い合わせは統合できません。"))
    require_work(actor, survivor)
    require_work(actor, other)
    with transaction.atomic():
        first, second = sorted([survivor, other], key=lambda t: t.pk)  # one lock order: no deadlock
        locked = {t.pk: records.lock(t) for t in (first, second)}
        target, source = locked[survivor.pk], locked[other.pk]
        records.check_version(target, expected_version)
        if source.merged_into_id or target.merged_into_id:
            raise ValidationFailed(_("すでに統合された問い合わせです。"))
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        order = list(Ticket.Priority.values)
        target.tags = list(dict.fromkeys([*target.tags, *source.tags]))
        target.is_complaint = target.is_complaint or source.is_complaint
        if order.index(source.priority) > order.index(target.priority):
            target.priority = source.priority
        target.last_message_at = max(target.last_message_at, source.last_message_at)
        if target.person_id is None and source.person_id:
            target.person_id, target.company_id = source.person_id, source.company_id
        _save(target, actor, ["tags", "is_complaint", "priority", "last_message_at", "person", "company"])
        now = timezone.now()
        source.merged_into, source.status, source.closed_at = target, Status.CLOSED, now
        _save(source, actor, ["merged_into", "status", "closed_at"])
        audit.record(actor=actor, action="ticket.merge", obj=target,
                     changes={"merged": [None, f"#{source.number}"], "messages": [None, moved]})  # fmt: skip
        audit.record(
            actor=actor,
            action="ticket.merged_into",
            obj=source,
            changes={"merged_into": [None, f"#{target.number}"], "status": [Status.OPEN, Status.CLOSED]},
        )
    return target


def split_message(*, actor, message: Message) -> Ticket:
    """Move one inbound message to a new ticket of the same customer and channel (a customer who raised a second
    matter in the same thread)."""
    ticket = message.ticket
    require_work(actor, ticket)
    if message.direction != Message.Direction.INBOUND:
        raise ValidationFailed(_("切り出せるのはお客様からのメッセージだけです。"))
    if ticket.messages.count() < 2:
        raise ValidationFailed(_("メッセージが1件だけの問い合わせは切り出せません。"))
    with transaction.atomic():
        _lock(ticket, None)
        subject = (message.subject or message.body_text.strip().split("\n", 1)[0] or ticket.subject)[:300]
        new = open_ticket(channel=ticket.channel, subject=subject, person=ticket.person, actor=actor,
                          data={"team": ticket.team, "priority": ticket.priority, "owner": actor},
                          now=message.sent_at)  # fmt: skip
        Message.objects.filter(pk=message.pk).update(ticket=new)
        Ticket.objects.filter(pk=new.pk).update(status=Status.OPEN)
        new.status = Status.OPEN
        last = ticket.messages.exclude(pk=message.pk).order_by("-sent_at").values_list("sent_at", flat=True).first()
        if last:
            ticket.last_message_at = last
            _save(ticket, actor, ["last_message_at"])
        audit.record(actor=actor, action="ticket.split", obj=ticket,
                     changes={"split_to": [None, f"#{new.number}"], "message": [None, message.pk]})  # fmt: skip
    return new


def relink_person(*, actor, ticket: Ticket, person, expected_version=None) -> Ticket:
    """Point the conversation at another person (intake matched the wrong one, or could not decide). The person's
    channel ids (LINE, chat) move with it, so the next message matches the right person."""
    from ..models import CustomerIdentity

    require_work(actor, ticket)
    if person is not None and not isinstance(person, Person):
        person = Person.objects.visible_to(actor).filter(pk=person).first() if str(person).isdigit() else None
        if person is None:
            raise NotFound()
    with transaction.atomic():
        current = _lock(ticket, expected_version)
        before = records.snapshot(current, ["person", "company"])
        old_person_id = current.person_id
        current.person = person
        current.company = person.company if person else None
        _save(current, actor, ["person", "company"])
        if person is not None:
            senders = current.messages.filter(direction=Message.Direction.INBOUND).values_list("sender_address",
                                                                                              flat=True)  # fmt: skip
            ids = CustomerIdentity.objects.filter(value__in=set(senders))
            if old_person_id:
                ids = ids.filter(person_id=old_person_id)
            ids.update(person=person)
        audit.record(actor=actor, action="update", obj=current,
                     changes=audit.diff(before, records.snapshot(current, ["person", "company"])))  # fmt: skip
    return current


def managers_of(team) -> list:
    if team is None:
        return []
    return list(get_user_model().objects.filter(team=team, is_active=True, role=Role.MANAGER))


def set_complaint(*, actor, ticket: Ticket, is_complaint: bool, reason: str = "", expected_version=None) -> Ticket:
    """Flag (or unflag) a complaint. Flagging escalates: the team's managers are notified and the ticket becomes
    at least 高 priority."""
    require_work(actor, ticket)
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        current = _lock(ticket, expected_version)
        if current.is_complaint == bool(is_complaint):
            return current
        before = records.snapshot(current, ["is_complaint", "priority"])
        current.is_complaint = bool(is_complaint)
        if current.is_complaint and current.priority in (Ticket.Priority.LOW, Ticket.Priority.NORMAL):
            current.priority = Ticket.Priority.HIGH
        _save(current, actor, ["is_complaint", "priority"])
        changes = audit.diff(before, records.snapshot(current, ["is_complaint", "priority"]))
        if reason:
            changes["reason"] = [None, reason]
        audit.record(actor=actor, action="update", obj=current, changes=changes)
        if current.is_complaint:
            managers = [m for m in managers_of(current.team) if m.pk != getattr(actor, "pk", None)]
            events.emit("ticket.escalated", actor=actor, obj=current,
                        data={"complaint": True, "managers": [m.pk for m in managers], "reason": reason})  # fmt: skip
            if managers:
                notify(
                    managers,
                    Notice(
                        "complaint",
                        _("クレーム: %(ticket)s") % {"ticket": current},
                        body=reason,
                        url=current.get_absolute_url(),
                        obj=current,
                        actor=actor,
                    ),
                )
    return current
