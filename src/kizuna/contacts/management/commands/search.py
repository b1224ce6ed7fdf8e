import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kizuna.accounts.models import User
from kizuna.contacts.search import search_records
from kizuna.core.exceptions import DomainError


class Command(BaseCommand):
    help = "検索します / Search people and companies as a user would (visibility applies)."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--type", choices=["person", "company"], default=None)
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--user", default=None, help="search as this user (default: the first admin)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, query, type, limit, user, **options):
        actor = (User.objects.filter(username=user) if user else User.objects.filter(role="admin")).first()
        if actor is None:
            message = _("ユーザーが見つかりません / no such user: %(name)s")
            raise CommandError(message % {"name": user or "(admin)"})
        try:
            total, results, _more = search_records(actor, query, type=type, limit=limit)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.field_errors}") from exc
        rows = [{"type": r.type, "id": r.id, "external_id": r.external_id, "label": r.label, "matched": r.matched}
                for r in results]  # fmt: skip
        estimate = bool(getattr(total, "is_estimate", False))
        if options["json"]:
            self.stdout.write(_dumps({"query": query, "total": int(total), "total_is_estimate": estimate,
                                      "total_display": total.display, "results": rows}))  # fmt: skip
            return
        self.stdout.write(f"{total.display} 件 / results")
        for r in results:
            self.stdout.write(f"  {r.type:<8} {r.id:>8}  {r.label}  {r.detail}")


def _dumps(payload) -> str:
    return jsonlib.dumps(payload, ensure_ascii=False)
