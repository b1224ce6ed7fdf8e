"""Signs of life. The clock beats every 30 s and, each time, queues a tiny task: the worker's beat is written when
that task runs, so a stalled worker shows even while the clock is fine."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from kizuna.core.tasks import enqueue

# A process is late once it has missed about three beats.
LATE_AFTER = timedelta(seconds=100)


def _stamp(name: str) -> None:
    from .models import Heartbeat

    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


@task
def worker_beat() -> None:
    _stamp("worker")


def beat() -> None:
    _stamp("clock")
    enqueue(worker_beat)


def status(now=None) -> dict[str, dict]:
    """{"clock": {"ok": bool, "at": iso | None}, "worker": {...}}"""
    from .models import Heartbeat

    now = now or timezone.now()
    seen = dict(Heartbeat.objects.values_list("name", "at"))
    return {
        name: {"ok": bool(seen.get(name) and now - seen[name] <= LATE_AFTER),
               "at": seen[name].isoformat() if seen.get(name) else None}
        for name in ("clock", "worker")
    }  # fmt: skip
