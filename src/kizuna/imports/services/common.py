"""What every step of an import shares: the job's file, its summary, who may touch a job, and the rows read in
file order."""

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from kizuna.core import files
from kizuna.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from kizuna.core.permissions import is_admin

from .. import mapping as mapping_module
from .. import readers
from ..models import ImportJob
from ..planning import RowPlan

MATCH_KEYS = ("external_id", "email", "phone")
MAX_ERRORS = 1000
BATCH = settings.KIZUNA_IMPORT_BATCH  # rows per transaction of a run (a crash keeps every finished batch)
_OUTCOMES = {"create": "created", "update": "updated", "skip": "skipped"}


@dataclass
class Summary:
    encoding: str | None
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)  # [{"row", "field", "message"}]
    warnings: int = 0
    notices: list = field(default_factory=list)  # what the reader says about the whole file (its encoding, ...)
    preview: list = field(default_factory=list)  # the first RowPlans, for the wizard

    def as_json(self) -> dict:
        return {"encoding": self.encoding, "rows": self.rows, "created": self.created, "updated": self.updated,
                "skipped": self.skipped, "errors": self.errors[:MAX_ERRORS], "notices": self.notices}  # fmt: skip


@contextmanager
def _job_file(job: ImportJob):
    """A local path holding the job's file: `job.path` names it in the file storage (kizuna.core.files); a job
    uploaded before that kept an absolute path under the data dir, which is read in place."""
    if os.path.isabs(job.path):
        yield Path(job.path)
    else:
        with files.local_path(job.path) as path:
            yield path


def open_job_file(job: ImportJob):
    """The job's file, opened for binary reading."""
    return open(job.path, "rb") if os.path.isabs(job.path) else files.open_file(job.path)


def _read_error(exc: readers.ReadError) -> ValidationFailed:
    return ValidationFailed(exc.message, field_errors={"file": [exc.message]})


@contextmanager
def open_table(job: ImportJob):
    """The job's file as a `readers.Table`; use it in a `with` (a remote store's file is copied here meanwhile)."""
    with _job_file(job) as path, readers.read_table(
        path, filename=job.filename, encoding=job.encoding or "auto", sheet=job.sheet or None,
        max_bytes=settings.KIZUNA_IMPORT_MAX_BYTES, header_row=job.header_row,
    ) as table:  # fmt: skip
        yield table


def _owns(user, job: ImportJob) -> bool:
    """An import is its uploader's (and any admin's): it holds the whole file."""
    return job.created_by_id == user.pk or is_admin(user)


def _require_owner(actor, job: ImportJob) -> None:
    if not _owns(actor, job):
        raise PermissionDenied()


def job_for(user, pk) -> ImportJob:
    """The job for its owner; anyone else gets the same 404 as for a job that does not exist."""
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None or not _owns(user, job):
        raise NotFound()
    return job


def _rows(job: ImportJob, notices: list | None = None, headers: list | None = None):
    """(row number, values or RowIssue) in file order: a row the reader refused comes where it was."""
    try:
        with open_table(job) as table:
            if headers is not None:
                headers[:] = table.headers
            reported = 0
            for row_number, values in table.rows:
                while reported < len(table.row_errors):
                    issue = table.row_errors[reported]
                    reported += 1
                    yield issue.row_number, issue
                yield row_number, values
            for issue in table.row_errors[reported:]:
                yield issue.row_number, issue
            if notices is not None:
                notices.extend(table.warnings)
    except readers.ReadError as exc:
        raise _read_error(exc) from None


def _error(summary: Summary, row: int, field_name: str, message: str) -> None:
    if len(summary.errors) < MAX_ERRORS:
        summary.errors.append({"row": row, "field": field_name, "message": message})


def _masked_notices(summary: Summary, plan: RowPlan) -> None:
    for field_name, message in plan.warnings:
        if field_name == mapping_module.MASKED and message not in summary.notices:
            summary.notices.append(message)


def _tally(summary: Summary, plan: RowPlan) -> None:
    summary.rows += 1
    for field_name, message in plan.errors:
        _error(summary, plan.row_number, field_name, message)
    _masked_notices(summary, plan)
    summary.warnings += len(plan.warnings)
    summary.duplicates += bool(plan.duplicates)
    if plan.action == "create":
        summary.created += 1
    elif plan.action == "update":
        summary.updated += 1
    else:
        summary.skipped += 1


def _count(summary: Summary, plan: RowPlan) -> None:
    for field_name, message in plan.errors:
        _error(summary, plan.row_number, field_name, message)
    _masked_notices(summary, plan)
    summary.duplicates += bool(plan.duplicates) and plan.action == "create"
    outcome = _OUTCOMES.get(plan.action, "skipped")
    setattr(summary, outcome, getattr(summary, outcome) + 1)
