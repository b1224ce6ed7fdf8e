"""The project's apps as the URL conf and the API see them: each app's AppConfig says where it plugs in.

- `url_prefix = "sales/"`: its `urls.py` (with `app_name`) is mounted there;
- `root_url_mounts = (("hooks/line/", "kizuna.support.line.urls"),)`: further URL modules mounted at paths of their
  own outside the prefix (a webhook whose path is a contract, an endpoint a customer's web site calls);
- `api_routers = ("kizuna.sales.api.router",)` and `api_order`: its ninja routers are mounted on /api/v1 in order.
A new app adds itself to INSTALLED_APPS and nothing else outside its folder (docs/dev/adding-an-app.md)."""

from django.apps import apps
from django.utils.module_loading import import_string


def kizuna_apps() -> list:
    return [config for config in apps.get_app_configs() if config.name.startswith("kizuna.")]


def url_mounts() -> list[tuple[str, str]]:
    """(prefix, urls module) of every app that has pages."""
    mounts = [(config.url_prefix, f"{config.name}.urls") for config in kizuna_apps() if hasattr(config, "url_prefix")]
    return mounts + [mount for config in kizuna_apps() for mount in getattr(config, "root_url_mounts", ())]


def api_routers() -> list:
    plugged = sorted((getattr(c, "api_order", 50), c.label, c) for c in kizuna_apps() if hasattr(c, "api_routers"))
    return [import_string(path) for _, _, config in plugged for path in config.api_routers]
