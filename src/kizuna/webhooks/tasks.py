"""The webhook sender: enqueued after the commit of each transaction that wrote deliveries, with `run_after` for a
scheduled retry, and by the clock when a retry has come due."""

from django.tasks import task


@task
def send_webhooks() -> int:
    from . import services

    return services.send_due()
