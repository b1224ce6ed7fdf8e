from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kizuna.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import signals  # noqa: F401 (connects the login audit receivers)
