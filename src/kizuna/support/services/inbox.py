"""The inbox queries: per team and per agent, one keyset-paged list each, newest conversation first."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from ..models import Ticket
from ..models.tickets import DONE_INDEX, OPEN_INDEX  # the partial indexes' conditions, repeated in each query

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


def _status_in(qs, statuses: tuple[str, ...]):
    """`status IN ('new', 'open', 'waiting')` written into the SQL as literals, exactly the condition of a partial
    index: SQLite may use a partial index only when it can prove the query implies its condition, which it cannot do
    through bound parameters (Django binds `status__in` values), so the list sorted every match instead (measured
    with bench/support_inbox.py: the resolved/closed list of a member at 50k tickets, 411 ms → 48 ms). PostgreSQL
    gets the same literals. The values are this module's constants, never user input."""
    if not all(s.isalpha() for s in statuses):
        raise ValueError(statuses)
    values = ", ".join(f"'{s}'" for s in statuses)
    return qs.extra(where=[f'"{Ticket._meta.db_table}"."status" IN ({values})'])  # noqa: S610 (constants)


def inbox(user, *, queue: str = "unassigned", team=None):
    """The tickets of one queue the user can see; `team` (a Team or id) narrows to a team's tickets."""
    qs = Ticket.objects.visible_to(user).filter(merged_into__isnull=True)
    if queue != "done":
        # The same IN (...) as the partial index ticket_open_recent_idx, so that SQLite and PostgreSQL walk it
        # newest first instead of sorting every open ticket (the narrower status filters below still apply).
        qs = _status_in(qs, OPEN_INDEX)
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
        qs = _status_in(qs, DONE_INDEX)  # the condition of ticket_done_recent_idx
    return qs
