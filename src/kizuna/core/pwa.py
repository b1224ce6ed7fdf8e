"""The installable app: its manifest and its service worker, both served from the site's root so the worker's scope
is the whole site.

The worker keeps the pages a rep needs without signal (home with today's tasks, the task list, the business-card
form) and the static files they load; every page is fetched from the network first and its last copy is kept, so a
page opened offline shows what it showed last. It never answers a POST and never caches the API: lines and card
photos written offline wait in the page's IndexedDB queue (static/js/offline.js) and are sent when the network
returns, each with its own Idempotency-Key."""

import hashlib
import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import nav

ASSETS = ["css/kizuna.css", "vendor/htmx.min.js", "js/kizuna.js", "js/offline.js", "img/favicon.svg",
          "img/pwa/icon-192.png", "img/pwa/icon-512.png"]  # fmt: skip
PAGES = ["home", "timeline:tasks", "timeline:card_create"]  # kept at install, for the first offline morning


def _assets() -> list[str]:
    return [*ASSETS, *nav.stylesheets()]


@cache
def _version() -> str:
    """Changes whenever a cached file changes, so browsers install the new worker and drop the old copies."""
    digest = hashlib.sha256()
    for path in _assets():
        found = finders.find(path)
        digest.update(path.encode())
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    digest.update(render_to_string("core/sw.js", {"version": "", "config": "{}"}).encode())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request) -> HttpResponse:
    config = {
        "version": _version(),
        "static": static(""),
        "assets": [static(path) for path in _assets()],
        "pages": [reverse(name) for name in PAGES],
        "home": reverse("home"),
        "login": reverse("accounts:login"),
    }
    body = render_to_string("core/sw.js", {"config": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # browsers check for a new worker on every visit
    return response


@require_GET
def manifest(request) -> HttpResponse:
    icons = [{"src": static(f"img/pwa/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
              "purpose": "any"} for size in (192, 512)]  # fmt: skip
    icons += [{"src": static(f"img/pwa/maskable-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
               "purpose": "maskable"} for size in (192, 512)]  # fmt: skip
    data = {
        "name": "Kizuna 絆",
        "short_name": "Kizuna",
        "description": _("数秒で記録でき、文脈が失われない CRM。電波のない現場でも記録できます。"),
        "id": reverse("home"),
        "start_url": reverse("home"),
        "scope": reverse("home"),
        "display": "standalone",
        "lang": request.LANGUAGE_CODE,
        "background_color": "#f6f7f9",
        "theme_color": "#22262b",
        "icons": icons,
        "shortcuts": [
            {"name": _("名刺・署名から登録"), "url": reverse("timeline:card_create")},
            {"name": _("タスク"), "url": reverse("timeline:tasks")},
        ],
    }
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "max-age=3600"
    return response
