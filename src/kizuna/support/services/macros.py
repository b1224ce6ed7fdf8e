"""Macros (定型文): canned replies with variables, filled in for one ticket before the agent edits and sends them.

Variables: {{お客様名}} (the customer's name), {{担当者名}} (the agent's name), {{問い合わせ番号}} (#123),
{{件名}} (the ticket's subject), {{会社名}} (the customer's company). An unknown variable is left as written, so a
typo shows in the draft instead of vanishing."""

import re

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kizuna.core import audit, records
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import Scope, is_admin, scope_of
from kizuna.core.visibility import viewer_for

from ..models import Macro, Ticket

_VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
VARIABLES = ("お客様名", "担当者名", "問い合わせ番号", "件名", "会社名")


def macros_for(user):
    """The macros a user may use: every team's and their own team's."""
    qs = Macro.objects.alive()
    return qs.filter(Q(team__isnull=True) | Q(team_id=user.team_id)) if user.team_id else qs.filter(team__isnull=True)


def render(macro_body: str, *, ticket: Ticket, agent) -> str:
    viewer = viewer_for(agent)
    values = {
        "お客様名": viewer.name(ticket.person, empty=_("お客様")) if ticket.person_id else _("お客様"),
        "担当者名": str(agent),
        "問い合わせ番号": f"#{ticket.number}",
        "件名": ticket.subject,
        "会社名": viewer.name(ticket.company, empty="") if ticket.company_id else "",
    }
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), macro_body)


def _require_macro_admin(actor, team) -> None:
    if is_admin(actor):
        return
    if team is not None and scope_of(actor) == Scope.TEAM and actor.team_id == team.pk:  # the team's manager
        return
    raise PermissionDenied()


def _clean(data: dict) -> dict:
    errors = {}
    name = str(data.get("name") or "").strip()
    body = str(data.get("body") or "").strip()
    if not name:
        errors["name"] = [_("名前を入力してください。")]
    elif len(name) > 100:
        errors["name"] = [_("名前は100文字以内にしてください。")]
    if not body:
        errors["body"] = [_("本文を入力してください。")]
    unknown = sorted({m for m in _VARIABLE.findall(body) if m not in VARIABLES})
    if unknown:
        errors["body"] = [_("使えない変数があります: %(names)s（使える変数: %(known)s）") % {
            "names": "、".join(unknown), "known": "、".join(f"{{{{{v}}}}}" for v in VARIABLES)}]  # fmt: skip
    if errors:
        raise ValidationFailed(field_errors=errors)
    return {"name": name, "body": body}


def save_macro(*, actor, data: dict, macro: Macro | None = None, team=None) -> Macro:
    """Admins keep every macro; a team's manager keeps the team's."""
    team = macro.team if macro is not None else team
    _require_macro_admin(actor, team)
    values = _clean(data)
    with transaction.atomic():
        if macro is None:
            macro = Macro.objects.create(**values, team=team, created_by=actor, updated_by=actor)
            audit.record(actor=actor, action="macro.create", obj=macro, changes=audit.diff({}, values))
            return macro
        before = records.snapshot(macro, ["name", "body"])
        for key, value in values.items():
            setattr(macro, key, value)
        records.touch(macro, actor)
        macro.save()
        audit.record(actor=actor, action="macro.update", obj=macro, changes=audit.diff(before, values))
    return macro


def delete_macro(*, actor, macro: Macro) -> None:
    _require_macro_admin(actor, macro.team)
    with transaction.atomic():
        records.touch(macro, actor)
        macro.deleted_at, macro.deleted_by = macro.updated_at, actor
        macro.save()
        audit.record(actor=actor, action="macro.delete", obj=macro)
