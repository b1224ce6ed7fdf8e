"""Imports: upload → mapping → dry run → run (background, resumable) → revert.

Rows go through the same normalization, checks, search index and audit as a person typing them in: new people
of a batch in a few statements (`batch`), anything unusual through the contacts services one row at a time
(`rows`). Upsert matches on external_id, e-mail or phone as the user chose; a fuzzy match never merges anything:
the row is created and the pair goes to the duplicate review queue.
"""

from django.conf import settings  # noqa: F401 - the pages read the upload limit here

from kizuna.core.exceptions import ValidationFailed  # noqa: F401

from .checking import CHECK_TTL, checked, dry_run
from .common import BATCH, MATCH_KEYS, MAX_ERRORS, Summary, job_for, open_job_file, open_table
from .jobs import save_template, set_mapping, start, upload
from .revert import revert
from .running import run

__all__ = [
    "BATCH", "CHECK_TTL", "MATCH_KEYS", "MAX_ERRORS", "Summary", "checked", "dry_run", "job_for", "open_job_file",
    "open_table",
    "revert", "run", "save_template", "set_mapping", "start", "upload",
]  # fmt: skip
