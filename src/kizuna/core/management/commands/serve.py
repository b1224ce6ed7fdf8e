import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Kizuna を gunicorn で起動します / Serve Kizuna with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KIZUNA_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, host, port, workers, threads, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Kizuna: http://{host}:{port}/")
        argv = [
            sys.executable, "-m", "gunicorn", "kizuna.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--access-logfile", "-", "--timeout", "60",
        ]  # fmt: skip
        os.execv(sys.executable, argv)
