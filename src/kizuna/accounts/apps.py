from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "kizuna.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import signals  # noqa: F401 (connects the login audit receivers)
        from .roles import ensure_builtin_roles

        # Also after a test database flush, which empties the table the migration filled.
        post_migrate.connect(ensure_builtin_roles, sender=self)
