import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "バックアップを空のデータベースに復元し、件数・チェックサム・監査ログの鎖を確かめます / "
        "Restore a backup into an empty database and verify counts, checksums and the audit chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="a file written by `kizuna backup`")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, archive, json: bool, **options):
        try:
            result = restore(Path(archive))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        ok = not (result.mismatches or result.audit_broken)
        summary = {"tables": result.tables, "rows": result.rows, "mismatches": result.mismatches,
                   "audit_broken": result.audit_broken[:20], "ok": ok}  # fmt: skip
        if json:
            self.stdout.write(_json(summary))
        if result.mismatches:
            raise CommandError(
                _("復元したデータがバックアップと一致しません: %(tables)s")
                % {"tables": "; ".join(result.mismatches[:10])}
            )
        if result.audit_broken:
            raise CommandError(_("監査ログの鎖が切れています: ids %(ids)s") % {"ids": result.audit_broken[:20]})
        if not json:
            message = _(
                "復元しました: %(tables)s 表・%(rows)s 行。件数とチェックサムはバックアップ時点と一致し、"
                "監査ログの鎖も検証できました。"
            )
            self.stdout.write(message % summary)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
