"""How support plugs into the rest of Kizuna: the shared person/company timeline (tickets' messages, internal notes
for support roles only), the complaints panel on the company page for sales, the header search (tickets by number
and subject), and the personal-data hooks (開示・消去 include messages and attachments)."""

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.contacts.models import Company
from kizuna.contacts.search import Result
from kizuna.core import japanese, search
from kizuna.core.permissions import has_perm
from kizuna.timeline import sources

from .models import Attachment, CustomerIdentity, Message, SurveyResponse, Ticket
from .services.tickets import sees_notes

TICKET = "ticket"
_LABELS = {"in": _l("問い合わせ（受信）"), "out": _l("問い合わせ（返信）"), "note": _l("問い合わせ（社内メモ）")}


# --- timeline ------------------------------------------------------------------------------------------------------
def timeline_entries(user, filters: sources.Filters, before, limit: int) -> list[sources.Entry]:
    """The messages of the person's or company's tickets the reader may see, newest first."""
    if filters.person is None and filters.company is None:
        return []
    tickets = Ticket.objects.visible_to(user)
    tickets = tickets.filter(person=filters.person) if filters.person is not None else \
        tickets.filter(company=filters.company)  # fmt: skip
    qs = Message.objects.filter(ticket__in=tickets).filter(sources.before_q(before, TICKET, "sent_at"))
    if not sees_notes(user):
        qs = qs.exclude(direction=Message.Direction.NOTE)
    if filters.by_user:
        qs = qs.filter(author_id=filters.by_user)
    if filters.since:
        qs = qs.filter(sent_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(sent_at__date__lte=filters.until)
    rows = qs.select_related("ticket", "author").order_by("-sent_at", "-pk")[:limit]
    return [
        sources.Entry(
            TICKET,
            m.pk,
            m.sent_at,
            str(_LABELS.get(m.direction, "")),
            f"#{m.ticket.number} {m.ticket.subject}",
            url=m.ticket.get_absolute_url(),
            body=m.body_text[:500],
            meta=[m.get_channel_kind_display(), str(m.author or m.sender_name)],
            obj=m,
        )
        for m in rows
    ]


# --- the company page: complaints, for sales ---------------------------------------------------------------------
def company_panel(request, company: Company) -> str:
    if not has_perm(request.user, "ticket", "view"):
        return ""
    visible = Ticket.objects.visible_to(request.user).filter(company=company)
    rows = list(visible.filter(is_complaint=True).select_related("owner").order_by("-last_message_at")[:10])
    open_count = visible.filter(status__in=("new", "open", "waiting")).count()
    if not rows and not open_count:
        return ""
    return render_to_string(
        "support/partials/company_panel.html",
        {"complaints": rows, "open_count": open_count, "company": company},
        request=request,
    )


# --- header search ---------------------------------------------------------------------------------------------------
def ticket_fields(ticket: Ticket) -> list[str]:
    return [japanese.search_text(ticket.subject), str(ticket.number), f"#{ticket.number}"]


def index_ticket(ticket: Ticket) -> None:
    if ticket.deleted_at:
        search.remove(TICKET, ticket.pk)
    else:
        search.index(TICKET, ticket.pk, ticket_fields(ticket), stamp=ticket.updated_at)


def reindex(progress=None, *, batch: int = 2000) -> int:
    done, after = 0, 0
    while chunk := list(Ticket.objects.alive().filter(pk__gt=after).order_by("pk")[:batch]):
        search.index_many(TICKET, [search.Document(t.pk, ticket_fields(t), stamp=t.updated_at) for t in chunk])
        done, after = done + len(chunk), chunk[-1].pk
        if progress:
            progress(done)
    return done


def search_tickets(user, query: str, limit: int = 5) -> list[Result]:
    q = japanese.search_text(query)
    if not q or not has_perm(user, "ticket", "view"):
        return []
    visible = Ticket.objects.visible_to(user)
    _, _, hits = search.Search(TICKET, [q], None, visible).top(limit, cap=limit)
    found = visible.in_bulk([object_id for _, _, object_id in hits])
    out = []
    for ticket in (found[object_id] for _, _, object_id in hits if object_id in found):
        label = f"#{ticket.number} {ticket.subject}"
        out.append(Result(TICKET, ticket.pk, "", label, ticket.get_status_display(), ticket.get_absolute_url(),
                          matched="subject", parts=("", label, "")))  # fmt: skip
    return out


# --- 開示・消去 -----------------------------------------------------------------------------------------------------
def _when(value):
    return value.isoformat() if value else None


def disclose(ids) -> dict:
    tickets = Ticket.objects.filter(person__in=ids).order_by("created_at", "pk")
    messages = Message.objects.filter(ticket__person__in=ids).select_related("ticket").prefetch_related("attachments")
    return {
        "tickets": [{"number": t.number, "subject": t.subject, "status": t.get_status_display(),
                     "created_at": _when(t.created_at), "is_complaint": t.is_complaint,
                     "deleted": t.deleted_at is not None} for t in tickets],
        "ticket_messages": [{"ticket": m.ticket.number, "direction": m.get_direction_display(),
                             "channel": m.get_channel_kind_display(), "sent_at": _when(m.sent_at),
                             "from": m.sender_name or m.sender_address, "subject": m.subject, "body": m.body_text,
                             "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size}
                                             for a in m.attachments.all()]}
                            for m in messages.exclude(direction=Message.Direction.NOTE).order_by("sent_at", "pk")],
        "channel_ids": [{"kind": c.get_kind_display(), "id": c.value, "name": c.display_name}
                        for c in CustomerIdentity.objects.filter(person__in=ids)],
        "surveys": [{"ticket": s.ticket.number, "rating": s.rating, "comment": s.comment,
                     "answered_at": _when(s.answered_at)}
                    for s in SurveyResponse.objects.filter(ticket__person__in=ids).select_related("ticket")],
    }  # fmt: skip


