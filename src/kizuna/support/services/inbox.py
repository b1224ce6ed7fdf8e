"""The inbox queries: per team and per agent, one keyset-paged list each, newest conversation first."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from ..models import Ticket

Status = Ticket.Status
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)
QUEUES = {
    "unassigned": _l("未対応"),
    "mine": _l("自分"),
    "waiting": _l("保留"),
    "due": _l("期限切れ間近"),
    "open": _l("対応中すべて"),
    "done": _l("解決・完了"),
}
DUE_SOON = timedelta(hours=4)


def due_field() -> str | None:
    """The ticket's next due time when the SLA part of the app provides one (`next_due_at` or `due_at`)."""
    names = {f.name for f in Ticket._meta.get_fields()}
    return next((name for name in ("next_due_at", "due_at") if name in names), None)


def queues() -> dict:
    out = dict(QUEUES)
    if due_field() is None:
        out.pop("due")
    return out


def inbox(user, *, queue: str = "unassigned", team=None):
    """The tickets of one queue the user can see; `team` (a Team or id) narrows to a team's tickets."""
    qs = Ticket.objects.visible_to(user).filter(merged_into__isnull=True)
    if team:
        qs = qs.filter(team_id=getattr(team, "pk", team))
    if queue == "unassigned":
        qs = qs.filter(owner__isnull=True, status__in=(Status.NEW, Status.OPEN))
    elif queue == "mine":
        qs = qs.filter(owner_id=user.pk, status__in=OPEN_STATUSES)
    elif queue == "waiting":
        qs = qs.filter(status=Status.WAITING)
    elif queue == "due" and (field := due_field()):
        qs = qs.filter(status__in=(Status.NEW, Status.OPEN)).filter(Q(**{f"{field}__lte": timezone.now() + DUE_SOON}))
    elif queue == "done":
        qs = qs.filter(status__in=(Status.RESOLVED, Status.CLOSED))
    else:
        qs = qs.filter(status__in=OPEN_STATUSES)
    return qs
