"""/healthz (the process answers), /readyz (it can serve: database, migrations, background processes), /metrics."""

import hmac
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from . import heartbeat, metrics
from .startup import unapplied_migrations


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@cache
def _migrations_applied() -> bool:
    """Once every migration of this code is applied it stays so for this process; until then it is asked again."""
    if unapplied_migrations():
        _migrations_applied.cache_clear()
        return False
    return True


@require_GET
def readyz(request):
    result = {"database": "ok", "migrations": "ok"}
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied():
            result["migrations"] = "pending"
        beats = heartbeat.status()
    except Exception as exc:
        return JsonResponse({"status": "error", "database": f"unreachable: {type(exc).__name__}"}, status=503)
    for name, beat in beats.items():
        result[name] = "ok" if beat["ok"] else f"late (last seen {beat['at'] or 'never'})"
    ok = all(value == "ok" for value in result.values())
    return JsonResponse({"status": "ok" if ok else "error", **result}, status=200 if ok else 503)


def _allowed(request) -> bool:
    token = settings.KIZUNA_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    return request.META.get("REMOTE_ADDR", "") in ("127.0.0.1", "::1")  # no token: the local scraper only


@require_GET
def metrics_view(request):
    if not _allowed(request):
        return HttpResponse(status=404)  # not advertised to the public port
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
