"""Prometheus metrics. Request counts and latencies are counted in-process (several gunicorn workers share them
through PROMETHEUS_MULTIPROC_DIR when it is set); queue depth, job latency, the outbox, imports and webhook
deliveries are read from the database at scrape time, so every process reports the same numbers."""

import os
from datetime import timedelta

from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("kizuna_http_requests", "HTTP requests", ["route", "method", "status"])
LATENCY = Histogram("kizuna_http_request_duration_seconds", "Time to answer a request", ["route"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10))  # fmt: skip
QUERIES = Histogram("kizuna_db_queries_per_request", "Database queries per request", ["route"],
                    buckets=(1, 2, 5, 10, 20, 50, 100, 200))  # fmt: skip
LOGIN_FAILURES = Counter("kizuna_login_failures", "Failed sign-ins")


def count_login_failure(sender, **kwargs) -> None:
    LOGIN_FAILURES.inc()


class DatabaseCollector:
    """Gauges read at scrape time: what is waiting and for how long."""

    def collect(self):
        from django.db.models import Count, Min
        from django_tasks_db.models import DBTaskResult

        from kizuna.core import events
        from kizuna.core.models import OutboxEvent

        ready = DBTaskResult.objects.filter(status="READY").aggregate(n=Count("id"), oldest=Min("enqueued_at"))
        yield GaugeMetricFamily("kizuna_queue_depth", "Background tasks waiting to run", value=ready["n"])
        age = (timezone.now() - ready["oldest"]).total_seconds() if ready["oldest"] else 0.0
        yield GaugeMetricFamily("kizuna_queue_oldest_seconds", "Age of the oldest waiting task (job latency)",
                                value=age)  # fmt: skip
        pending = OutboxEvent.objects.filter(dispatched_at__isnull=True).count()
        yield GaugeMetricFamily("kizuna_outbox_pending", "Domain events not yet handed to consumers", value=pending)
        yield GaugeMetricFamily("kizuna_events_relay_backlog", "Audit rows the event relay has not read yet",
                                value=events.relay_backlog())  # fmt: skip
        yield from _imports()
        yield from _webhooks()


def _imports():
    from kizuna.imports.models import ImportJob

    running = GaugeMetricFamily("kizuna_import_progress_ratio", "Rows done / rows of each running import job",
                                labels=["job", "kind"])  # fmt: skip
    active = ImportJob.objects.filter(status__in=["pending", "running"]).values_list(
        "pk", "kind", "status", "position", "total_rows"
    )
    waiting = 0
    for pk, kind, status, position, total in active:
        if status == "running":
            running.add_metric([str(pk), kind], position / total if total else 0.0)
        else:
            waiting += 1
    yield running
    yield GaugeMetricFamily("kizuna_import_jobs_waiting", "Import jobs not yet started", value=waiting)


def _webhooks():
    from django.db.models import Count

    from kizuna.webhooks.models import Delivery

    family = GaugeMetricFamily("kizuna_webhook_deliveries_last_hour", "Webhook deliveries of the last hour by status",
                               labels=["status"])  # fmt: skip
    since = timezone.now() - timedelta(hours=1)
    rows = Delivery.objects.filter(created_at__gte=since).values("status").annotate(n=Count("pk")).order_by()
    for row in rows:
        family.add_metric([row["status"]], row["n"])
    yield family


def render() -> tuple[bytes, str]:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_db_registry())
    return body, CONTENT_TYPE_LATEST


def _db_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(DatabaseCollector())
    return registry
