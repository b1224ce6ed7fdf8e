"""開示・消去 of quotes addressed to a person: a quote keeps the person (宛名) and their name as printed. Disclosure
lists those quotes; erasure removes the person and the printed name from them (the quote itself, a record of our
offer to the company, stays) and scrubs the name from the quotes' audit rows."""

from django.db.models import Q

from .models import Quote


def _own(ids):
    return Quote.objects.filter(customer_person_id__in=ids)


def disclose(ids) -> dict:
    quotes = _own(ids).order_by("id")
    return {"sales_quotes": [{"number": q.display_number, "title": q.title, "issued_on": q.issued_on.isoformat(),
                              "addressed_to": q.customer_person_name, "company": q.customer_name,
                              "status": q.status, "deleted": q.is_deleted} for q in quotes]}  # fmt: skip


def audit(ids):
    quote_ids = [str(pk) for pk in _own(ids).values_list("pk", flat=True)]
    return Q(pk__in=[]), Q(object_type="sales.quote", object_id__in=quote_ids)


def erase(actor, ids, scrub) -> dict:
    count = _own(ids).update(customer_person=None, customer_person_name="")
    return {"sales_quotes": count}
