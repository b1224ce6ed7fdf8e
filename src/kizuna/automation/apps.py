from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _l


class AutomationConfig(AppConfig):
    name = "kizuna.automation"
    label = "automation"
    verbose_name = "Automation"
    url_prefix = "settings/automation/"
    api_routers = ("kizuna.automation.api.router",)
    api_order = 80

    def ready(self):
        from kizuna.core import clock, events, history, nav, personal_data

        from . import builtin_actions, engine, privacy
        from .permissions import may_manage_rules

        nav.register_settings("automation", _l("自動化ルール"), "automation:rule_list", order=30,
                              visible=may_manage_rules)  # fmt: skip

        builtin_actions.register()
        events.register_consumer("automation", engine.handle)
        clock.register_periodic("automation.time_rules", engine.run_time_rules, every=timedelta(minutes=10))
        personal_data.register("automation", disclose=privacy.disclose, erase=privacy.erase)
        history.register_action_labels({
            "automation.rule.create": _l("自動化ルールを作成"), "automation.rule.update": _l("自動化ルールを変更"),
            "automation.rule.enable": _l("自動化ルールを有効化"), "automation.rule.disable": _l("自動化ルールを無効化"),
            "automation.rule.move": _l("自動化ルールの順序を変更"), "automation.rule.delete": _l("自動化ルールを削除"),
        })  # fmt: skip
