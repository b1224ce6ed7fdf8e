from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy


class SalesConfig(AppConfig):
    name = "kizuna.sales"
    label = "sales"
    verbose_name = "Sales"
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "sales/"
    api_routers = ("kizuna.sales.api.router", "kizuna.sales.api_dashboards.router")
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
        self._register_analytics()

    @staticmethod
    def _register_deals():
        """The deal core's plugs: search, merges, history labels, custom fields."""
        from kizuna.contacts.search import register_source

        from . import search

        register_source(search.DEAL, title=_l("商談"), search=search.search_deals, reindex=search.reindex)

    @staticmethod
    def _register_analytics():
        """Forecast, dashboards, targets and the monthly review (docs/dev/sales-analytics.md)."""
        from kizuna.core import nav

        nav.register_main("dashboards", _l("ダッシュボード"), "sales:dashboard_me", order=36)
        nav.register_settings("sales_analytics", _l("売上分析"), "sales:analytics_settings", order=35)
        nav.register_stylesheet("sales/dashboards.css")

        from kizuna.core import demo

        from . import demo_targets

        demo.register("sales.targets", demo_targets.load, order=61)
