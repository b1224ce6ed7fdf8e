from datetime import timedelta

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Kizuna in production: health and readiness, metrics, request logs, backup and restore, deploy checks."""

    name = "kizuna.ops"
    label = "ops"
    verbose_name = "Operations"
    url_prefix = ""  # /healthz, /readyz, /metrics

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from kizuna.core import clock

        from . import checks, heartbeat, metrics  # noqa: F401 (checks register themselves)

        clock.register_periodic("ops.heartbeat", heartbeat.beat, every=timedelta(seconds=30))
        user_login_failed.connect(metrics.count_login_failure, dispatch_uid="kizuna.ops.login_failed")
