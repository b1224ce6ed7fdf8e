"""開示・消去 for the notices that are about a person (core.personal_data): disclosed with the person, deleted on
erasure; other notices that name them (a mention titled with an activity's subject) are scrubbed."""

from .models import Notification

_FIELDS = ("title", "body")


def _about(ids):
    return Notification.objects.filter(object_type="person", object_id__in=[str(i) for i in ids])


def disclose(ids) -> dict:
    rows = _about(ids).select_related("user").order_by("created_at", "pk")
    return {"notifications": [{"種類": n.kind, "件名": n.title, "受信者": str(n.user),
                               "日時": n.created_at.isoformat()} for n in rows]}  # fmt: skip


def erase(actor, ids, scrub) -> dict:
    deleted = _about(ids).delete()[0]
    scrubbed = 0
    for notice in Notification.objects.only("pk", *_FIELDS).iterator(chunk_size=1000):
        values = {f: scrub(getattr(notice, f)) for f in _FIELDS}
        if any(values[f] != getattr(notice, f) for f in _FIELDS):
            Notification.objects.filter(pk=notice.pk).update(**values)
            scrubbed += 1
    return {"notifications": deleted, "notifications_scrubbed": scrubbed}
