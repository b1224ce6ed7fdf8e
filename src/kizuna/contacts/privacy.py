"""Contacts' personal data about a person beyond the person row itself (registered in core.personal_data):
contact points, careers, tags and custom field values are disclosed; on erasure the contact points, tags and custom
values go, careers keep only the company and dates, the row keeps its company and stage under a placeholder name,
and a merge's undo values go."""

from django.utils import timezone

from kizuna.core import search

from .models import ContactPoint, Employment, Merge, Person
from .search import PERSON

PLACEHOLDER = "削除済みの個人"


def _when(value):
    return value.isoformat() if value else None


def disclose(ids) -> dict:
    people = Person.objects.filter(pk__in=ids).prefetch_related("contact_points", "tags").order_by("pk")
    careers = Employment.objects.filter(person__in=ids).select_related("company", "site").order_by("start_date", "pk")
    return {
        "contact_points": [
            {"kind": c.get_kind_display(), "label": c.get_label_display(), "value": c.value, "extension": c.extension}
            for p in people for c in p.contact_points.all()
        ],
        "careers": [
            {"company": e.company.name, "site": e.site.name if e.site_id else None, "department": e.department,
             "title": e.title, "start_date": _when(e.start_date), "end_date": _when(e.end_date),
             "is_primary": e.is_primary, "deleted": e.deleted_at is not None}
            for e in careers
        ],
        "tags": sorted({t.name for p in people for t in p.tags.all()}),
        "custom": _custom(people),
    }  # fmt: skip


def _custom(people) -> dict:
    """Every custom value held about the person (removed fields' kept values too), by the field's label."""
    from kizuna.customfields.models import CustomField

    labels = dict(CustomField.objects.filter(object_type="person").values_list("key", "label_ja"))
    return {labels.get(k, k): v for p in people for k, v in sorted((p.custom or {}).items())}


def erase(actor, ids, scrub) -> dict:
    now = timezone.now()
    counts = {
        "contact_points": ContactPoint.objects.filter(person_id__in=ids).delete()[0],
        "careers": Employment.objects.filter(person_id__in=ids).update(department="", title=""),
    }
    for p in Person.objects.filter(pk__in=ids):
        p.tags.clear()
        Person.objects.filter(pk=p.pk).update(
            family_name=PLACEHOLDER, given_name=f"#{p.pk}", family_name_kana="", given_name_kana="",
            name_search="", kana_search="", birthday=None, postcode="", prefecture="", city="", street="",
            notes="", unparsed_values=[], custom={}, external_id="", deleted_at=p.deleted_at or now,
            deleted_by_id=p.deleted_by_id or actor.pk, version=p.version + 1, updated_at=now, updated_by=actor,
        )  # fmt: skip
        search.remove(PERSON, p.pk)
    # The old values a merge keeps for its undo are personal data too; the bumped version refuses the undo.
    Merge.objects.filter(kind="person", survivor_id__in=ids).update(undo={})
    return counts
