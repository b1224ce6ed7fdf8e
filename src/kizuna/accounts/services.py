"""Account writes: users, teams and API tokens. Every function audits its own change."""

import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit, context
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import Role, is_admin

from . import ratelimit
from .models import ApiToken, Team, User, hash_token
from .models import Role as RoleModel


def get_or_create_team(*, actor, name: str) -> Team:
    name = name.strip()
    if not name:
        raise ValidationFailed(field_errors={"team": [_("チーム名を入力してください。")]})
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
    if not username or User.objects.with_username_like(username) is not None:
        # ａｄｍｉｎ and Admin are taken when admin is: a look-alike name could pass for another user
        errors["username"] = [_("このユーザー名は使えません（空か、使用中か、使用中の名前とまぎらわしい名前です）。")]
    known = list(RoleModel.objects.values_list("key", flat=True))
    if role not in known:
        errors["role"] = [_("ロールは %(choices)s のいずれかです。") % {"choices": ", ".join(known)}]
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


TOKEN_USE_AUDIT_EVERY = timedelta(minutes=5)
MAX_TOKEN_DAYS = 3650


def create_token(*, actor, user: User, name: str, scopes=("read", "write"), days: int | None = None):
    """Returns (token, raw). The raw value is shown once and never stored."""
    if actor is not None and actor != user and not is_admin(actor):
        raise PermissionDenied()
    name = (name or "").strip()
    scopes = set(scopes or ())
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("名前を 100 文字以内で入力してください。")]
    unknown = scopes - set(ApiToken.Scope.values)
    if unknown:
        errors["scopes"] = [_("不明なスコープ: %(scopes)s") % {"scopes": ", ".join(sorted(unknown))}]
    elif not scopes:
        errors["scopes"] = [_("スコープを 1 つ以上選んでください。")]
    elif ApiToken.Scope.ADMIN in scopes and not is_admin(user):
        errors["scopes"] = [_("管理スコープのトークンは管理者のユーザーにだけ発行できます。")]
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        message = _("有効期限は 1〜%(max)s 日で指定してください（空欄なら無期限）。")
        errors["days"] = [message % {"max": MAX_TOKEN_DAYS}]
    if errors:
        raise ValidationFailed(field_errors=errors)
    raw = "kz_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            key_hash=hash_token(raw),
            scopes=sorted(scopes),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        audit.record(actor=actor, action="token.create", obj=token, label=f"{user.username}: {name}",
                     changes={"scopes": token.scopes, "expires_at": token.expires_at})  # fmt: skip
    return token, raw


def authenticate_token(raw: str) -> ApiToken | None:
    """The usable token with this raw value, or None. Bad tokens are counted per client address: past the limit
    (KIZUNA_RATE_BAD_TOKENS) that address gets 429 instead of 401 until the window ends. A valid token is never
    refused (256 random bits cannot be guessed, and a client sharing an address keeps working), so a good request
    costs no counter query. A token's use is audited ("token.use") and its last_used_at written at most once per
    5 minutes."""
    token = ApiToken.objects.usable().select_related("user", "user__team").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active:
        ip = context.current().ip
        if ip and (wait := ratelimit.hit("bad_token", ip)):
            raise ratelimit.RateLimited(wait)
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_AUDIT_EVERY:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOKEN_USE_AUDIT_EVERY)
        with transaction.atomic():
            # Conditional: of two requests racing here, one writes the row.
            if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
                label = f"{token.user.username}: {token.name}"
                audit.record(actor=token.user, action="token.use", obj=token, label=label)
        token.last_used_at = now
    return token


def revoke_token(*, actor, token: ApiToken) -> None:
    if actor != token.user and not is_admin(actor):
        raise PermissionDenied()
    with transaction.atomic():
        if token.revoked_at is not None:
            return
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="token.revoke", obj=token, label=f"{token.user.username}: {token.name}")


def tokens_visible_to(user):
    """API tokens a user may see on the token page: their own; admins see everyone's."""
    tokens = ApiToken.objects.select_related("user")
    return tokens if is_admin(user) else tokens.filter(user=user)


def set_password(*, actor, user: User, password: str, action: str = "password.change") -> None:
    """Already validated by the form (Django's password validators). Other sessions of the user end: Django
    checks the password hash stored in each session."""
    if actor is not None and actor != user and not is_admin(actor):
        raise PermissionDenied()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor=actor, action=action, obj=user, label=user.username)


def record_password_reset_request(*, email: str, users) -> None:
    """Audit a reset request: one row per account the mail went to, or one row without an account (the page
    answers the same either way)."""
    with transaction.atomic():
        users = list(users)
        for user in users:
            audit.record(actor=None, action="password.reset_requested", obj=user, label=user.username)
        if not users:
            audit.record(actor=None, action="password.reset_requested", object_type="accounts.user",
                         label=email[:200], changes={"known": False})  # fmt: skip
