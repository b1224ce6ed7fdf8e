"""The ticket page: the conversation, the reply box with macros, the collision warning, and every action on the ticket.
Each action is one POST calling one service; errors come back on the page with the agent's draft kept."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kizuna.contacts.models import Person
from kizuna.core.exceptions import NotFound, StaleVersion, ValidationFailed
from kizuna.core.history import record_context
from kizuna.core.pages import page_view, require_writer
from kizuna.core.records import get_for_user

from ..models import Attachment, CallReason, ChannelKind, Message, Ticket
from ..services import conversations, macros, presence
from ..services import tickets as service
from ..services.assignment import eligible_agents
from ..services.tickets import can_work, sees_notes


def conversation(user, ticket: Ticket):
    rows = ticket.messages.select_related("author").prefetch_related("attachments").order_by("sent_at", "id")
    if not sees_notes(user):
        rows = rows.exclude(direction=Message.Direction.NOTE)
    return list(rows)


def _candidates(ticket: Ticket, user) -> list:
    ids = []
    for meta in ticket.messages.filter(direction=Message.Direction.INBOUND).values_list("meta", flat=True):
        ids += [i for i in (meta or {}).get("person_candidates", []) if i not in ids]
    return list(Person.objects.visible_to(user).filter(pk__in=ids[:10])) if ids else []


def _context(request, ticket: Ticket, **extra) -> dict:
    ticket = Ticket.objects.select_related("person", "company", "owner", "team", "channel", "call_reason",
                                           "call_reason__parent").get(pk=ticket.pk)  # fmt: skip
    user = request.user
    reasons = CallReason.objects.filter(active=True, parent__isnull=False, parent__active=True).select_related("parent")
    return {
        "nav": "support", "object": ticket, "ticket": ticket, "conversation": conversation(user, ticket),
        "can_work": can_work(user, ticket), "sees_notes": sees_notes(user), "may_note": service.may_note(user),
        "statuses": Ticket.Status.choices, "priorities": Ticket.Priority.choices,
        "next_statuses": [(s, Ticket.Status(s).label) for s in Ticket.Status.values
                          if s in service.TRANSITIONS[ticket.status]],
        "reasons": reasons.order_by("parent__order", "parent_id", "order", "id"),
        "macros": macros.macros_for(user), "variables": macros.VARIABLES,
        "agents": [p.user for p in eligible_agents(ticket, mode="round_robin")] if can_work(user, ticket) else [],
        "others": presence.others(user=user, ticket=ticket), "candidates": _candidates(ticket, user),
        "draft": "", **record_context(request, ticket), **extra,
    }  # fmt: skip


@page_view
def ticket_detail(request, pk: int):
    ticket = get_for_user(Ticket, request.user, pk)
    if ticket.merged_into_id:
        messages.info(request, _("この問い合わせは統合されました。統合先を表示しています。"))
        return redirect("support:ticket_detail", ticket.merged_into_id)
    return render(request, "support/ticket_detail.html", _context(request, ticket))


@page_view
def ticket_create(request):
    require_writer(request.user, "ticket", "create")
    errors, data = {}, {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("subject", "body_text", "person", "priority", "channel_kind",
                                                      "category")}  # fmt: skip
        try:
            ticket = service.create_ticket(actor=request.user, data={**data, "person": data["person"] or None})
            return redirect(ticket.get_absolute_url())
        except ValidationFailed as exc:
            errors = exc.field_errors or {"__all__": [exc.message]}
    person = None
    pid = data.get("person") or request.GET.get("person", "")
    if pid.isdigit():
        person = Person.objects.visible_to(request.user).filter(pk=int(pid)).first()
    return render(request, "support/ticket_form.html",
                  {"nav": "support", "errors": errors, "data": data, "person": person,
                   "priorities": Ticket.Priority.choices, "kinds": ChannelKind.choices},
                  status=422 if errors else 200)  # fmt: skip


def _work(request, pk: int) -> Ticket:
    ticket = get_for_user(Ticket, request.user, pk)
    service.require_work(request.user, ticket)
    return ticket


def _version(request):
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _again(request, ticket, exc, **extra):
    """The page again with the error (and the draft), status 409/412/422."""
    if isinstance(exc, StaleVersion):
        error = _(
            "ほかの担当者が先に返信したか、お客様から新しいメッセージが届きました。会話を確認してから送信してください。"
        )
    else:
        error = "　".join(m for ms in (exc.field_errors or {}).values() for m in ms) or exc.message
    context = _context(request, ticket, error=error, **extra)
    return render(request, "support/ticket_detail.html", context, status=exc.status)


@require_POST
@page_view
def ticket_reply(request, pk: int):
    ticket = _work(request, pk)
    body = request.POST.get("body_text", "")
    kind = request.POST.get("kind", "reply")
    try:
        if kind == "note":
            service.add_note(actor=request.user, ticket=ticket, body_text=body)
            messages.success(request, _("社内メモを追加しました。"))
        else:
            message = service.reply(
                actor=request.user,
                ticket=ticket,
                body_text=body,
                expected_version=_version(request),
                status=request.POST.get("status", ""),
            )
            state = message.meta.get("delivery", {}).get("state")
            if state == "failed":
                messages.error(request, _("返信を記録しましたが、送信に失敗しました: %(error)s") % {
                    "error": message.meta["delivery"].get("error", "")})  # fmt: skip
            elif state == "not_sent":
                messages.warning(
                    request, _("返信を記録しました（このチャネルには送信手段がないため送信されていません）。")
                )
            else:
                messages.success(request, _("返信を送信しました。"))
        presence.beat(user=request.user, ticket=ticket, typing=False)
    except (ValidationFailed, StaleVersion) as exc:
        return _again(request, ticket, exc, draft=body)
    return redirect(ticket.get_absolute_url())


@require_POST
@page_view
def ticket_status(request, pk: int):
    ticket = _work(request, pk)
    try:
        service.set_status(actor=request.user, ticket=ticket, status=request.POST.get("status", ""),
                           call_reason=request.POST.get("call_reason") or None,
                           expected_version=_version(request))  # fmt: skip
    except (ValidationFailed, StaleVersion) as exc:
        return _again(request, ticket, exc)
    messages.success(request, _("状態を変更しました。"))
    return redirect(ticket.get_absolute_url())


@require_POST
@page_view
def ticket_assign(request, pk: int):
    ticket = _work(request, pk)
    owner = request.POST.get("owner", "")
    owner = request.user if owner == "me" else (owner or None)
    try:
        service.assign(actor=request.user, ticket=ticket, owner=owner, expected_version=_version(request))
    except (ValidationFailed, StaleVersion) as exc:
        return _again(request, ticket, exc)
    messages.success(request, _("担当者を変更しました。"))
    return redirect(ticket.get_absolute_url())


@require_POST
@page_view
def ticket_fields(request, pk: int):
    ticket = _work(request, pk)
    version = _version(request)
    try:
        if "priority" in request.POST:
            ticket = service.set_priority(actor=request.user, ticket=ticket, priority=request.POST["priority"],
                                          expected_version=version)  # fmt: skip
            version = ticket.version
        if "category" in request.POST:
            ticket = service.set_category(actor=request.user, ticket=ticket, category=request.POST["category"],
                                          expected_version=version)  # fmt: skip
            version = ticket.version
        if "call_reason" in request.POST:
            ticket = service.set_call_reason(
                actor=request.user,
                ticket=ticket,
                call_reason=request.POST["call_reason"] or None,
                expected_version=version,
            )
            version = ticket.version
        if "tags" in request.POST:
            service.set_tags(actor=request.user, ticket=ticket, tags=request.POST["tags"], expected_version=version)
    except (ValidationFailed, StaleVersion) as exc:
        return _again(request, ticket, exc)
    messages.success(request, _("保存しました。"))
    return redirect(ticket.get_absolute_url())


@require_POST
@page_view
def ticket_complaint(request, pk: int):
    ticket = _work(request, pk)
    flag = request.POST.get("is_complaint") == "1"
    try:
        conversations.set_complaint(
            actor=request.user,
            ticket=ticket,
            is_complaint=flag,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
    except (ValidationFailed, StaleVersion) as exc:
        return _again(request, ticket, exc)
    messages.success(request, _("クレームとしてマネージャーにエスカレーションしました。") if flag
                     else _("クレームの印を外しました。"))  # fmt: skip
    return redirect(ticket.get_absolute_url())


@require_POST
@page_view
def ticket_merge(request, pk: int):
    ticket = _work(request, pk)
    number = request.POST.get("other", "").strip().lstrip("#")
    other = Ticket.objects.visible_to(request.user).filter(number=int(number)).first() if number.isdigit() else None
    try:
        if other is None:
            raise ValidationFailed(field_errors={"other": [_("統合する問い合わせ番号が見つかりません。")]})
        conversations.merge_tickets(
            actor=request.user, survivor=ticket, other=other, expected_version=_version(request)
        )
    except (ValidationFailed, StaleVersion) as exc:
        return _again(request, ticket, exc)
    messages.success(request, _("#%(number)s をこの問い合わせに統合しました。") % {"number": other.number})
    return redirect(ticket.get_absolute_url())


def _message_to_work_on(request, pk: int) -> tuple[Message, Ticket]:
    """A message and its ticket, if the user may work on that ticket (else 404, as for the ticket itself)."""
    message = Message.objects.filter(pk=pk).select_related("ticket").first()
    if message is None:
        raise NotFound()
    return message, _work(request, message.ticket_id)


@require_POST
@page_view
def message_split(request, pk: int):
    message, ticket = _message_to_work_on(request, pk)
    try:
        new = conversations.split_message(actor=request.user, message=message)
    except ValidationFailed as exc:
        return _again(request, ticket, exc)
    messages.success(request, _("メッセージを新しい問い合わせ #%(number)s に切り出しました。") % {"number": new.number})
    return redirect(new.get_absolute_url())


@require_POST
@page_view
def message_resend(request, pk: int):
    """Try the channel's sender again for a reply that failed to go out."""
    message, ticket = _message_to_work_on(request, pk)
    try:
        outcome = service.retry_delivery(actor=request.user, message=message)
    except ValidationFailed as exc:
        return _again(request, ticket, exc)
    if outcome["state"] == "sent":
        messages.success(request, _("返信を送信しました。"))
    else:
        messages.error(
            request, _("再送できませんでした: %(error)s") % {"error": outcome.get("error") or outcome.get("reason", "")}
        )
    return redirect(ticket.get_absolute_url())


