import json as jsonlib
import time

from django.core.management.base import BaseCommand

from kizuna.contacts.dedup.linkage import evidence
from kizuna.contacts.dedup.scan import DEFAULT_MIN_SCORE
from kizuna.core import progress


class Command(BaseCommand):
    help = "重複候補を探して確認キューに入れます / Find probable duplicates (blocking + fuzzy scoring)."

    def add_arguments(self, parser):
        parser.add_argument("--type", choices=["person", "company"], default="person")
        parser.add_argument("--min-score", type=float, default=DEFAULT_MIN_SCORE, help="0〜1 (default 0.9)")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--no-queue", action="store_true", help="do not replace the review queue")
        parser.add_argument(
            "--train", action="store_true",
            help="重複判定モデルをこのデータから推定して保存してから探します / re-estimate and store the model first",
        )  # fmt: skip

    def handle(self, *args, type, min_score, json, no_queue, train, **options):
        from kizuna.contacts.dedup import service
        from kizuna.contacts.dedup.scan import PERSON
        from kizuna.contacts.models import Company, Person

        total = (Person if type == PERSON else Company).objects.alive().count()
        started = time.monotonic()
        bar = None if json else (lambda n: progress.bar(n, total))
        model = None
        if train:
            model = service.train_model(type, progress=bar)
            if not json:
                self.stdout.write(
                    f"\n重複判定モデルを {model.trained_on} 件から推定して保存しました"
                    f"（1 件あたりの重複 {model.duplicates_per_record:.3f}、{time.monotonic() - started:.1f} 秒）"
                )
        run = service.scan if no_queue else service.run_scan
        clusters, stats = run(type, min_score=min_score, progress=bar)
        if json:
            payload = {"clusters": [_cluster(c) for c in clusters]}
            if model is not None:
                payload["model"] = {"records": model.trained_on, "duplicates_per_record": model.duplicates_per_record,
                                    "m": model.m, "u": model.u}  # fmt: skip
            self.stdout.write(jsonlib.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(
            f"\n{stats.records} 件を {time.monotonic() - started:.1f} 秒で確認: 比較 {stats.comparisons} 組、"
            f"重複候補 {len(clusters)} グループ"
        )
        for c in clusters[:50]:
            names = " / ".join(f"#{m.id} {m.label}" for m in c.members)
            self.stdout.write(f"  {c.score:.2f}  {names}  ({'、'.join(c.reasons)})")


def _cluster(cluster) -> dict:
    return {
        "score": round(cluster.score, 3),
        "reasons": cluster.reasons,
        "evidence": evidence(cluster.reasons),
        "members": [{"id": m.id, "external_id": m.external_id, "label": m.label} for m in cluster.members],
    }
