import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "データベースとアップロードを1つのファイルにバックアップします / Back up the database and uploads."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="the archive to write (e.g. kizuna-2026-12-07.tar)")
        parser.add_argument("--json", action="store_true", help="print the manifest's summary as JSON")

    def handle(self, *args, output, json: bool, **options):
        try:
            result = backup(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        summary = {"path": str(result.path), "database": m["database"]["vendor"],
                   "tables": len(m["tables"]), "rows": sum(t["count"] for t in m["tables"].values()),
                   "uploads": m["uploads"]["count"], "audit_events": m["audit"]["events"]}  # fmt: skip
        if json:
            self.stdout.write(_json(summary))
            return
        message = _(
            "バックアップしました: %(path)s（%(tables)s 表・%(rows)s 行、ファイル %(uploads)s 件、"
            "監査ログ %(audit_events)s 件）"
        )
        self.stdout.write(message % summary)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
