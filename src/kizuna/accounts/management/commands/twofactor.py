from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.accounts import two_factor
from kizuna.accounts.models import User
from kizuna.core.context import request_context


class Command(BaseCommand):
    help = "二要素認証を管理します / Two-factor login: `twofactor reset USERNAME` (a lost phone), `twofactor status`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reset = sub.add_parser("reset", help="remove a user's 2FA so they can log in with the password and enrol again")
        reset.add_argument("name", help="username")
        sub.add_parser("status", help="list users with 2FA switched on")

    def handle(self, *args, action, **options):
        if action == "status":
            for user in User.objects.filter(two_factor__isnull=False).order_by("username"):
                self.stdout.write(user.username)
            return
        user = User.objects.filter(username=options["name"]).first()
        if user is None:
            message = _("ユーザー %(name)s が見つかりません / no such user: %(name)s")
            raise CommandError(message % {"name": options["name"]})
        with request_context(channel="cli"):
            was_on = two_factor.reset(actor=None, user=user)
        if was_on:
            self.stdout.write(f"2FA reset for {user.username}: they log in with their password and set it up again")
        else:
            self.stdout.write(f"{user.username} had no 2FA (nothing to reset)")
