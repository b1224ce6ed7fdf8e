from django.utils.functional import SimpleLazyObject

from . import nav
from .permissions import is_admin


def access(request):
    """What the menus need to know about the user's role, and the menus the apps registered (core.nav)."""
    user = getattr(request, "user", None)
    return {
        "user_is_admin": is_admin(user),
        "main_menu": SimpleLazyObject(lambda: nav.main_menu(user)),
        "menu_bar": SimpleLazyObject(lambda: nav.menu_bar(user)),
        "settings_menu": SimpleLazyObject(lambda: nav.settings_menu(user)),
        "user_menu": SimpleLazyObject(lambda: nav.user_menu(user)),
        "user_menu_keys": SimpleLazyObject(lambda: [e.key for e in nav.user_menu(user)]),
        "header_widgets": SimpleLazyObject(lambda: nav.header_widgets(request)),
        "app_stylesheets": nav.stylesheets(),
    }