@require_POST
@page_view
def ticket_relink(request, pk: int):
    ticket = _work(request, pk)
    try:
        chosen = next((v.strip() for v in reversed(request.POST.getlist("person")) if v.strip()), "")
        conversations.relink_person(actor=request.user, ticket=ticket, person=chosen,
                                    expected_version=_version(request))  # fmt: skip
    except (ValidationFailed, StaleVersion) as exc:
        return _again(request, ticket, exc)
    messages.success(request, _("お客様を付け替えました。"))
    return redirect(ticket.get_absolute_url())


@require_POST
@page_view
def ticket_presence(request, pk: int):
    """htmx poll: note this agent's presence (typing or not) and answer with who else is on the ticket."""
    ticket = get_for_user(Ticket, request.user, pk)
    if can_work(request.user, ticket):
        presence.beat(user=request.user, ticket=ticket, typing=request.POST.get("typing") == "1")
    current = Ticket.objects.filter(pk=ticket.pk).values_list("version", flat=True).first()
    seen = _version(request)
    return render(request, "support/partials/presence.html",
                  {"ticket": ticket, "others": presence.others(user=request.user, ticket=ticket),
                   "changed": seen is not None and current != seen})  # fmt: skip


@require_GET
@page_view
def macro_fill(request, pk: int):
    """The reply box filled with a macro for this ticket (htmx swaps the textarea)."""
    ticket = _work(request, pk)
    macro_id = request.GET.get("macro", "")
    macro = macros.macros_for(request.user).filter(pk=int(macro_id)).first() if macro_id.isdigit() else None
    text = macros.render(macro.body, ticket=ticket, agent=request.user) if macro else ""
    return render(request, "support/partials/reply_body.html", {"draft": text, "ticket": ticket})


@require_GET
@page_view
def attachment_download(request, pk: int):
    attachment = Attachment.objects.filter(pk=pk).select_related("message").first()
    if attachment is None:
        raise NotFound()
    get_for_user(Ticket, request.user, attachment.message.ticket_id)
    if attachment.message.direction == Message.Direction.NOTE and not sees_notes(request.user):
        raise NotFound()
    inline = attachment.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")
    response = FileResponse(attachment.file.open("rb"), as_attachment=not inline, filename=attachment.filename,
                            content_type=attachment.content_type)  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
