from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "kizuna.core"
    label = "core"
    verbose_name = "Kizuna core"
    api_routers = ("kizuna.core.access_api.router",)
    api_order = 60

    def ready(self):
        from django.utils.translation import gettext_lazy as _l

        from . import clock, events, idempotency, nav, personal_data

        nav.register_main("audit", _l("監査ログ"), "audit_log", order=80, admin_only=True, group="settings")
        nav.register_settings("audit", _l("監査ログ"), "audit_log", order=90)

        # The clock sweeps what a lost enqueue left in the outbox, and keeps it from growing for ever.
        clock.register_periodic("events.sweep", events.dispatch_pending, every=timedelta(minutes=1))
        clock.register_periodic(
            "events.purge",
            lambda: events.purge_dispatched(older_than=timedelta(days=settings.KIZUNA_EVENTS_KEEP_DAYS)),
            every=timedelta(hours=6),
        )
        clock.register_periodic("idempotency.purge", idempotency.purge_expired, every=timedelta(hours=1))
        personal_data.register("events", erase=events.erase_person_events)
