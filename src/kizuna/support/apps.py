from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy


class SupportConfig(AppConfig):
    name = "kizuna.support"
    label = "support"
    verbose_name = "Support"
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "support/"
    api_routers = ("kizuna.support.api.router", "kizuna.support.api_sla.router", "kizuna.support.api_knowledge.router")
    api_order = 80
    # /hooks/line/, /hooks/cti/, /chat/ and /support/cti/ (kizuna.support.plugs_channels)
    root_url_mounts = (
        ("hooks/line/", "kizuna.support.line.urls"),
        ("hooks/cti/", "kizuna.support.cti.hook_urls"),
        ("chat/", "kizuna.support.chat.urls"),
        ("support/cti/", "kizuna.support.cti.urls"),
        ("faq/", "kizuna.support.faq_urls"),  # the public FAQ of each brand
    )

    def ready(self):
        from kizuna.core import events, nav, permissions

        # Built-in roles get both on the next migrate: managers and admins everything, members all but the
        # sensitive actions, read-only roles view and export. An admin takes 社内メモ away from a sales role.
        permissions.register_object_type("ticket", _l("問い合わせ"), ("view", "create", "edit", "delete", "export"))
        permissions.register_object_type("ticket_note", _l("問い合わせの社内メモ"), ("view", "create"))
        for key, label in (
            ("ticket.message_received", _l("問い合わせ: メッセージ受信")),
            ("ticket.replied", _l("問い合わせ: 返信")),
            ("ticket.status_changed", _l("問い合わせ: 状態変更")),
            ("ticket.assigned", _l("問い合わせ: 担当者割り当て")),
            ("ticket.resolved", _l("問い合わせ: 解決")),
            ("ticket.escalated", _l("問い合わせ: クレームのエスカレーション")),
        ):
            events.register_event_type(key, label)
        nav.register_group("support", pgettext_lazy("menu", "サポート"), order=40)
        nav.register_main("support", pgettext_lazy("menu", "問い合わせ"), "support:inbox", order=37, group="support",
                          visible=lambda user: permissions.has_perm(user, "ticket", "view"))  # fmt: skip

        from .views.settings import may_keep_macros, may_see_desk_settings

        nav.register_settings("call_reasons", _l("コールリーズン"), "support:call_reasons", order=50)
        nav.register_settings("macros", _l("定型文"), "support:macros", order=51, visible=may_keep_macros)
        nav.register_settings("support_agents", _l("問い合わせ担当者"), "support:agents", order=52,
                              visible=may_see_desk_settings)  # fmt: skip
        nav.register_stylesheet("support/support.css")
        nav.register_settings("support_channels", _l("チャネル"), "support:channel_list", order=49,
                              visible=permissions.is_admin)  # fmt: skip

        from kizuna.timeline.sources import register_linkable

        from .models import Ticket

        register_linkable("ticket", Ticket)
        from . import integration

        integration.register_all()
        from kizuna.core import demo as demo_data

        from . import demo

        demo_data.register("support", demo.load, order=70)

        from . import plugs_channels

        plugs_channels.register()

        from .mail import register as register_mail

        register_mail()  # SMTP sender for e-mail replies, IMAP fetch on the clock

        from .sla import plug as sla

        sla.ready()

        from . import plugs_knowledge

        plugs_knowledge.register()  # ナレッジ (FAQ) and the assistant
