"""開示・消去 for the mails kept outside the tickets (KeptMail: failed ingests and machine-sent mail). Their raw bytes
hold the sender's address, name and words, so a person's disclosure lists them and their erasure deletes them.
Messages that reached a ticket (and their original.eml) are handled by the support app's own hooks."""

from django.db.models import Q

from kizuna.contacts.models import ContactPoint

from ..models import KeptMail


def _addresses(ids) -> set[str]:
    points = ContactPoint.objects.filter(person__in=ids, kind="email").values_list("normalized", flat=True)
    return {p.lower() for p in points if p}


def _rows(ids):
    addresses = _addresses(ids)
    if not addresses:
        return KeptMail.objects.none()
    query = Q()
    for address in addresses:
        query |= Q(sender__iexact=address)
    return KeptMail.objects.filter(query)


def disclose(ids) -> dict:
    return {
        "kept_mails": [
            {"received_at": k.created_at.isoformat(), "state": k.state, "sender": k.sender, "subject": k.subject,
             "message_id": k.message_id, "reason": k.reason, "size": k.size}
            for k in _rows(ids).order_by("pk")
        ]
    }  # fmt: skip


def audit(ids):
    from kizuna.core.personal_data import audit_ids

    return Q(pk__in=[]), audit_ids("support.keptmail", list(_rows(ids).values_list("pk", flat=True)))


def erase(actor, ids, scrub) -> dict:
    """Delete the kept mails sent from the person's addresses. The addresses are matched through `scrub` as well, so
    the erasure holds even when the contact points were erased first."""
    found = set(_rows(ids).values_list("pk", flat=True))
    for pk, sender in KeptMail.objects.values_list("pk", "sender").iterator():
        if sender and scrub(sender) != sender:
            found.add(pk)
    removed = 0
    for kept in KeptMail.objects.filter(pk__in=found):
        kept.raw.delete(save=False)
        kept.delete()
        removed += 1
    return {"kept_mails": removed}
