"""Account writes: users, teams and API tokens. Every function audits its own change."""

import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import Role, is_admin

from .models import ApiToken, Team, User, hash_token
from .models import Role as RoleModel


def get_or_create_team(*, actor, name: str) -> Team:
    name = name.strip()
    if not name:
        raise ValidationFailed(field_errors={"team": ["チーム名を入力してください。"]})
    with transaction.atomic():
        team, created = Team.objects.get_or_create(name=name)
        if created:
            audit.record(actor=actor, action="team.create", obj=team)
    return team


def create_user(
    *,
    actor,
    username: str,
    password: str | None,
    role: str = Role.MEMBER,
    team: Team | None = None,
    display_name: str = "",
    email: str = "",
    check_password: bool = True,
) -> User:
    """`actor` None means the command line run by the server operator."""
    if actor is not None and not is_admin(actor):
        raise PermissionDenied()
    errors: dict[str, list[str]] = {}
    if not username or User.objects.filter(username=username).exists():
        errors["username"] = ["このユーザー名は使えません（空か、すでに使われています）。"]
    known = list(RoleModel.objects.values_list("key", flat=True))
    if role not in known:
        errors["role"] = [f"ロールは {', '.join(known)} のいずれかです。"]
    if password and check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(field_errors=errors)
    with transaction.atomic():
        user = User(username=username, role=role, team=team, display_name=display_name, email=email)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit.record(actor=actor, action="user.create", obj=user, changes={"role": role, "team": team})
    return user


def create_token(*, actor, user: User, name: str, scopes=("read", "write"), days: int | None = None):
    """Returns (token, raw). The raw value is shown once and never stored."""
    if actor is not None and actor != user and not is_admin(actor):
        raise PermissionDenied()
    unknown = set(scopes) - set(ApiToken.Scope.values)
    if unknown:
        raise ValidationFailed(field_errors={"scopes": [f"不明なスコープ: {', '.join(sorted(unknown))}"]})
    raw = "kz_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            key_hash=hash_token(raw),
            scopes=sorted(set(scopes)),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        audit.record(actor=actor, action="token.create", obj=token, label=f"{user.username}: {name}")
    return token, raw


def authenticate_token(raw: str) -> ApiToken | None:
    token = ApiToken.objects.usable().select_related("user", "user__team").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # throttled: not every request writes
    return token


def revoke_token(*, actor, token: ApiToken) -> None:
    if actor != token.user and not is_admin(actor):
        raise PermissionDenied()
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="token.revoke", obj=token)
