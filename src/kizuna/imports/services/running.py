"""The real run: the rows after `job.position`, one transaction per batch."""

from itertools import chain

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.bulkinsert import insert_many
from kizuna.core.exceptions import DomainError, ValidationFailed

from .. import readers
from ..models import ImportJob, ImportRow
from ..planning import Planner
from . import batch as batch_path
from . import common
from .common import MAX_ERRORS, Summary, _count, _error, _rows
from .rows import _apply_one
from .updates import apply_updates


def run(job_id: int, *, bulk: bool = True) -> Summary:
    """Import the rows after `job.position`. A crash leaves every finished batch in place; running the job
    again continues with the next row and never applies a row twice. `bulk=False` sends every row through the
    contacts services one at a time (the reference the batch path gives the same results as)."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    actor = job.created_by
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.REVERTED):
        raise ValidationFailed(_("このインポートはすでに終わっています。"))
    job.status, job.started_at = ImportJob.Status.RUNNING, job.started_at or timezone.now()
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "started_at", "heartbeat_at"])
    summary = Summary(encoding=job.encoding, errors=list(job.errors))
    for key in ("created", "updated", "skipped", "duplicates"):
        setattr(summary, key, job.counts.get(key, 0))
    cache: dict = {}
    batch: list = []
    try:
        headers: list = []
        rows = _rows(job, summary.notices, headers)
        first = next(rows, None)
        planner = Planner(actor, job, headers)
        for row_number, values in chain([first] if first else [], rows):
            if row_number <= job.position:  # done before a crash or a stop
                continue
            batch.append((row_number, values))
            if len(batch) >= common.BATCH:
                _commit(actor, job, planner, batch, cache, summary, bulk=bulk)
                batch = []
        if batch:
            _commit(actor, job, planner, batch, cache, summary, bulk=bulk)
    except DomainError as exc:
        job.status, job.message = ImportJob.Status.FAILED, exc.message
        job.save(update_fields=["status", "message"])
        raise
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.total_rows = max(job.total_rows, job.position)
    job.save(update_fields=["status", "finished_at", "total_rows"])
    audit.record(actor=actor, action="import.run", obj=job, changes={"counts": [None, job.counts]})
    summary.rows = summary.created + summary.updated + summary.skipped
    return summary


def _catch_up(job, summary: Summary, batch: list) -> list:
    """Under the job's row lock: the rows of `batch` no other run of this job has applied. Two runs of one job
    (a worker thought dead that was only slow, and the one that took it up) then never apply a row twice."""
    fresh = ImportJob.objects.select_for_update().get(pk=job.pk)
    if fresh.position > job.position:
        job.position, job.counts, job.errors = fresh.position, fresh.counts, fresh.errors
        job.created_companies = fresh.created_companies
        for key in ("created", "updated", "skipped", "duplicates"):
            setattr(summary, key, fresh.counts.get(key, 0))
        summary.errors = list(fresh.errors)
    return [(n, v) for n, v in batch if n > job.position]


def _commit(actor, job, planner, batch, cache, summary: Summary, *, bulk: bool = True) -> None:
    with transaction.atomic():
        batch = _catch_up(job, summary, batch)
        if not batch:
            return
        rows = [ImportRow(job=job, row_number=n, action="skipped") for n, v in batch if isinstance(v, readers.RowIssue)]
        for n, v in batch:
            if isinstance(v, readers.RowIssue):
                _error(summary, n, "", v.message)
                summary.skipped += 1
        plans = planner.plan_many([(n, v) for n, v in batch if not isinstance(v, readers.RowIssue)])
        # a person import's company rows first: the people of the batch then find their company
        companies = [p for p in plans if p.data.get("record_kind")]
        for plan in companies:
            _apply_one(actor, job, planner, plan, cache, summary, rows)
        if bulk and job.kind == "person":
            rows += _batched(actor, job, planner, [p for p in plans if not p.data.get("record_kind")], cache, summary)
        else:
            for plan in (p for p in plans if not p.data.get("record_kind")):
                _apply_one(actor, job, planner, plan, cache, summary, rows)
        insert_many(ImportRow, rows)
        job.position = batch[-1][0]
        job.created_companies = [*job.created_companies, *cache.pop("_created", [])]
        job.counts = {"created": summary.created, "updated": summary.updated, "skipped": summary.skipped,
                      "duplicates": summary.duplicates}  # fmt: skip
        job.errors = summary.errors[:MAX_ERRORS]
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["position", "counts", "errors", "created_companies", "heartbeat_at"])


def _batch_update(plan) -> bool:
    """An update the batch services apply; one with custom values goes through the person service, which types
    and checks them."""
    return plan.action == "update" and not plan.data.get("custom")


def _batched(actor, job, planner, plans, cache, summary: Summary) -> list:
    """The batch path: new people in bulk, then the rest of the creates and skips row by row, then the
    updates in bulk, then the rows repeating a row of this batch, planned again once it is saved (in rounds:
    the second repetition of a row after the first)."""
    rows: list = []
    many = [p for p in plans if batch_path.bulkable(p)]
    rows += batch_path.bulk_create(actor, job, many, cache) if many else []
    for plan in many:
        _count(summary, plan)
    done = {id(p) for p in many}  # by identity: dataclass equality would compare every field
    for plan in (p for p in plans if id(p) not in done and not _batch_update(p) and not p.deferred):
        _apply_one(actor, job, planner, plan, cache, summary, rows)
    updates = [p for p in plans if _batch_update(p) and not p.deferred]
    rows += apply_updates(actor, job, updates, cache, summary) if updates else []
    deferred = [p for p in plans if p.deferred]
    while deferred:
        keys, now, later = set(), [], []
        for plan in deferred:
            key = planner.key_of(plan.data)
            (later if key in keys else now).append(plan)
            keys.add(key)
        again = planner.plan_many([(p.row_number, p.values) for p in now])
        updates = [p for p in again if _batch_update(p) and not p.deferred]
        rows += apply_updates(actor, job, updates, cache, summary) if updates else []
        for plan in (p for p in again if not _batch_update(p) or p.deferred):
            _apply_one(actor, job, planner, plan, cache, summary, rows)
        deferred = later
    return rows
