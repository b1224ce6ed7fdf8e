"""`kizuna sales_rollup`: rebuild the deal rollup behind the forecast and dashboards from the deals (after a bulk
load, a database restore or a change of TIME_ZONE); `--check` only compares and lists the differences."""

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "売上分析の集計表（商談ロールアップ）を商談から作り直します。--check は比較のみ。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="作り直さず、商談との差分だけを表示します")

    def handle(self, *args, check=False, **options):
        from kizuna.sales.services import rollup

        started = time.perf_counter()
        if check:
            problems = rollup.check()
            for line in problems[:50]:
                self.stdout.write(line)
            if problems:
                raise CommandError(
                    f"集計表と商談に {len(problems)} 件の差があります。sales_rollup で作り直してください。"
                )
            self.stdout.write(f"集計表は商談と一致しています（{time.perf_counter() - started:.1f} 秒）。")
            return
        rows = rollup.rebuild()
        self.stdout.write(f"集計表を作り直しました: {rows} 行（{time.perf_counter() - started:.1f} 秒）。")
