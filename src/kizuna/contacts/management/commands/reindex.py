import time

from django.core.management.base import BaseCommand

from kizuna.core import progress


class Command(BaseCommand):
    help = "検索インデックスを作り直します / Rebuild the search index."

    def add_arguments(self, parser):
        parser.add_argument("--type", choices=["person", "company", "activity"], default=None)

    def handle(self, *args, type, **options):
        from kizuna.contacts.models import Company, Person
        from kizuna.contacts.search import reindex

        for kind, model in (("company", Company), ("person", Person)):
            if type and kind != type:
                continue
            total = model.objects.alive().count()
            started = time.monotonic()
            done = reindex(kind, progress=lambda n, total=total, kind=kind: progress.bar(n, total, kind))
            self.stdout.write(f"\n{kind}: {done} indexed in {time.monotonic() - started:.1f}s")
        if type in (None, "activity"):  # records of other apps (activities) registered with contacts.search
            from kizuna.contacts.search import reindex_sources

            started = time.monotonic()
            for kind, done in reindex_sources().items():
                self.stdout.write(f"{kind}: {done} indexed in {time.monotonic() - started:.1f}s")
