from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kizuna.imports"
    label = "imports"
    verbose_name = "Imports"
    url_prefix = "imports/"
    api_routers = ("kizuna.imports.api.router",)
    api_order = 40

    def ready(self):
        from django.utils.translation import gettext_lazy as _l

        from kizuna.core import nav, personal_data

        nav.register_main("imports", _l("インポート"), "imports:list", order=50)

        from . import privacy

        personal_data.register("imports", erase=privacy.erase)
