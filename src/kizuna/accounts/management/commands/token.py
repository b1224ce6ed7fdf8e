import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.accounts import services
from kizuna.accounts.models import User
from kizuna.core.context import request_context
from kizuna.core.exceptions import DomainError


class Command(BaseCommand):
    help = "API トークンを管理します / Manage API tokens: `token create USERNAME [--json]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for a user and print it once")
        create.add_argument("name", help="username the token acts as")
        create.add_argument("--label", default="cli", help="a name for the token")
        create.add_argument("--scopes", default="read,write", help="comma-separated: read,write,admin")
        create.add_argument("--days", type=int, default=None, help="expire after N days")
        create.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="revoke every token of a user with the given label")
        revoke.add_argument("name")
        revoke.add_argument("--label", default="cli")

    def handle(self, *args, action, name, **options):
        user = User.objects.filter(username=name).first()
        if user is None:
            raise CommandError(_("ユーザー %(name)s が見つかりません / no such user: %(name)s") % {"name": name})
        with request_context(channel="cli"):
            if action == "revoke":
                tokens = list(user.api_tokens.usable().filter(name=options["label"]))
                for token in tokens:
                    services.revoke_token(actor=user, token=token)
                self.stdout.write(f"revoked {len(tokens)} token(s)")
                return
            scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
            try:
                token, raw = services.create_token(
                    actor=None, user=user, name=options["label"], scopes=scopes, days=options["days"]
                )
            except DomainError as exc:
                raise CommandError(exc.summary) from exc
        if options["json"]:
            payload = {
                "user": user.username,
                "token": raw,
                "name": token.name,
                "scopes": token.scopes,
                "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            self.stdout.write(raw)
