"""開示・消去 of a person's customer journey: where they stand (認知 … 継続・リピート) and every change of it.
The changes' audit rows are the person's own history (contacts' source answers for those)."""

from django.db.models import Q

from .models.journey import Lifecycle, LifecycleChange


def _changes(ids):
    return LifecycleChange.objects.filter(object_type="person", object_id__in=list(ids))


def disclose(ids) -> dict:
    rows = Lifecycle.objects.filter(person_id__in=ids).order_by("person_id")
    return {
        "sales_journey": [{"person_id": r.person_id, "stage": str(r.get_stage_display()),
                           "since": r.changed_at.isoformat(), "set_by_hand": r.manual} for r in rows],
        "sales_journey_changes": [{"person_id": c.object_id, "at": c.at.isoformat(), "from": c.from_stage,
                                   "to": c.to_stage, "cause": c.cause, "reason": c.reason}
                                  for c in _changes(ids).order_by("object_id", "at", "id")],
    }  # fmt: skip


def audit(ids):
    return Q(pk__in=[]), Q(pk__in=[])


def erase(actor, ids, scrub) -> dict:
    changes = _changes(ids).delete()[0]
    stages = Lifecycle.objects.filter(person_id__in=ids).delete()[0]
    return {"sales_journey": stages, "sales_journey_changes": changes}
