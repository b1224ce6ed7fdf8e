"""/api/v1/tickets (list, get, create, update with ETag/If-Match, messages, replies, notes, assignment, status) and
/api/v1/call-reasons."""

from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from kizuna.core.api import ErrorOut, expected_version, set_etag
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.pagination import paginate
from kizuna.core.permissions import has_perm
from kizuna.core.records import get_for_user
from kizuna.core.schemas import Bounded, Strict
from kizuna.core.visibility import viewer_for

from .models import CallReason, Message, Ticket
from .services import conversations, reasons
from .services import tickets as service
from .services.inbox import QUEUES, inbox

router = Router(tags=["support"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


class NamedRef(Schema):
    id: int
    name: str


class TicketOut(Schema):
    id: int
    number: int
    subject: str
    status: str
    priority: str
    category: str
    call_reason: NamedRef | None
    is_complaint: bool
    tags: list[str]
    person: NamedRef | None
    company: NamedRef | None
    owner: NamedRef | None
    team: NamedRef | None
    channel: NamedRef | None
    last_message_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into: int | None
    created_at: datetime
    version: int


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class TicketParams(Bounded):
    queue: str | None = None
    status: list[str] = []
    owner: str | None = None  # "me", "none" or a user id
    team: int | None = None
    person: int | None = None
    company: int | None = None
    complaint: bool | None = None
    q: str | None = None
    cursor: str | None = None
    limit: int = 25


class TicketIn(Strict):
    subject: str
    body_text: str = ""
    person: int | None = None
    priority: str = "normal"
    category: str = ""
    channel_kind: str = "phone"


class TicketPatch(Strict):
    priority: str | None = None
    category: str | None = None
    call_reason: int | None = None
    tags: list[str] | None = None
    is_complaint: bool | None = None
    complaint_reason: str = ""
    person: int | None = None


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    direction: str
    channel_kind: str
    author: NamedRef | None
    sender_name: str
    sender_address: str
    subject: str
    body_text: str
    body_html: str
    sent_at: datetime
    delivery: dict | None
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class MessageIn(Strict):
    kind: str = "reply"  # reply | note
    body_text: str
    status: str = ""  # a reply may put the ticket to 顧客待ち (waiting)


class AssignIn(Strict):
    owner: int | None = None


class TicketStatusIn(Strict):
    status: str
    call_reason: int | None = None


class CallReasonOut(Schema):
    id: int
    name: str
    parent: int | None
    order: int
    active: bool


class CallReasonIn(Strict):
    name: str
    parent: int | None = None
    order: int = 0


def _ref(viewer, obj) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": viewer.name(obj)}


def ticket_out(viewer, t: Ticket) -> dict:
    return {
        "id": t.pk, "number": t.number, "subject": t.subject, "status": t.status, "priority": t.priority,
        "category": t.category, "is_complaint": t.is_complaint, "tags": t.tags,
        "call_reason": {"id": t.call_reason_id, "name": str(t.call_reason)} if t.call_reason_id else None,
        "person": _ref(viewer, t.person), "company": _ref(viewer, t.company),
        "owner": {"id": t.owner_id, "name": str(t.owner)} if t.owner_id else None,
        "team": {"id": t.team_id, "name": t.team.name} if t.team_id else None,
        "channel": {"id": t.channel_id, "name": t.channel.name} if t.channel_id else None,
        "last_message_at": t.last_message_at, "first_responded_at": t.first_responded_at,
        "resolved_at": t.resolved_at, "closed_at": t.closed_at, "merged_into": t.merged_into_id,
        "created_at": t.created_at, "version": t.version,
    }  # fmt: skip


def _related(qs):
    return qs.select_related("person", "company", "owner", "team", "channel", "call_reason", "call_reason__parent")


def _out(request, response, pk: int) -> dict:
    ticket = _related(Ticket.objects.filter(pk=pk)).get()
    set_etag(response, ticket)
    return ticket_out(viewer_for(request.user), ticket)


@router.get("/tickets", response={200: TicketPage, **ERRORS})
def list_tickets(request: HttpRequest, params: Query[TicketParams]):
    if params.queue and params.queue not in QUEUES:
        raise ValidationFailed(field_errors={"queue": [f"{', '.join(QUEUES)}"]})
    qs = inbox(request.user, queue=params.queue, team=params.team) if params.queue else \
        Ticket.objects.visible_to(request.user)  # fmt: skip
    bad = [s for s in params.status if s not in Ticket.Status.values]
    if bad:
        raise ValidationFailed(field_errors={"status": [", ".join(Ticket.Status.values)]})
    if params.status:
        qs = qs.filter(status__in=params.status)
    if params.owner == "me":
        qs = qs.filter(owner_id=request.user.pk)
    elif params.owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif params.owner:
        if not params.owner.isdigit():
            raise ValidationFailed(field_errors={"owner": ["me, none, <id>"]})
        qs = qs.filter(owner_id=int(params.owner))
    for key in ("team", "person", "company"):
        if getattr(params, key) is not None:
            qs = qs.filter(**{f"{key}_id": getattr(params, key)})
    if params.complaint is not None:
        qs = qs.filter(is_complaint=params.complaint)
    if params.q:
        text = params.q.strip().lstrip("#")
        qs = qs.filter(Q(number=int(text)) | Q(subject__contains=text)) if text.isdigit() and len(text) < 10 \
            else qs.filter(subject__contains=text)  # fmt: skip
    limit = max(1, min(params.limit, 100))
    page = paginate(_related(qs), sort="-last_message_at", cursor=params.cursor, limit=limit)
    viewer = viewer_for(request.user)
    viewer.prime_related(page.items, "person", "company")
    return {"items": [ticket_out(viewer, t) for t in page.items], "next_cursor": page.next_cursor}


@router.post("/tickets", response={201: TicketOut, **ERRORS})
def create_ticket(request: HttpRequest, response: HttpResponse, payload: TicketIn):
    ticket = service.create_ticket(actor=request.user, data=payload.dict())
    return Status(201, _out(request, response, ticket.pk))


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def get_ticket(request: HttpRequest, response: HttpResponse, ticket_id: int):
    ticket = get_for_user(Ticket, request.user, ticket_id)
    return _out(request, response, ticket.pk)


def _work(request, ticket_id: int) -> Ticket:
    ticket = get_for_user(Ticket, request.user, ticket_id)
    if not service.can_work(request.user, ticket):
        raise PermissionDenied()
    return ticket


@router.patch("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def patch_ticket(request: HttpRequest, response: HttpResponse, ticket_id: int, payload: TicketPatch):
    ticket = _work(request, ticket_id)
    version = expected_version(request, ticket)
    data = payload.dict(exclude_unset=True)
    user = request.user
    if "priority" in data:
        ticket = service.set_priority(actor=user, ticket=ticket, priority=data["priority"] or "",
                                      expected_version=version)  # fmt: skip
    if "category" in data:
        ticket = service.set_category(actor=user, ticket=ticket, category=data["category"] or "",
                                      expected_version=ticket.version)  # fmt: skip
    if "call_reason" in data:
        ticket = service.set_call_reason(actor=user, ticket=ticket, call_reason=data["call_reason"],
                                         expected_version=ticket.version)  # fmt: skip
    if "tags" in data:
        ticket = service.set_tags(actor=user, ticket=ticket, tags=data["tags"] or [], expected_version=ticket.version)
    if data.get("is_complaint") is not None:
        ticket = conversations.set_complaint(
            actor=user,
            ticket=ticket,
            is_complaint=data["is_complaint"],
            reason=data.get("complaint_reason", ""),
            expected_version=ticket.version,
        )
    if "person" in data:
        ticket = conversations.relink_person(actor=user, ticket=ticket, person=data["person"],
                                             expected_version=ticket.version)  # fmt: skip
    return _out(request, response, ticket.pk)


def message_out(viewer, m: Message) -> dict:
    return {
        "id": m.pk, "direction": m.direction, "channel_kind": m.channel_kind,
        "author": {"id": m.author_id, "name": str(m.author)} if m.author_id else None,
        "sender_name": m.sender_name, "sender_address": m.sender_address, "subject": m.subject,
        "body_text": m.body_text, "body_html": m.body_html, "sent_at": m.sent_at,
        "delivery": (m.meta or {}).get("delivery"),
        "attachments": [{"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                        for a in m.attachments.all()],
    }  # fmt: skip


class MessageParams(Bounded):
    cursor: str | None = None
    limit: int = 50


@router.get("/tickets/{ticket_id}/messages", response={200: MessagePage, **ERRORS})
def list_messages(request: HttpRequest, ticket_id: int, params: Query[MessageParams]):
    ticket = get_for_user(Ticket, request.user, ticket_id)
    qs = ticket.messages.select_related("author").prefetch_related("attachments")
    if not service.sees_notes(request.user):
        qs = qs.exclude(direction=Message.Direction.NOTE)
    page = paginate(qs, sort="sent_at", cursor=params.cursor, limit=max(1, min(params.limit, 200)))
    viewer = viewer_for(request.user)
    return {"items": [message_out(viewer, m) for m in page.items], "next_cursor": page.next_cursor}


@router.post("/tickets/{ticket_id}/messages", response={201: MessageOut, **ERRORS})
def create_message(request: HttpRequest, ticket_id: int, payload: MessageIn):
    """A reply to the customer (sent through the channel's sender) or an internal note. With If-Match, a reply
    written against an old version of the ticket is refused (412)."""
    ticket = _work(request, ticket_id)
    if payload.kind == "note":
        message = service.add_note(actor=request.user, ticket=ticket, body_text=payload.body_text)
    elif payload.kind == "reply":
        version = expected_version(request, ticket) if request.headers.get("If-Match") else None
        message = service.reply(actor=request.user, ticket=ticket, body_text=payload.body_text,
                                expected_version=version, status=payload.status)  # fmt: skip
    else:
        raise ValidationFailed(field_errors={"kind": ["reply, note"]})
    message = Message.objects.select_related("author").prefetch_related("attachments").get(pk=message.pk)
    return Status(201, message_out(viewer_for(request.user), message))


@router.post("/tickets/{ticket_id}/assign", response={200: TicketOut, **ERRORS})
def assign_ticket(request: HttpRequest, response: HttpResponse, ticket_id: int, payload: AssignIn):
    ticket = _work(request, ticket_id)
    version = expected_version(request, ticket) if request.headers.get("If-Match") else None
    service.assign(actor=request.user, ticket=ticket, owner=payload.owner, expected_version=version)
    return _out(request, response, ticket.pk)


@router.post("/tickets/{ticket_id}/status", response={200: TicketOut, **ERRORS})
def change_status(request: HttpRequest, response: HttpResponse, ticket_id: int, payload: TicketStatusIn):
    ticket = _work(request, ticket_id)
    version = expected_version(request, ticket) if request.headers.get("If-Match") else None
    service.set_status(actor=request.user, ticket=ticket, status=payload.status, call_reason=payload.call_reason,
                       expected_version=version)  # fmt: skip
    return _out(request, response, ticket.pk)


@router.get("/call-reasons", response={200: list[CallReasonOut], **ERRORS})
def list_call_reasons(request: HttpRequest):
    if not has_perm(request.user, "ticket", "view"):
        raise PermissionDenied()
    rows = CallReason.objects.order_by("parent_id", "order", "id")
    return [{"id": r.pk, "name": r.name, "parent": r.parent_id, "order": r.order, "active": r.active} for r in rows]


@router.post("/call-reasons", response={201: CallReasonOut, **ERRORS})
def create_call_reason(request: HttpRequest, payload: CallReasonIn):
    r = reasons.save_call_reason(actor=request.user, data=payload.dict())
    return Status(201, {"id": r.pk, "name": r.name, "parent": r.parent_id, "order": r.order, "active": r.active})
