from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy


class SalesConfig(AppConfig):
    name = "kizuna.sales"
    label = "sales"
    verbose_name = "Sales"
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "sales/"
    api_routers = ("kizuna.sales.api.router", "kizuna.sales.api_pipelines.router", "kizuna.sales.api_quotes.router",
                   "kizuna.sales.api_reports.router", "kizuna.sales.api_dashboards.router",
                   "kizuna.sales.api_journey.router")  # fmt: skip
    api_order = 25  # before timeline's /{kind}/{record_id}/history (30), which would take /deals/{id}/history

    def ready(self):
        from kizuna.core import events, nav, permissions

        # Built-in roles get "deal" on the next migrate (accounts.roles.ensure_builtin_roles): managers and admins
        # every action, members all but view_sensitive/reveal, read-only roles view and export.
        permissions.register_object_type("deal", _l("商談"), ("view", "create", "edit", "delete", "export", "import"))
        # deal.created / deal.updated / deal.deleted / deal.restored come with the object type (core.events).
        events.register_event_type("deal.stage_changed", _l("商談: ステージ変更"))
        events.register_event_type("deal.won", _l("商談: 受注"))
        events.register_event_type("deal.lost", _l("商談: 失注"))
        nav.register_group("sales", pgettext_lazy("menu", "営業"), order=35)
        nav.register_main("deals", pgettext_lazy("menu", "商談"), "sales:deal_list", order=35, group="sales",
                          visible=lambda user: permissions.has_perm(user, "deal", "view"))  # fmt: skip
        nav.register_stylesheet("sales/sales.css")
        nav.register_settings("pipelines", _l("パイプライン"), "sales:pipeline_list", order=35)  # administrators

        from kizuna.timeline import sources

        from .models import Deal

        sources.register_linkable("deal", Deal)
        self._register_deals()
        self._register_quotes()
        from . import plugs_reports

        plugs_reports.register()  # 日報 and the customer journey
        self._register_analytics()

    @staticmethod
    def _register_deals():
        """The deal core's plugs: search, panels, merges, 開示・消去, history, custom fields, webhooks, events."""
        from kizuna.contacts import panels
        from kizuna.contacts.search import register_source
        from kizuna.contacts.services.merge import register_move
        from kizuna.core import events, history, personal_data, visibility
        from kizuna.customfields import registry as custom_fields
        from kizuna.webhooks import payloads

        from . import deal_hooks, search
        from .models import Deal, DealContact
        from .schemas import DealOut

        register_source(search.DEAL, title=_l("商談"), search=search.search_deals, reindex=search.reindex)
        panels.register("company", deal_hooks.company_panel, position="bottom")
        panels.register("person", deal_hooks.person_panel, position="bottom")
        register_move("company", Deal, "company")  # a merged company's deals move to the survivor
        register_move("person", DealContact, "person", unique_with="deal")
        personal_data.register("sales.deals", disclose=deal_hooks.disclose, audit=deal_hooks.audit,
                               erase=deal_hooks.erase)  # fmt: skip
        visibility.register_history_filter(deal_hooks.hide_people)
        history.register_field_labels({"deal_contacts": _l("関係者"), "deal_lines": _l("明細")})
        from .services.deals import FIELDS

        # a deal's own field names first ("title" is the deal's name here, a person's 役職 elsewhere)
        history.register_field_labels({f: Deal._meta.get_field(f).verbose_name for f in FIELDS}, model=Deal)
        history.register_choice_fields(Deal)
        custom_fields.register(Deal, reindex=search.reindex)
        payloads.register("deal", schema=DealOut,
                          prepare=lambda qs: qs.select_related("company", "stage", "owner"))  # fmt: skip
        events.register_consumer("sales.deal_activity", deal_hooks.on_event)
        from kizuna.core import sharing

        sharing.register_kind("deals", "deal")  # /api/v1/deals/{id}/access; a deal's quotes follow the deal
        from kizuna.timeline.capture import register_marker

        from . import capture

        register_marker("deal", capture.PATTERN, plan=capture.plan, save=capture.save, undo=capture.undo)
        from kizuna.core import demo

        from . import demo_deals

        demo.register("sales.deals", demo_deals.load, order=60)

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
        from kizuna.contacts.search import register_source

        from . import quote_search

        register_source(quote_search.QUOTE, title=_l("見積書"), search=quote_search.search_quotes,
                        reindex=quote_search.reindex)  # fmt: skip
        from kizuna.core import demo

        from . import demo_quotes

        demo.register("sales.quotes", demo_quotes.load, order=62)  # after the deals (60) and targets (61)
        from kizuna.contacts.services.merge import register_move

        from .models import Quote

        register_move("person", Quote, "customer_person")  # a quote addressed to a merged person names the survivor
        personal_data.register("sales.quotes", disclose=privacy_quotes.disclose, audit=privacy_quotes.audit,
                               erase=privacy_quotes.erase)  # fmt: skip
        history.register_action_labels({
            "quote.revise": _l("見積書の新しい版を作成"), "quote.status": _l("見積書の状態を変更"),
            "quote_issuer.update": _l("見積書の発行者を変更"),
        })  # fmt: skip

    @staticmethod
    def _register_analytics():
        """Forecast, dashboards, targets and the monthly review (docs/dev/sales-analytics.md)."""
        from kizuna.core import nav

        nav.register_main("dashboards", _l("ダッシュボード"), "sales:dashboard_me", order=36, group="analytics")
        nav.register_settings("sales_analytics", _l("売上分析"), "sales:analytics_settings", order=35)
        nav.register_stylesheet("sales/dashboards.css")

        from kizuna.core import demo

        from . import demo_targets

        demo.register("sales.targets", demo_targets.load, order=61)

        from .services import rollup

        rollup.connect()  # the deal rollup follows every save of a deal or a stage change
