"""Imports whose worker died (killed, out of memory, the machine restarted) are taken up again by the clock.

A running job writes `heartbeat_at` at every batch (a batch takes a second or two). One that has
not beaten for KIZUNA_IMPORT_STALL_SECONDS is queued again; the run continues after `position`, and a run that
was only slow cannot apply a row twice (running._catch_up).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from kizuna.core import audit
from kizuna.core.tasks import enqueue

from .models import ImportJob


def resume_stalled(*, now=None) -> int:
    from .tasks import run_import

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.KIZUNA_IMPORT_STALL_SECONDS)
    stalled = ImportJob.objects.filter(status=ImportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    resumed = 0
    for job in stalled:
        # Claim it (another clock may be looking at the same row): only one of them moves the heartbeat.
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING,
                                           heartbeat_at=job.heartbeat_at).update(heartbeat_at=now)  # fmt: skip
        if not claimed:
            continue
        audit.record(actor=None, action="import.resume", obj=job, changes={"position": [job.position, job.position]})
        enqueue(run_import, job.pk)
        resumed += 1
    return resumed
