"""Background jobs of the shared mechanisms: event dispatch (after each commit) and the periodic jobs, and `enqueue`,
the one way to queue any task."""

from django.tasks import task
from django.utils import timezone


def enqueue(job, *args, run_after=None, **kwargs):
    """Queue `job(*args, **kwargs)` to run at `run_after` (default now), in the order tasks became due.

    The database backend hands out ready tasks by run_after, and a task queued without one sorts after every task that
    has one (it stores the year 9999). A stream of writes keeps queuing event dispatches a second ahead, so an import
    queued without a run_after would wait behind all of them for as long as users keep writing. Every task therefore
    carries its run_after."""
    if not job.get_backend().supports_defer:  # runs it now (the immediate backend)
        return job.enqueue(*args, **kwargs)
    return job.using(run_after=run_after or timezone.now()).enqueue(*args, **kwargs)


@task
def dispatch_events() -> int:
    from . import events

    return events.dispatch_pending()
