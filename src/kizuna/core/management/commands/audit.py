import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "監査ログの改ざんを検査します / Verify the audit log's hash chain (`kizuna audit verify`)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, action, json, **options):
        from kizuna.core.audit import verify_chain
        from kizuna.core.models import AuditEvent

        broken = verify_chain()
        total = AuditEvent.objects.count()
        redacted = AuditEvent.objects.filter(redacted_at__isnull=False).count()
        if json:
            self.stdout.write(jsonlib.dumps({"events": total, "redacted": redacted, "broken": broken}))
        if broken:
            message = _("監査ログ %(total)s 件のうち %(broken)s 件が改ざんされているか、鎖が切れています: ids %(ids)s")
            raise CommandError(message % {"total": total, "broken": len(broken), "ids": broken[:20]})
        if not json:
            note = f"（うち {redacted} 件は個人情報の消去により内容を伏せています）" if redacted else ""
            self.stdout.write(f"監査ログ {total} 件{note}: 改ざんは見つかりませんでした / chain intact")
