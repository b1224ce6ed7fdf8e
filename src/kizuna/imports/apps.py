from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kizuna.imports"
    label = "imports"
    verbose_name = "Imports"
    url_prefix = "imports/"
    api_routers = ("kizuna.imports.api.router",)
    api_order = 40

    def ready(self):
        from datetime import timedelta

        from django.utils.translation import gettext_lazy as _l

        from kizuna.core import clock, history, nav, personal_data

        from . import recovery

        nav.register_main("imports", _l("インポート"), "imports:list", order=50, group="customers")
        clock.register_periodic("imports.resume_stalled", recovery.resume_stalled, every=timedelta(minutes=1))
        history.register_action_labels({"import.resume": _l("止まったインポートを再開")})

        from . import privacy

        personal_data.register("imports", erase=privacy.erase)
