"""The automation rule action "notify": tell a user, the record's owner or a whole team, with a message."""

import hashlib

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.core.actions import Action, Param
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.notices import Notice, notify

from . import kinds
from .consumers import record_url

OWNER = "owner"  # the `user` parameter may name the record's owner instead of a fixed user


def _recipients(ctx, params: dict) -> list:
    User = get_user_model()
    users: dict[int, object] = {}
    who = str(params.get("user") or "").strip()
    if who == OWNER:
        owner = getattr(ctx.obj, "owner", None) or getattr(ctx.obj, "assignee", None)
        if owner is not None and owner.is_active:
            users[owner.pk] = owner
    elif who:
        user = User.objects.filter(pk=int(who), is_active=True).first() if who.isdigit() else None
        if user is None:
            raise ValidationFailed(field_errors={"user": [_("通知するユーザーが見つかりません。")]})
        users[user.pk] = user
    team = str(params.get("team") or "").strip()
    if team:
        members = list(User.objects.filter(team_id=int(team), is_active=True)) if team.isdigit() else []
        if not members:
            raise ValidationFailed(field_errors={"team": [_("通知するチームにメンバーがいません。")]})
        users.update({u.pk: u for u in members})
    if not who and not team:
        raise ValidationFailed(field_errors={"user": [_("通知するユーザーかチームを指定してください。")]})
    return list(users.values())


def run(ctx, params: dict) -> str:
    message = str(params.get("message") or "").strip()
    if not message:
        raise ValidationFailed(field_errors={"message": [_("通知の文面を入力してください。")]})
    users = _recipients(ctx, params)
    names = "、".join(str(u) for u in users[:5]) + ("…" if len(users) > 5 else "")
    if ctx.dry_run:
        return _("%(names)s に通知します: %(message)s") % {"names": names, "message": message[:80]}
    event_id = getattr(ctx.event, "event_id", "") or ""
    rule = ctx.extra.get("rule_id", "")
    digest = hashlib.sha256(message.encode()).hexdigest()[:12]  # two rules on one event with other messages: both
    key = f"rule:{rule}:{event_id}:{digest}" if event_id else ""
    obj = ctx.obj
    notify(users, Notice(kind=kinds.RULE, title=message[:200], body=message if len(message) > 200 else "",
                         url=record_url(obj) if obj is not None else "", obj=obj, actor=ctx.actor,
                         data={"key": key}))  # fmt: skip
    return _("%(names)s に通知しました") % {"names": names}


ACTION = Action(
    key="notify",
    label=_l("通知する"),
    run=run,
    params=(
        Param("user", _l("ユーザー（owner で記録の担当者）"), kind="user", required=False),
        Param("team", _l("チーム"), kind="team", required=False),
        Param("message", _l("文面"), kind="long_text"),
    ),
)
