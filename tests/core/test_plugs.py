"""Apps plug in from their own folder: menus, settings tabs, URL mounts and API routers come from AppConfig."""

from django.test import Client

from kizuna.apps_plugged import api_routers, url_mounts
from kizuna.core import nav


def keys(entries):
    return [e.key for e in entries]


def test_the_main_menu_is_what_the_apps_registered_in_their_order(cast):
    member = keys(nav.main_menu(cast.owner))
    assert member == ["companies", "people", "tasks", "calendar", "deals", "daily_reports", "dashboards", "journey",
                      "support", "knowledge", "duplicates", "support_reports", "imports", "settings",
                      "trash"]  # fmt: skip
    admin = keys(nav.main_menu(cast.admin))
    assert admin.index("audit") < admin.index("settings") < admin.index("trash")
    assert "handover" in admin and "handover" in keys(nav.main_menu(cast.manager))
    assert keys(nav.settings_menu(cast.owner)) == ["products"]  # members keep the product list
    assert keys(nav.settings_menu(cast.admin))[:2] == ["users", "roles"]


def test_a_registered_entry_appears_on_every_page_for_those_it_is_for(cast, monkeypatch):
    monkeypatch.setattr(nav, "_MAIN", dict(nav._MAIN))
    nav.register_main("calendar", "カレンダー", "timeline:tasks", order=35, visible=lambda u: u.username == "owner")
    client = Client()
    client.force_login(cast.owner)
    assert ">カレンダー</a>" in client.get("/").content.decode()
    client.force_login(cast.teammate)
    assert ">カレンダー</a>" not in client.get("/").content.decode()


def test_an_entry_whose_url_is_not_mounted_is_left_out(cast, monkeypatch):
    monkeypatch.setattr(nav, "_MAIN", dict(nav._MAIN))
    nav.register_main("ghost", "幽霊", "nowhere:list")
    assert "ghost" not in keys(nav.main_menu(cast.admin))


def test_apps_mount_their_pages_and_routers_from_their_config(cast):
    mounts = dict((module, prefix) for prefix, module in url_mounts())
    assert mounts["kizuna.timeline.urls"] == "timeline/" and mounts["kizuna.contacts.urls"] == ""
    routers = api_routers()
    from kizuna.contacts.api import router as contacts_router
    from kizuna.contacts.dedup.api import router as dedup_router

    assert routers.index(dedup_router) < routers.index(contacts_router)  # /people/duplicates before /people/{id}
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for expected in ("/api/v1/people", "/api/v1/activities", "/api/v1/imports", "/api/v1/roles"):
        assert any(p.startswith(expected) for p in paths), expected


def test_api_schemas_have_names_no_other_app_uses():
    """The OpenAPI document names schemas by class name: two apps' `Ref` would silently share one definition."""
    from ninja import Schema

    seen: dict[str, str] = {}
    clashes = []
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("kizuna."):
            continue
        other = seen.setdefault(cls.__name__, cls.__module__)
        if other != cls.__module__:
            clashes.append(f"{cls.__name__}: {other}, {cls.__module__}")
    assert not clashes, clashes


def test_the_header_groups_the_entries_under_their_menus(cast):
    bar = {item.key: item for item in nav.menu_bar(cast.owner)}
    assert list(bar) == ["customers", "tasks", "calendar", "sales", "support", "analytics", "settings"]
    assert keys(bar["customers"].entries) == ["companies", "people", "duplicates", "imports", "trash"]
    assert keys(bar["sales"].entries) == ["deals", "daily_reports"]
    assert keys(bar["support"].entries) == ["support", "knowledge"]  # the inbox and the knowledge base
    assert keys(bar["settings"].entries) == ["products"]
    admin = {item.key: item for item in nav.menu_bar(cast.admin)}
    assert keys(admin["settings"].entries)[:2] == ["users", "roles"] and "audit" in keys(admin["settings"].entries)
    assert "audit" not in admin and "handover" in keys(admin["customers"].entries)


def test_the_group_menus_are_disclosures_that_mark_the_current_page(cast):
    client = Client()
    client.force_login(cast.owner)
    html = client.get("/duplicates/person/").content.decode()
    menu = html[html.index('class="mainnav"') : html.index("</nav>")]
    assert '<summary aria-current="true">顧客</summary>' in menu and "<summary>営業</summary>" in menu
    assert '<a href="/duplicates/" aria-current="page">重複</a>' in menu
    assert "<script" not in menu and "onclick" not in menu
