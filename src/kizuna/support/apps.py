from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "kizuna.support"
    label = "support"
    verbose_name = "Support"
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "support/"
    api_routers = ("kizuna.support.api_sla.router",)
    api_order = 80

    def ready(self):
        from .sla import plug as sla

        sla.ready()
