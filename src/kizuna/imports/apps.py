from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kizuna.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self):
        from kizuna.core import personal_data

        from . import privacy

        personal_data.register("imports", erase=privacy.erase)
