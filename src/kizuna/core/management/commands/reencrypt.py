import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.core import audit, context, crypto


class Command(BaseCommand):
    help = (
        "暗号化された項目を最新の鍵で暗号化し直します / Re-encrypt every encrypted field with the newest key "
        "(the first of KIZUNA_ENCRYPTION_KEYS or of the data dir's encryption_keys file)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what would be re-encrypted")
        parser.add_argument("--generate-key", action="store_true", help="print a new key and exit")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, dry_run: bool, generate_key: bool, json: bool, **options):
        if generate_key:
            self.stdout.write(crypto.generate_key())
            return
        try:
            with context.request_context(channel="cli"):
                report = crypto.reencrypt(dry_run=dry_run)
                total = sum(r["reencrypted"] for r in report.values())
                if total and not dry_run:
                    audit.record(actor=None, action="encryption.rotated", object_type="core.encryption",
                                 label=crypto.newest_key_id(), changes={"fields": report})  # fmt: skip
        except crypto.DecryptionError as exc:
            raise CommandError(_("暗号化された値を開けません: %(error)s") % {"error": exc}) from exc
        if json:
            self.stdout.write(_json({"key_id": crypto.newest_key_id(), "dry_run": dry_run, "fields": report}))
            return
        for name, counts in report.items():
            self.stdout.write(_("%(field)s: %(reencrypted)s 件を暗号化し直し、%(current)s 件は最新の鍵のままです。")
                              % {"field": name, **counts})  # fmt: skip
        self.stdout.write(_("最新の鍵: %(key)s") % {"key": crypto.newest_key_id()})


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
