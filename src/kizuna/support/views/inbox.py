from django.shortcuts import render

from kizuna.accounts.models import Team
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.pages import page_view, require_writer
from kizuna.core.pagination import paginate
from kizuna.core.visibility import viewer_for

from ..services.inbox import due_field, queues
from ..services.inbox import inbox as inbox_query
from .live import outbox_position

PAGE = 50


@page_view
def inbox(request):
    require_writer(request.user, "ticket", "view")
    available = queues()
    queue = request.GET.get("queue") or "unassigned"
    if queue not in available:
        queue = "unassigned"
    team_param = request.GET.get("team", "")
    team = None
    if team_param.isdigit():
        team = Team.objects.filter(pk=int(team_param)).first()
    qs = inbox_query(request.user, queue=queue, team=team).select_related("person", "owner", "channel", "call_reason")
    try:
        page = paginate(qs, sort="-last_message_at", cursor=request.GET.get("cursor") or None, limit=PAGE)
    except ValidationFailed:
        page = paginate(qs, sort="-last_message_at", limit=PAGE)
    viewer_for(request.user).prime_related(page.items, "person")  # one query names every customer of the page
    field = due_field()
    for ticket in page.items:
        ticket.due = getattr(ticket, field) if field else None
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {"nav": "support", "page": page, "queue": queue, "queues": available.items(), "team": team,
               "teams": Team.objects.order_by("name"), "base_query": params.urlencode(),
               "due_field": field, "live_after": outbox_position()}  # fmt: skip
    partial = request.htmx and not request.htmx.boosted
    return render(request, "support/partials/inbox_rows.html" if partial else "support/inbox.html", context)