def audit(ids):
    """Own: none (tickets stay for the center's reports, anonymized). Mentions: the tickets and their messages."""
    from kizuna.core.personal_data import audit_ids

    ticket_ids = list(Ticket.objects.filter(person__in=ids).values_list("pk", flat=True))
    message_ids = list(Message.objects.filter(ticket_id__in=ticket_ids).values_list("pk", flat=True))
    mentions = audit_ids("support.ticket", ticket_ids) | audit_ids("support.message", message_ids)
    return Q(pk__in=[]), mentions


def erase(actor, ids, scrub) -> dict:
    """Messages keep their place in the ticket (counts and times stay true for reports) with the customer's words,
    addresses and files removed; the tickets keep no link to the person."""
    tickets = Ticket.objects.filter(person__in=ids)
    ticket_ids = list(tickets.values_list("pk", flat=True))
    messages = Message.objects.filter(ticket_id__in=ticket_ids)
    attachments = Attachment.objects.filter(message__in=messages)
    removed_files = 0
    for attachment in attachments.iterator():
        if not Attachment.objects.filter(sha256=attachment.sha256).exclude(pk=attachment.pk).exists():
            attachment.file.delete(save=False)
            removed_files += 1
    n_attachments = attachments.delete()[0]
    erased = _("（消去済み）")
    n_inbound = messages.filter(direction=Message.Direction.INBOUND).update(
        sender_name="", sender_address="", subject=erased, body_text=erased, body_html="", meta={}, references="",
        in_reply_to="")  # fmt: skip
    for m in messages.exclude(direction=Message.Direction.INBOUND).only("pk", "body_text", "subject"):
        Message.objects.filter(pk=m.pk).update(body_text=scrub(m.body_text), subject=scrub(m.subject))
    for t in tickets.only("pk", "subject"):
        Ticket.objects.filter(pk=t.pk).update(subject=scrub(t.subject) or erased)
    SurveyResponse.objects.filter(ticket_id__in=ticket_ids).update(comment="")
    n_ids = CustomerIdentity.objects.filter(person__in=ids).delete()[0]
    tickets.update(person=None, company=None)
    for pk in ticket_ids:
        search.remove(TICKET, pk)
    return {"ticket_messages": n_inbound, "ticket_attachments": n_attachments, "ticket_files": removed_files,
            "channel_ids": n_ids, "tickets_unlinked": len(ticket_ids)}  # fmt: skip


def register_all() -> None:
    from kizuna.contacts import panels
    from kizuna.contacts.search import register_source
    from kizuna.contacts.services.merge import register_move
    from kizuna.core import personal_data

    sources.register_source(TICKET, _l("問い合わせ"), timeline_entries)
    panels.register("company", company_panel, position="top")
    register_source(TICKET, title="問い合わせ", search=search_tickets, reindex=reindex)
    personal_data.register("support", disclose=disclose, audit=audit, erase=erase)
    register_move("person", Ticket, "person")
    register_move("company", Ticket, "company")
    register_move("person", CustomerIdentity, "person")
