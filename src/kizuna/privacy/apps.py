from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kizuna.privacy"
    label = "privacy"
    verbose_name = "Privacy (APPI)"

    def ready(self):
        from kizuna.contacts import exports, panels

        from . import services, views

        panels.register("person", views.suspension_badge, position="top")
        panels.register("person", views.privacy_panel, position="bottom")
        exports.register_exclusion("person", "suspended", services.suspended_people)
