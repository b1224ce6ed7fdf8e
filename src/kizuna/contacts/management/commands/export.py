import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.accounts.models import User
from kizuna.contacts.exports import ENCODINGS, FORMATS, export
from kizuna.core.context import request_context
from kizuna.core.exceptions import DomainError


class Command(BaseCommand):
    help = "人・会社を書き出します / Export people or companies (CSV, xlsx, vCard); visibility applies."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["people", "companies"])
        parser.add_argument("-o", "--output", default="-", help="file path, or - for standard output")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8-sig")
        parser.add_argument("--user", default=None, help="export as this user (default: the first admin)")
        parser.add_argument("--q", default="", help="the same search as the list's box")

    def handle(self, *args, what, output, format, encoding, user, q, **options):
        actor = (User.objects.filter(username=user) if user else User.objects.filter(role="admin")).first()
        if actor is None:
            message = _("ユーザーが見つかりません / no such user: %(name)s")
            raise CommandError(message % {"name": user or "(admin)"})
        kind = "person" if what == "people" else "company"
        try:
            with request_context(channel="cli"):
                result = export(actor=actor, kind=kind, filters={"q": q}, fmt=format, encoding=encoding)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if output == "-":
            sys.stdout.buffer.write(result.content)
            sys.stdout.buffer.flush()
        else:
            with open(output, "wb") as fh:
                fh.write(result.content)
            self.stderr.write(f"{result.rows} 件を {output} に書き出しました / wrote {result.rows} rows")
        if result.left_out:
            self.stderr.write(
                f"利用停止中の {result.left_out} 件は書き出しに含めていません / left out {result.left_out} "
                "(use suspended)"
            )
