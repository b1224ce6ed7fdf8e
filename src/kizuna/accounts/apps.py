from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "kizuna.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    api_routers = ("kizuna.accounts.api.router",)
    api_order = 90

    def ready(self):
        from django.utils.translation import gettext_lazy as _l

        from kizuna.core import nav

        nav.register_settings("users", _l("ユーザー"), "settings:user_list", order=10)
        nav.register_settings("roles", _l("ロールと権限"), "settings:role_list", order=20)
        nav.register_user_menu("security", _l("セキュリティ"), "accounts:two_factor", order=60)
        nav.register_user_menu("tokens", _l("APIトークン"), "accounts:tokens", order=70)
        from . import signals  # noqa: F401 (connects the login audit receivers)
        from .roles import ensure_builtin_roles

        # Also after a test database flush, which empties the table the migration filled.
        post_migrate.connect(ensure_builtin_roles, sender=self)
