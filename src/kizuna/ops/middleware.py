"""One middleware for what operators watch per request: the Prometheus counters, a structured request log line
(request id, user id, route, status, duration, queries) and the slow-query log."""

import logging
import time

from django.conf import settings
from django.db import connection

from . import metrics

request_log = logging.getLogger("kizuna.request")
slow_log = logging.getLogger("kizuna.slow_query")


class _QueryTimer:
    def __init__(self, request):
        self.request = request
        self.count = 0
        self.slow_ms = settings.KIZUNA_SLOW_QUERY_MS

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if self.slow_ms and elapsed >= self.slow_ms:
                slow_log.warning("slow query", extra={
                    "request_id": getattr(self.request, "request_id", ""), "duration_ms": round(elapsed, 1),
                    "sql": sql[:2000], "path": self.request.path,
                })  # fmt: skip


class ObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timer = _QueryTimer(request)
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else "unmatched"  # a pattern, never an id: few labels
        metrics.REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        metrics.LATENCY.labels(route).observe(elapsed)
        metrics.QUERIES.labels(route).observe(timer.count)
        user = getattr(request, "user", None)
        request_log.info("%s %s %s", request.method, route, response.status_code, extra={
            "request_id": getattr(request, "request_id", ""),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            "method": request.method, "route": route, "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 1), "queries": timer.count,
        })  # fmt: skip
        return response
