"""開示・消去 of what rule runs kept about a person: the runs on the person (their name as the run's label, what the
actions did) are disclosed; on erasure those lose their label and messages, and the person's names and contact
values are scrubbed from every other run."""

from .models import RuleRun


def _own(ids):
    return RuleRun.objects.filter(object_type="person", object_id__in=[str(i) for i in ids])


def disclose(ids) -> dict:
    runs = _own(ids).select_related("rule").order_by("at", "id")
    return {"automation_runs": [{"at": r.at.isoformat(), "rule": r.rule.name, "event": r.event_type,
                                 "status": r.status, "results": [x.get("message", "") for x in r.results]}
                                for r in runs]}  # fmt: skip


def erase(actor, ids, scrub) -> dict:
    own = _own(ids)
    count = own.update(object_label="", results=[])
    for run in RuleRun.objects.exclude(pk__in=own.values("pk")).iterator(chunk_size=500):
        label, results = scrub(run.object_label), scrub(run.results)
        if label != run.object_label or results != run.results:
            RuleRun.objects.filter(pk=run.pk).update(object_label=label, results=results)
    return {"automation_runs": count}
