import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Kizuna を gunicorn とバックグラウンドワーカーで起動します / Serve Kizuna (gunicorn + task worker)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KIZUNA_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--no-task-worker", action="store_true", help="run `kizuna db_worker` and `kizuna clock` separately"
        )

    def handle(self, *args, host, port, workers, threads, no_task_worker, **options):
        from kizuna.ops.startup import refuse_unapplied_migrations

        refuse_unapplied_migrations()
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Kizuna: http://{host}:{port}/")
        web = [
            sys.executable, "-m", "gunicorn", "kizuna.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--access-logfile", "-", "--timeout", "60",
        ]  # fmt: skip
        if no_task_worker:
            os.execv(sys.executable, web)
        # Background jobs (duplicate scans, imports) run in a worker beside the web server; both stop together.
        worker = subprocess.Popen([sys.executable, "-m", "kizuna.cli", "db_worker", "--interval", "1"])
        # Periodic jobs (time-based rules, reminders, webhook retries, the outbox sweep) run in the clock.
        ticker = subprocess.Popen([sys.executable, "-m", "kizuna.cli", "clock"])
        server = subprocess.Popen(web)  # noqa: S603 (fixed argv)

        def stop(*_):
            for proc in (server, worker, ticker):
                if proc.poll() is None:
                    proc.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        code = server.wait()
        stop()
        worker.wait()
        ticker.wait()
        sys.exit(code)
