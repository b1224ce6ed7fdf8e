"""The menus: each app adds its entries from AppConfig.ready, so a new app does not edit the base template.

`register_main("deals", _l("商談"), "sales:deal_list", order=35, group="sales")` adds an entry to the main menu;
`register_settings(...)` a tab to 設定 (admins' pages). `visible(user)` decides who sees an entry (default: everyone
signed in; `admin_only=True`: administrators). Pages say which entry is theirs with `nav` / `tab` in the context.

Entries with a `group` are listed under that group's menu in the header (`register_group("sales", _l("営業"))`; core
registers 顧客, 分析 and 設定, apps add their own); a group a user sees one entry of shows that entry as a plain link,
and an entry without a group is a link of its own (タスク, カレンダー)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from .permissions import is_admin


@dataclass(frozen=True)
class Entry:
    key: str
    label: object
    url_name: str
    order: int = 50
    visible: Callable | None = None
    group: str = ""

    def shown_to(self, user) -> bool:
        return self.visible(user) if self.visible else bool(user and user.is_authenticated)

    @property
    def url(self) -> str:
        return _plain_url(self.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=1024)
def _plain_url(url_name: str, prefix: str, urlconf) -> str:
    """The URL of a page without arguments. Every page draws the menus, about fifty links, and reversing each anew
    was a tenth of a page's time; the arguments that can change it are the cache key."""
    try:
        return reverse(url_name, urlconf=urlconf)
    except NoReverseMatch:  # an app whose urls are not mounted (a trimmed test settings) shows no dead link
        return ""


_MAIN: dict[str, Entry] = {}
_SETTINGS: dict[str, Entry] = {}


@dataclass(frozen=True)
class Group:
    key: str
    label: object
    order: int = 50


@dataclass(frozen=True)
class MenuItem:
    """One item of the header's menu bar: a link (`entries` empty) or a group menu of `entries`."""

    key: str
    label: object
    url: str = ""
    entries: tuple = ()

    @property
    def keys(self) -> tuple:
        """The `nav` values that mark this item as the current one."""
        return (self.key, *(e.key for e in self.entries))


_GROUPS: dict[str, Group] = {}


def register_group(key: str, label, *, order: int = 50) -> None:
    """A menu in the header that gathers the main entries registered with `group=key`."""
    _GROUPS[key] = Group(key, label, order)


register_group("customers", pgettext_lazy("menu", "顧客"), order=10)
register_group("analytics", pgettext_lazy("menu", "分析"), order=45)
register_group("settings", pgettext_lazy("menu", "設定"), order=85)


def _add(registry: dict, key, label, url_name, order, admin_only, visible, group="") -> None:
    registry[key] = Entry(key, label, url_name, order, visible or (is_admin if admin_only else None), group)


def register_main(
    key: str, label, url_name: str, *, order: int = 50, admin_only=False, visible=None, group: str = ""
) -> None:
    _add(_MAIN, key, label, url_name, order, admin_only, visible, group)


def register_settings(key: str, label, url_name: str, *, order: int = 50, admin_only=True, visible=None) -> None:
    _add(_SETTINGS, key, label, url_name, order, admin_only, visible)


def _for(registry: dict, user) -> list[Entry]:
    return sorted((e for e in registry.values() if e.shown_to(user) and e.url), key=lambda e: (e.order, e.key))


def main_menu(user) -> list[Entry]:
    """The main menu; its 設定 tab appears for whoever sees any 設定 page and opens the first of them."""
    entries = _for(_MAIN, user)
    tabs = settings_menu(user)
    if tabs:
        entries.append(Entry("settings", _l("設定"), tabs[0].url_name, order=85))
        entries.sort(key=lambda e: (e.order, e.key))
    return entries


def menu_bar(user) -> list[MenuItem]:
    """The header's menu: ungrouped entries as links, grouped ones under their group (in the group's order). 設定
    lists the 設定 tabs the user may open."""
    grouped: dict[str, list[Entry]] = {}
    items: list[tuple[int, str, MenuItem]] = []
    for entry in _for(_MAIN, user):
        if entry.group in _GROUPS:
            grouped.setdefault(entry.group, []).append(entry)
        else:
            items.append((entry.order, entry.key, MenuItem(entry.key, entry.label, entry.url)))
    tabs = settings_menu(user)
    if tabs:
        keys = {t.key for t in tabs}
        grouped["settings"] = [*tabs, *(e for e in grouped.get("settings", []) if e.key not in keys)]
    for key, entries in grouped.items():
        group = _GROUPS[key]
        if len(entries) == 1 and key != "settings":
            only = entries[0]
            items.append((group.order, key, MenuItem(only.key, only.label, only.url)))
        else:
            items.append((group.order, key, MenuItem(key, group.label, entries[0].url, tuple(entries))))
    return [item for _order, _key, item in sorted(items, key=lambda i: (i[0], i[1]))]


def settings_menu(user) -> list[Entry]:
    return _for(_SETTINGS, user)


# --- the header's right side and the page's stylesheets -------------------------------------------------------
_USER_MENU: dict[str, Entry] = {}
_WIDGETS: dict[str, tuple[int, Callable]] = {}
_STYLESHEETS: list[str] = []


def register_user_menu(key: str, label, url_name: str, *, order: int = 50, visible=None) -> None:
    """A link beside the user's name (通知設定, セキュリティ, APIトークン)."""
    _add(_USER_MENU, key, label, url_name, order, False, visible)


def register_header_widget(key: str, render: Callable, *, order: int = 50) -> None:
    """`render(request) -> str` (escaped HTML) in the header for signed-in users: the notification bell."""
    _WIDGETS[key] = (order, render)


def register_stylesheet(path: str) -> None:
    """A static CSS file an app's pages need on every page (its header widget's styles)."""
    if path not in _STYLESHEETS:
        _STYLESHEETS.append(path)


def user_menu(user) -> list[Entry]:
    return _for(_USER_MENU, user)


def header_widgets(request) -> list[str]:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return []
    return [render(request) for _order, render in sorted(_WIDGETS.values(), key=lambda w: w[0])]


def stylesheets() -> list[str]:
    return list(_STYLESHEETS)
