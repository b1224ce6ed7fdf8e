from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy


class SalesConfig(AppConfig):
    name = "kizuna.sales"
    label = "sales"
    verbose_name = "Sales"
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "sales/"
    api_routers = ("kizuna.sales.api.router", "kizuna.sales.api_quotes.router")
    api_order = 70

    def ready(self):
        from kizuna.core import events, nav, permissions

        # Built-in roles get "deal" on the next migrate (accounts.roles.ensure_builtin_roles): managers and admins
        # every action, members all but view_sensitive/reveal, read-only roles view and export.
        permissions.register_object_type("deal", _l("商談"), ("view", "create", "edit", "delete", "export", "import"))
        # deal.created / deal.updated / deal.deleted / deal.restored come with the object type (core.events).
        events.register_event_type("deal.stage_changed", _l("商談: ステージ変更"))
        events.register_event_type("deal.won", _l("商談: 受注"))
        events.register_event_type("deal.lost", _l("商談: 失注"))
        nav.register_main("deals", pgettext_lazy("menu", "商談"), "sales:deal_list", order=35)

        from kizuna.timeline import sources

        from .models import Deal

        sources.register_linkable("deal", Deal)
        self._register_deals()
        self._register_quotes()

    @staticmethod
    def _register_deals():
        """The deal core's plugs: search, merges, history labels, custom fields."""
        from kizuna.contacts.search import register_source

        from . import search

        register_source(search.DEAL, title=_l("商談"), search=search.search_deals, reindex=search.reindex)

    @staticmethod
    def _register_quotes():
        """Products and quotes (見積書): the product type, 設定 tabs, privacy and history labels."""
        from kizuna.core import history, nav, permissions, personal_data

        from . import privacy_quotes

        permissions.register_object_type(
            "product", _l("商品"), ("view", "create", "edit", "delete", "export", "import")
        )
        nav.register_settings("products", _l("商品"), "sales:product_list", order=50,
                              visible=lambda u: permissions.has_perm(u, "product", "edit"))  # fmt: skip
        nav.register_settings("quote_issuer", _l("見積書"), "sales:issuer_settings", order=55)  # administrators
        nav.register_stylesheet("sales/quotes.css")
        personal_data.register("sales_quotes", disclose=privacy_quotes.disclose, audit=privacy_quotes.audit,
                               erase=privacy_quotes.erase)  # fmt: skip
        history.register_action_labels({
            "quote.revise": _l("見積書の新しい版を作成"), "quote.status": _l("見積書の状態を変更"),
            "quote_issuer.update": _l("見積書の発行者を変更"),
        })  # fmt: skip
