from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings


class WebhooksConfig(AppConfig):
    name = "kizuna.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    url_prefix = "settings/webhooks/"
    api_routers = ("kizuna.webhooks.api.router",)
    api_order = 85

    def ready(self):
        from django.utils.translation import gettext_lazy as _l

        from kizuna.contacts.schemas import CompanyOut, PersonOut
        from kizuna.core import actions, clock, events, history, nav

        nav.register_settings("webhooks", _l("Webhook"), "webhooks:list", order=40)  # administrators

        from . import payloads, services
        from .actions import CALL_WEBHOOK

        events.register_consumer("webhooks", services.handle_event)
        clock.register_periodic("webhooks.retry", services.enqueue_if_due, every=timedelta(seconds=15))
        clock.register_periodic(
            "webhooks.purge",
            lambda: services.purge_deliveries(older_than=timedelta(days=settings.KIZUNA_EVENTS_KEEP_DAYS)),
            every=timedelta(hours=6),
        )
        actions.register_action(CALL_WEBHOOK)
        # People and companies are sent in the shape of the API (GET /people/{id}); other records as their fields.
        payloads.register("person", schema=PersonOut, prepare=lambda qs: qs.select_related("company", "owner")
                          .prefetch_related("tags", "contact_points"))  # fmt: skip
        payloads.register(
            "company", schema=CompanyOut, prepare=lambda qs: qs.select_related("owner").prefetch_related("tags")
        )
        history.register_action_labels({
            "webhook.create": _l("Webhook を作成"), "webhook.update": _l("Webhook を変更"),
            "webhook.delete": _l("Webhook を削除"), "webhook.rotate_secret": _l("Webhook の署名鍵を再発行"),
            "webhook.redeliver": _l("Webhook を再送"), "webhook.disable": _l("Webhook を自動停止"),
        })  # fmt: skip
