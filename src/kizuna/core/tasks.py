"""Background jobs of the shared mechanisms: event dispatch (after each commit) and the periodic jobs."""

from django.tasks import task


@task
def dispatch_events() -> int:
    from . import events

    return events.dispatch_pending()
