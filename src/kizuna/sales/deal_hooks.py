"""What the deal core plugs into the rest of Kizuna (called from SalesConfig.ready): 開示・消去 of the people in
deals, the history filter that hides people's names from readers who may not see them, the consumer that keeps
`last_activity_at` (停滞) current, and the deal panels on company and person pages."""

import re

from django.db.models import Q
from django.template.loader import render_to_string

from kizuna.core.personal_data import audit_ids
from kizuna.core.visibility import placeholder

from .models import Deal, DealContact

# --- 開示・消去 ----------------------------------------------------------------------------------------------------


def disclose(ids) -> dict:
    rows = DealContact.objects.filter(person_id__in=ids).select_related("deal", "deal__company", "deal__stage")
    return {
        "deals": [
            {"deal_id": c.deal_id, "title": c.deal.title, "company": c.deal.company.name, "role": c.get_role_display(),
             "stage": c.deal.stage.name, "deleted": c.deal.deleted_at is not None}
            for c in rows.order_by("deal_id")
        ]
    }  # fmt: skip


def audit(ids):
    """Own: nothing (a deal is the company's, not the person's). Mentions: the history of the deals they are in,
    whose rows name them among the deal's people."""
    deals = DealContact.objects.filter(person_id__in=ids).values_list("deal_id", flat=True)
    return Q(pk__in=[]), audit_ids("sales.deal", deals)


def erase(actor, ids, scrub) -> dict:
    """The person leaves every deal (the deal stays: it is the company's); their name is scrubbed from the deals'
    own text (a title such as "田中部長 案件")."""
    deal_ids = list(DealContact.objects.filter(person_id__in=ids).values_list("deal_id", flat=True))
    removed = DealContact.objects.filter(person_id__in=ids).delete()[0]
    for deal in Deal.objects.filter(pk__in=deal_ids):
        fields = {f: scrub(getattr(deal, f)) for f in ("title", "next_step", "competitors", "lost_reason")}
        changed = {f: v for f, v in fields.items() if v != getattr(deal, f)}
        if changed:
            Deal.objects.filter(pk=deal.pk).update(**changed)
            for key, value in changed.items():
                setattr(deal, key, value)
            from .search import index_deal

            index_deal(deal)
    return {"deal_contacts": removed}


# --- history: people named in a deal's history ---------------------------------------------------------------------
_PERSON_LABEL = re.compile(r"^(?P<name>.*) \((?P<id>\d+)\): (?P<role>.*)$")


def hide_people(user, model, changes: dict) -> dict:
    """A deal's `deal_contacts` history names people; a reader who may not see one reads the placeholder."""
    if model is not Deal or "deal_contacts" not in changes:
        return changes
    from kizuna.contacts.models import Person

    values = [v for side in changes["deal_contacts"] for v in (side or [])]
    ids = {int(m["id"]) for v in values if isinstance(v, str) and (m := _PERSON_LABEL.match(v))}
    seen = set(Person.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))

    def shown(value):
        match = _PERSON_LABEL.match(value) if isinstance(value, str) else None
        if match is None or int(match["id"]) in seen:
            return value
        return f"{placeholder(Person)}: {match['role']}"

    out = dict(changes)
    out["deal_contacts"] = [[shown(v) for v in side] if isinstance(side, list) else side
                            for side in changes["deal_contacts"]]  # fmt: skip
    return out


# --- 停滞: the last activity about a deal --------------------------------------------------------------------------
def on_event(event) -> None:
    """An activity linked to deals (created or edited) moves their last_activity_at forward."""
    if event.type not in ("activity.created", "activity.updated") or not event.object_id.isdigit():
        return
    from kizuna.timeline.models import Activity, ActivityLink

    deal_ids = list(ActivityLink.objects.filter(activity_id=int(event.object_id), object_type="deal")
                    .values_list("object_id", flat=True))  # fmt: skip
    if not deal_ids:
        return
    occurred = Activity.objects.filter(pk=int(event.object_id)).values_list("occurred_at", flat=True).first()
    if occurred is not None:
        from .services.deals import note_activity

        note_activity(deal_ids, occurred)


# --- panels on company and person pages ----------------------------------------------------------------------------
PANEL_LIMIT = 20


def _panel(request, *, deals, create_query: str, more_query: str) -> str:
    from kizuna.core.permissions import has_perm

    if not has_perm(request.user, "deal", "view"):
        return ""
    rows = list(deals.select_related("stage", "owner").order_by("stage__kind", "-updated_at", "-id")[: PANEL_LIMIT + 1])
    context = {"deals": rows[:PANEL_LIMIT], "more": len(rows) > PANEL_LIMIT, "create_query": create_query,
               "more_query": more_query, "can_create": has_perm(request.user, "deal", "create")}  # fmt: skip
    return render_to_string("sales/partials/deal_panel.html", context, request=request)


def company_panel(request, company) -> str:
    deals = Deal.objects.visible_to(request.user).filter(company=company)
    return _panel(request, deals=deals, create_query=f"company={company.pk}", more_query=f"company={company.pk}")


def person_panel(request, person) -> str:
    deals = Deal.objects.visible_to(request.user).filter(contacts__person=person)
    return _panel(request, deals=deals, create_query=f"person={person.pk}", more_query="")
