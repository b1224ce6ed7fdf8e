import json as jsonlib
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.accounts.models import User
from kizuna.core.context import request_context
from kizuna.core.exceptions import DomainError


class Command(BaseCommand):
    help = "CSV/TSV・Excel・vCard を取り込みます / Import people or companies (dry run first with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--type", choices=["person", "company"], default="person")
        parser.add_argument(
            "--encoding",
            default="auto",
            choices=["auto", "utf-8", "utf-8-sig", "cp932", "euc-jp", "utf-16", "utf-16-le", "utf-16-be"],
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--match-on", choices=["external_id", "email", "phone"], default="external_id")
        parser.add_argument("--sheet", default="", help="xlsx: sheet name or 0-based index (default: the first)")
        parser.add_argument("--user", default=None, help="import as this user (default: the first admin)")
        parser.add_argument("--header-row", type=int, default=None, help="the row the headers are on (default: found)")
        parser.add_argument(
            "--file-wins",
            default="",
            help="comma-separated fields an update may overwrite "
            "(family_name, given_name, family_name_kana, given_name_kana, birthday, address)",
        )
        parser.add_argument("--json", action="store_true")

    def handle(
        self,
        *args,
        path,
        type,
        encoding,
        dry_run,
        match_on,
        sheet,
        user,
        json,
        header_row=None,
        file_wins="",
        **options,
    ):
        from kizuna.imports import services

        actor = (User.objects.filter(username=user) if user else User.objects.filter(role="admin")).first()
        if actor is None:
            raise CommandError(_("ユーザーが見つかりません / no such user: %(user)s") % {"user": user or "(admin)"})
        source = Path(path)
        if not source.is_file():
            raise CommandError(_("ファイルが見つかりません / no such file: %(path)s") % {"path": path})
        try:
            with request_context(channel="cli"), open(source, "rb") as fh:
                job = services.upload(actor=actor, file=fh, filename=source.name, kind=type, encoding=encoding,
                                      sheet=sheet, match_on=match_on)  # fmt: skip
                if header_row is not None or file_wins:
                    wins = [f.strip() for f in file_wins.split(",") if f.strip()]
                    services.set_mapping(actor=actor, job=job, mapping=job.mapping, header_row=header_row,
                                         file_wins=wins or None)  # fmt: skip
                    job.refresh_from_db()
                summary = services.dry_run(actor=actor, job=job) if dry_run else services.run(job.pk)
        except DomainError as exc:  # the file cannot be read at all: the only non-zero exit
            if json:
                self.stdout.write(jsonlib.dumps({"error": exc.message}, ensure_ascii=False))
            raise CommandError(exc.message) from exc
        if json:
            self.stdout.write(jsonlib.dumps(summary.as_json(), ensure_ascii=False))
            return
        verb = "確認のみ（書き込みなし）" if dry_run else "取り込み"
        self.stdout.write(
            f"{verb}: {summary.rows} 行（{summary.encoding}）作成 {summary.created}、更新 {summary.updated}、"
            f"スキップ {summary.skipped}、重複の可能性 {summary.duplicates}、エラー {len(summary.errors)}"
        )
        for error in summary.errors[:30]:
            sys.stdout.write(f"  {error['row']}行目 {error['field']}: {error['message']}\n")
