"""`kizuna sales_rollup`: rebuild the deal rollup behind the forecast and dashboards from the deals (after a bulk
load, a database restore or a change of TIME_ZONE); `--check` only compares and lists the differences."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


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
                message = _("集計表と商談に %(count)s 件の差があります。sales_rollup で作り直してください。")
                raise CommandError(message % {"count": len(problems)})
            seconds = f"{time.perf_counter() - started:.1f}"
            self.stdout.write(_("集計表は商談と一致しています（%(seconds)s 秒）。") % {"seconds": seconds})
            return
        rows = rollup.rebuild()
        seconds = f"{time.perf_counter() - started:.1f}"
        done = _("集計表を作り直しました: %(rows)s 行（%(seconds)s 秒）。")
        self.stdout.write(done % {"rows": rows, "seconds": seconds})
