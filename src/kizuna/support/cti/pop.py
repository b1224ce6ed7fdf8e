"""What the screen pop shows the agent whose extension rings: the caller (found by phone digits), their open
tickets, their last contacts and the insight cards — each read through the agent's own visibility."""

from dataclasses import dataclass, field

from kizuna.contacts.models import Person
from kizuna.timeline.models import Activity, Insight

from ..models import Call, Ticket
from .services import OPEN_STATUSES, caller_matches

LIMIT = 5


@dataclass
class Pop:
    call: Call
    person: Person | None = None
    candidates: list = field(default_factory=list)  # several people share the number (a 代表番号)
    tickets: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    insights: list = field(default_factory=list)

    @property
    def key(self) -> str:
        """Changes whenever the pop should redraw."""
        return f"{self.call.pk}-{self.call.state}-{self.call.person_id or 0}"


def build(user, call: Call) -> Pop:
    pop = Pop(call=call)
    visible = Person.objects.visible_to(user).select_related("company")
    if call.person_id:
        pop.person = visible.filter(pk=call.person_id).first()
    if pop.person is None and call.caller:
        pop.candidates = list(visible.filter(pk__in=caller_matches(call.caller)))
        if len(pop.candidates) == 1:
            pop.person, pop.candidates = pop.candidates[0], []
    if pop.person is not None:
        pop.tickets = list(
            Ticket.objects.visible_to(user)
            .filter(person=pop.person, status__in=OPEN_STATUSES)
            .order_by("-last_message_at")[:LIMIT]
        )
        # The person's last contacts: the newest activities of their timeline (the timeline's own visibility),
        # without the relations a full timeline page prefetches.
        pop.contacts = list(
            Activity.objects.visible_to(user)
            .filter(people=pop.person)
            .only("id", "kind", "subject", "body", "occurred_at")
            .order_by("-occurred_at", "-id")[:LIMIT]
        )
        pop.insights = list(
            Insight.objects.visible_to(user)
            .filter(person=pop.person)
            .only("id", "statement", "category")
            .order_by("-confirmed_at", "-id")[:LIMIT]
        )
    return pop
