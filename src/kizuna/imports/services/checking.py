"""The dry run: every row read, mapped, matched and checked as the run would, nothing written."""

import json
import time
from itertools import chain

from .. import readers
from ..models import ImportJob
from ..planning import Planner
from . import common
from .common import Summary, _error, _require_owner, _rows, _tally


def dry_run(*, actor, job: ImportJob, preview: int = 50) -> Summary:
    """Every row is read, mapped, matched and checked; nothing is written."""
    _require_owner(actor, job)
    summary = Summary(encoding=job.encoding)
    headers: list = []
    rows = _rows(job, summary.notices, headers)
    first = next(rows, None)  # the header is read with the first row
    planner = Planner(actor, job, headers)
    batch: list = []

    def flush():
        for row_number, values in batch:
            if isinstance(values, readers.RowIssue):
                summary.rows += 1
                summary.skipped += 1
                _error(summary, row_number, "", values.message)
        for plan in planner.plan_many([(n, v) for n, v in batch if not isinstance(v, readers.RowIssue)]):
            _tally(summary, plan)
            if len(summary.preview) < preview:
                summary.preview.append(plan)
        batch.clear()

    for row_number, values in chain([first] if first else [], rows):
        batch.append((row_number, values))  # batched as the run batches, so both plan alike
        if len(batch) >= common.BATCH:
            flush()
    flush()
    return summary


CHECK_TTL = 600  # seconds a stored dry run stands for the wizard before the file is checked again


def _check_key(job: ImportJob) -> str:
    return json.dumps([job.mapping, job.encoding, job.match_on, job.sheet, job.header_row, job.file_wins],
                      sort_keys=True)  # fmt: skip


def checked(*, actor, job: ImportJob, preview: int = 50) -> dict:
    """The wizard's dry run: stored on the job, so showing the page again does not read the whole file again
    unless the mapping, encoding, match key or sheet changed (or ten minutes passed)."""
    stored = job.checked or {}
    if stored.get("key") == _check_key(job) and time.time() - stored.get("at", 0) < CHECK_TTL:
        return stored["summary"]
    summary = dry_run(actor=actor, job=job, preview=preview)
    result = summary.as_json() | {
        "duplicates": summary.duplicates,
        "preview": [{"row_number": p.row_number, "action": p.action, "unchanged": p.unchanged, "label": p.label,
                     "errors": p.errors,
                     "warnings": p.warnings} for p in summary.preview],
    }  # fmt: skip
    job.checked = {"key": _check_key(job), "at": time.time(), "summary": result}
    job.save(update_fields=["checked"])
    return result
