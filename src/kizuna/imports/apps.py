from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kizuna.imports"
    label = "imports"
    verbose_name = "Imports"
