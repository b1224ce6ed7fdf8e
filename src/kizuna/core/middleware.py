from .context import request_context


class RequestContextMiddleware:
    """Tags every request with an id (echoed in X-Request-ID) that audit rows carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        ip = request.META.get("REMOTE_ADDR", "")
        with request_context(channel=channel, ip=ip) as ctx:
            request.request_id = ctx.request_id
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response
