from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "kizuna.core"
    label = "core"
    verbose_name = "Kizuna core"

    def ready(self):
        from . import clock, events, idempotency, personal_data

        # The clock sweeps what a lost enqueue left in the outbox, and keeps it from growing for ever.
        clock.register_periodic("events.sweep", events.dispatch_pending, every=timedelta(minutes=1))
        clock.register_periodic(
            "events.purge",
            lambda: events.purge_dispatched(older_than=timedelta(days=settings.KIZUNA_EVENTS_KEEP_DAYS)),
            every=timedelta(hours=6),
        )
        clock.register_periodic("idempotency.purge", idempotency.purge_expired, every=timedelta(hours=1))
        personal_data.register("events", erase=events.erase_person_events)
