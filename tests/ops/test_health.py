"""/healthz, /readyz, /metrics and the request log, as a load balancer, Prometheus and an operator see them."""

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.ops import heartbeat
from kizuna.ops.logs import JsonFormatter
from kizuna.ops.models import Heartbeat


@pytest.mark.django_db
def test_healthz_answers_without_asking_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_wants_the_database_migrations_and_both_background_processes():
    response = Client().get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["database"] == "ok" and body["migrations"] == "ok"
    assert body["worker"].startswith("late") and body["clock"].startswith("late")

    heartbeat.beat()  # the clock beats and queues the worker's beat ...
    heartbeat.worker_beat.call()  # ... which the worker runs
    assert Client().get("/readyz").status_code == 200

    Heartbeat.objects.filter(name="worker").update(at=timezone.now() - timedelta(minutes=5))
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["worker"].startswith("late")


@pytest.mark.django_db
def test_metrics_count_requests_by_route_and_read_queues_from_the_database(settings):
    Client().get("/healthz")
    body = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert 'kizuna_http_requests_total{method="GET",route="healthz",status="200"}' in body
    assert "kizuna_http_request_duration_seconds_bucket" in body and "kizuna_queue_depth" in body
    assert "kizuna_outbox_pending" in body and "kizuna_login_failures_total" in body
    assert "kizuna_events_relay_backlog" in body


@pytest.mark.django_db
def test_metrics_are_not_public(settings):
    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics").status_code == 404
    settings.KIZUNA_METRICS_TOKEN = "s3cret"
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404  # a token is set: it is required
    ok = Client(REMOTE_ADDR="203.0.113.5").get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200


@pytest.mark.django_db
def test_a_failed_sign_in_is_counted(client):
    from kizuna.ops import metrics

    before = metrics.LOGIN_FAILURES._value.get()
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    assert metrics.LOGIN_FAILURES._value.get() == before + 1


@pytest.mark.django_db
def test_request_lines_carry_the_request_id_user_and_duration(caplog, settings):
    settings.KIZUNA_SLOW_QUERY_MS = 0.000001  # every query is "slow"
    with caplog.at_level(logging.INFO, logger="kizuna.request"):
        response = Client().get("/readyz")
    line = next(r for r in caplog.records if r.name == "kizuna.request")
    assert line.request_id == response["X-Request-ID"] and line.route == "readyz" and line.status == 503
    assert line.duration_ms >= 0 and line.queries >= 1 and line.user_id is None
    slow = next(r for r in caplog.records if r.name == "kizuna.slow_query")
    assert slow.request_id == response["X-Request-ID"] and slow.sql
    parsed = json.loads(JsonFormatter().format(line))
    assert parsed["logger"] == "kizuna.request" and parsed["request_id"] == response["X-Request-ID"]
