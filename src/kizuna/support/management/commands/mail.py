"""`kizuna mail`: the e-mail channel from the command line.

kizuna mail ingest PATH.eml [--mailbox NAME] --json   one file through the same ingestion as IMAP
kizuna mail fetch [--mailbox NAME] [--limit N] [--watch]   IMAP now (--watch: keep waiting with IDLE/polling)
kizuna mail retry [--mailbox NAME]                    try the kept failed mails again
kizuna mail status                                    each mailbox's position and kept mails
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.core import context
from kizuna.core.exceptions import DomainError


class Command(BaseCommand):
    help = "メールの受信・取り込み / Fetch and ingest e-mail (ingest, fetch, retry, status)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="ingest one .eml file")
        ingest.add_argument("path")
        ingest.add_argument("--mailbox", default=None, help="channel slug or name (default: the first mailbox)")
        ingest.add_argument("--json", action="store_true", help='print {"ticket": id, "person": id, "created": bool}')
        fetch = sub.add_parser("fetch", help="fetch new mail over IMAP")
        fetch.add_argument("--mailbox", default=None)
        fetch.add_argument("--limit", type=int, default=None)
        fetch.add_argument("--watch", action="store_true", help="keep running: IMAP IDLE, or polling without it")
        fetch.add_argument("--json", action="store_true")
        retry = sub.add_parser("retry", help="retry the mails kept after a failed ingest")
        retry.add_argument("--mailbox", default=None)
        sub.add_parser("status", help="mailbox positions and kept mails")

    def handle(self, *args, action, **options):
        try:
            with context.request_context(channel="cli"):
                getattr(self, f"do_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.summary) from exc

    def do_ingest(self, *, path, mailbox, json: bool, **options):
        from kizuna.support.mail.config import find_channel
        from kizuna.support.mail.ingest import ingest

        file = Path(path)
        if not file.is_file():
            raise CommandError(_("ファイルが見つかりません: %(path)s") % {"path": path})
        channel = find_channel(mailbox)
        outcome = ingest(channel, file.read_bytes())
        if json:
            self.stdout.write(_json(outcome.as_json()))
            return
        if outcome.kept is not None and outcome.ticket is None:
            if outcome.auto:
                self.stdout.write(_("自動送信メールとして保留しました（保留メール #%(id)s）。") % {"id": outcome.kept})
            else:
                message = _("取り込みに失敗したため保留しました（保留メール #%(id)s）。")
                self.stdout.write(message % {"id": outcome.kept})
        else:
            verb = (
                "新しい問い合わせ" if outcome.created else ("取り込み済み" if outcome.duplicate else "既存の問い合わせ")
            )
            self.stdout.write(f"{verb}: ticket {outcome.ticket}, person {outcome.person}")

    def do_fetch(self, *, mailbox, limit, watch, json: bool, **options):
        from kizuna.support.mail import imap
        from kizuna.support.mail.config import email_channels, find_channel

        channels = [find_channel(mailbox)] if mailbox else list(email_channels())
        if watch:
            if len(channels) != 1:
                raise CommandError(_("--watch はメールボックスを一つ指定してください（--mailbox）。"))
            imap.watch(channels[0], on_result=lambda r: self._report(r, json))
            return
        for channel in channels:
            self._report(imap.fetch(channel, limit=limit), json)

    def _report(self, result, as_json):
        if as_json:
            self.stdout.write(_json(result.__dict__))
        else:
            line = _("%(channel)s: %(fetched)s 件受信（新規 %(created)s、保留 %(kept)s、重複 %(duplicates)s）")
            errors = "".join("\n  " + _("エラー: %(error)s") % {"error": e} for e in result.errors)
            self.stdout.write(line % result.__dict__ + errors)
        sys.stdout.flush()

    def do_retry(self, *, mailbox, **options):
        from kizuna.support.mail.config import find_channel
        from kizuna.support.mail.ingest import retry_kept

        result = retry_kept(find_channel(mailbox) if mailbox else None)
        self.stdout.write(_("再取り込み: 成功 %(done)s 件、失敗 %(failed)s 件") % result)

    def do_status(self, **options):
        from kizuna.support.models import Channel, KeptMail, MailboxState

        for channel in Channel.objects.filter(kind="email").order_by("pk"):
            self.stdout.write(f"{channel.slug} ({channel.name})" + ("" if channel.active else " " + _("[無効]")))
            for state in MailboxState.objects.filter(channel=channel):
                line = _("%(folder)s: UIDVALIDITY %(uidvalidity)s 最終UID %(uid)s 最終受信 %(at)s %(error)s")
                self.stdout.write("  " + line % {"folder": state.folder, "uidvalidity": state.uidvalidity,
                                                 "uid": state.last_uid, "at": state.last_fetch_at or "-",
                                                 "error": state.last_error})  # fmt: skip
            for state, label in KeptMail.State.choices:
                count = KeptMail.objects.filter(channel=channel, state=state).count()
                if count:
                    self.stdout.write("  " + _("%(label)s: %(count)s 件") % {"label": label, "count": count})


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False)
