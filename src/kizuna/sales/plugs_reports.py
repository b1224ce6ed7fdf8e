"""What 日報 and the customer journey register with the platform; called from SalesConfig.ready()."""

from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy


def register() -> None:
    from kizuna.contacts import panels
    from kizuna.contacts.search import register_source
    from kizuna.core import demo, events, history, nav, permissions
    from kizuna.timeline import panels as activity_panels

    from . import demo_reports, report_search, views_journey, views_reports
    from .services import journey

    permissions.register_object_type("daily_report", _l("日報"))
    nav.register_main("daily_reports", pgettext_lazy("menu", "日報"), "sales:daily_today", order=36, group="sales",
                      visible=lambda u: permissions.has_perm(u, "daily_report", "view"))  # fmt: skip
    nav.register_main(
        "journey", pgettext_lazy("menu", "ジャーニー"), "sales:journey_funnel", order=37, group="analytics"
    )
    nav.register_stylesheet("sales/reports.css")
    register_source(report_search.DAILY_REPORT, title=_l("日報"), search=report_search.search_reports,
                    reindex=report_search.reindex)  # fmt: skip
    activity_panels.register(views_reports.activity_panel)
    history.register_field_labels({"journey_stage": _l("ライフサイクル")})
    from .models.journey import JourneyStage

    history.register_key_choices("journey_stage", JourneyStage.choices)
    history.register_action_labels({
        "lifecycle.set": _l("ライフサイクルを変更"), "lifecycle.advance": _l("ライフサイクルが進んだ（商談）"),
        "daily_report.submit": _l("日報を提出"), "daily_report.confirm": _l("日報を確認"),
        "daily_report.comment": _l("日報にコメント"),
    })  # fmt: skip
    events.register_consumer(journey.CONSUMER, journey.handle_event)
    panels.register("company", views_journey.company_panel, position="bottom")
    panels.register("person", views_journey.person_panel, position="bottom")
    demo.register("sales.reports", demo_reports.load, order=70)
    from kizuna.contacts.filters import register_list_filter

    from .services import segments

    register_list_filter("segment", segments.list_filter)
    from kizuna.core import personal_data

    from . import privacy_journey

    personal_data.register("sales.journey", disclose=privacy_journey.disclose, audit=privacy_journey.audit,
                           erase=privacy_journey.erase)  # fmt: skip
    from . import privacy_reports

    personal_data.register("sales.reports", disclose=privacy_reports.disclose, audit=privacy_reports.audit,
                           erase=privacy_reports.erase)  # fmt: skip
    _automation_values()


def _automation_values() -> None:
    """Lifecycle stage, LTV and segments as values automation conditions may test (when automation is installed)."""
    from django.apps import apps

    if not apps.is_installed("kizuna.automation"):
        return
    from kizuna.automation.fields import register_computed

    from .services import journey, segments

    for kind in ("company", "person"):
        register_computed(kind, "lifecycle", _l("ライフサイクル"), journey.stage_of)
        register_computed(kind, "segments", _l("セグメント（全員に公開のもの）"), segments.segment_names)
    register_computed("company", "ltv", _l("LTV（累計受注額）"), journey.ltv_total)
