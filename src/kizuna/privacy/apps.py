from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kizuna.privacy"
    label = "privacy"
    verbose_name = "Privacy (APPI)"
    url_prefix = "privacy/"
    api_routers = ("kizuna.privacy.api.router",)
    api_order = 50

    def ready(self):
        from django.utils.translation import gettext_lazy as _l

        from kizuna.contacts import exports, panels
        from kizuna.core import history

        from . import services, views

        history.register_action_labels({
            "privacy.consent": _l("利用目的・取得経路を記録"), "privacy.provision": _l("第三者提供を記録"),
            "privacy.disclose": _l("開示"), "privacy.correct": _l("訂正"), "privacy.suspend": _l("利用停止"),
            "privacy.resume": _l("利用再開"), "privacy.request": _l("請求を記録"), "privacy.erase": _l("消去"),
        })  # fmt: skip
        panels.register("person", views.suspension_badge, position="top")
        panels.register("person", views.privacy_panel, position="bottom")
        exports.register_exclusion("person", "suspended", services.suspended_people)
