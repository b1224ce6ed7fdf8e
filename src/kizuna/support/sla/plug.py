"""What SLA registers from the support AppConfig: the event consumer that moves the clocks, the worker, the
設定 tabs, the event types, the audit labels and its stylesheet."""

from django.utils.translation import gettext_lazy as _l


def ready() -> None:
    from kizuna.core import clock, events, history, nav

    from . import tracking, worker

    events.register_consumer("support.sla", tracking.handle)
    clock.register_periodic("support.sla_worker", worker.run, every=worker.EVERY)
    nav.register_settings("sla_calendars", _l("営業カレンダー"), "support:sla_calendar_list", order=60)
    nav.register_settings("sla_policies", _l("SLAポリシー"), "support:sla_policy_list", order=61)
    nav.register_main("support_reports", _l("サポート分析"), "support:support_reports", order=46, group="analytics")
    nav.register_stylesheet("support/sla.css")
    history.register_action_labels({
        "sla.calendar.create": _l("営業カレンダーを追加"), "sla.calendar.update": _l("営業カレンダーを変更"),
        "sla.calendar.delete": _l("営業カレンダーを削除"), "sla.calendar.day_add": _l("休業日・臨時営業日を追加"),
        "sla.calendar.day_remove": _l("休業日・臨時営業日を削除"), "sla.policy.create": _l("SLAポリシーを追加"),
        "sla.policy.update": _l("SLAポリシーを変更"), "sla.policy.delete": _l("SLAポリシーを削除"),
        "sla.policy.move": _l("SLAポリシーの順番を変更"), "sla.escalate": _l("SLA違反でエスカレーション"),
    })  # fmt: skip
