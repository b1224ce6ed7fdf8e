from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .context import request_context

NUL_MESSAGE = gettext_noop("リクエストに使えない文字（NUL）が含まれています。入力を確認してください。")


class RequestContextMiddleware:
    """Tags every request with an id (echoed in X-Request-ID) that audit rows carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        ip = request.META.get("REMOTE_ADDR", "")
        with request_context(channel=channel, ip=ip) as ctx:
            request.request_id = ctx.request_id
            response = refuse_nul(request) or self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response


def refuse_nul(request):
    """A NUL in a page's path or query string is a 400 before any view runs: PostgreSQL cannot hold it in a text
    value, so it would otherwise fail deep inside a query. (The API checks its parameters itself: a 422.)"""
    if request.path.startswith("/api/"):
        return None
    words = [request.path, *request.GET.keys(), *(v for _, values in request.GET.lists() for v in values)]
    if not any("\x00" in word for word in words):
        return None
    return render(request, "error.html", {"status": 400, "message": _(NUL_MESSAGE)}, status=400)
