import time

from django.core.management.base import BaseCommand

from kizuna.core import clock, context


class Command(BaseCommand):
    help = "定期処理を実行します / Run the periodic jobs (time-based rules, reminders, retries, digests)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run the due jobs once and exit")
        parser.add_argument("--force", action="store_true", help="with --once: run every job now")
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between checks")

    def handle(self, *args, once, force, interval, **options):
        while True:
            with context.request_context(channel="job"):
                results = clock.run_due(force=force)
            for name, result in results.items():
                self.stdout.write(f"{name}: {result}")
            if once:
                return
            time.sleep(interval)
