"""Periodic jobs: apps register what must run every N seconds even when nobody is logged in (time-based rules,
task reminders, webhook retries, the daily digest, the outbox sweep). `kizuna clock` runs them; `kizuna serve`
starts it beside the web server and the task worker. Each job is claimed under a row lock, so two clocks never run
the same job at once."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from .models import PeriodicRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], object]


_JOBS: dict[str, Job] = {}


def register_periodic(name: str, run: Callable[[], object], *, every: timedelta) -> None:
    _JOBS[name] = Job(name, every, run)


def jobs() -> list[Job]:
    return list(_JOBS.values())


def run_due(*, now=None, force: bool = False) -> dict[str, str]:
    """Run every job whose interval has passed; returns {job: "ok" | error}. One job's failure stops no other."""
    results = {}
    for job in jobs():
        now = now or timezone.now()
        with transaction.atomic():
            PeriodicRun.objects.get_or_create(name=job.name)
            qs = PeriodicRun.objects.filter(name=job.name)
            if connection.vendor == "postgresql":
                qs = qs.select_for_update(skip_locked=True)
            row = qs.first()
            if row is None or (not force and row.last_run_at and row.last_run_at + job.every > now):
                continue
            try:
                with transaction.atomic():
                    job.run()
                row.last_error, results[job.name] = "", "ok"
            except Exception as exc:
                log.exception("periodic job %s failed", job.name)
                row.last_error = results[job.name] = repr(exc)[:1000]
            row.last_run_at = now
            row.save(update_fields=["last_run_at", "last_error"])
    return results
