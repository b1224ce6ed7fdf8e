"""gunicorn settings for production (`gunicorn -c deploy/gunicorn.conf.py kizuna.wsgi:application`).

Workers come from the core count; each has a few threads, because most of a request's time is spent waiting on
PostgreSQL. KIZUNA_WORKERS / KIZUNA_THREADS override them (and `kizuna check --deploy` sizes max_connections by them).
"""

import os

from kizuna.ops.sizing import web_threads, web_workers

bind = os.environ.get("KIZUNA_BIND", "127.0.0.1:8000")
workers = web_workers()
threads = web_threads()
worker_class = "gthread"
timeout = 60  # an import upload or a PDF; long-running work goes to the task worker
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (memory held by large imports)
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("KIZUNA_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse to serve on a database whose migrations are not all applied (run `kizuna migrate` first)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from kizuna.ops.startup import refuse_unapplied_migrations

    refuse_unapplied_migrations()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
