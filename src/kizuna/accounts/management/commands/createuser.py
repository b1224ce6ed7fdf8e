import secrets
import sys

from django.core.management.base import BaseCommand, CommandError

from kizuna.accounts import services
from kizuna.core.context import request_context
from kizuna.core.exceptions import DomainError


class Command(BaseCommand):
    help = "ユーザーを作成します / Create a user."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--role", required=True, help="admin, manager, member, readonly or a custom role key")
        parser.add_argument("--team", default="")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    def handle(self, *args, name, role, team, display_name, email, password_stdin, **options):
        generated = not password_stdin
        password = secrets.token_urlsafe(12) if generated else sys.stdin.readline().rstrip("\n")
        with request_context(channel="cli"):
            try:
                team_obj = services.get_or_create_team(actor=None, name=team) if team else None
                user = services.create_user(
                    actor=None, username=name, password=password, role=role, team=team_obj,
                    display_name=display_name, email=email,
                )  # fmt: skip
            except DomainError as exc:
                details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.field_errors.items())
                raise CommandError(f"{exc.message} {details}".strip()) from exc
        self.stdout.write(f"created user {user.username} ({user.role})")
        if generated:
            self.stdout.write(f"password: {password}")
