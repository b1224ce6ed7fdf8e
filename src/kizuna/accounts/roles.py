"""Role writes: custom roles, tuning the built-in ones, giving users a role. Every change is audited
("permission changes" in the audit log), and none can leave the installation without an administrator."""

import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit, records
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import APPLICABLE_ACTIONS, Role, Scope, builtin_roles, is_admin

from .models import Role as RoleModel
from .models import Team, User

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


def ensure_builtin_roles(**kwargs) -> None:
    """Create missing built-in roles (after migrate and after a test database flush); tuned ones are kept, and
    an object type an app registered since (a new app's records) is granted as out of the box. A type the role
    already lists, even with no actions, was decided by an admin and stays as it is."""
    for key, spec in builtin_roles().items():
        role, created = RoleModel.objects.get_or_create(
            key=key, defaults={"name": str(Role(key).label), "builtin": True, **spec}
        )
        missing = {t: actions for t, actions in spec["permissions"].items() if t not in role.permissions}
        if not created and missing:
            role.permissions = {**role.permissions, **missing}
            role.save(update_fields=["permissions"])


def _require_admin(actor) -> None:
    if actor is not None and not is_admin(actor):
        raise PermissionDenied(_("ロールと権限を変更できるのは管理者だけです。"))


def clean_permissions(raw) -> dict:
    """{object_type: [action]} limited to known types and the actions that apply to them, in a stable order."""
    if not isinstance(raw, dict):
        raise ValidationFailed(field_errors={"permissions": [_("権限の形式が正しくありません。")]})
    unknown = sorted(set(raw) - set(APPLICABLE_ACTIONS))
    if unknown:
        raise ValidationFailed(
            field_errors={"permissions": [_("不明な対象です: %(types)s") % {"types": ", ".join(unknown)}]}
        )
    out = {}
    for object_type, allowed in APPLICABLE_ACTIONS.items():
        given = raw.get(object_type) or []
        if not isinstance(given, list):
            raise ValidationFailed(field_errors={"permissions": [_("権限の形式が正しくありません。")]})
        bad = sorted(set(map(str, given)) - set(allowed))
        if bad:
            message = _("%(type)s に使えない操作です: %(actions)s") % {"type": object_type, "actions": ", ".join(bad)}
            raise ValidationFailed(field_errors={"permissions": [message]})
        out[object_type] = [a for a in allowed if a in given]
    return out


def _clean(data: dict, *, current: RoleModel | None) -> dict:
    errors: dict[str, list[str]] = {}
    out = {}
    if current is None:
        key = str(data.get("key") or "").strip().lower()
        if not KEY_PATTERN.match(key):
            errors["key"] = [_("キーは半角英小文字で始まる2〜40文字（英小文字・数字・_・-）です。")]
        elif RoleModel.objects.filter(key=key).exists():
            errors["key"] = [_("このキーはすでに使われています。")]
        out["key"] = key
    if "name" in data or current is None:
        name = str(data.get("name") or "").strip()
        if not name or len(name) > 100:
            errors["name"] = [_("名前を100文字以内で入力してください。")]
        out["name"] = name
    if "description" in data:
        out["description"] = str(data.get("description") or "").strip()[:300]
    if "scope" in data:
        if data["scope"] not in Scope.values:
            errors["scope"] = [_("見える範囲は %(choices)s のいずれかです。") % {"choices": ", ".join(Scope.values)}]
        out["scope"] = data["scope"]
    for flag in ("administers", "require_two_factor"):
        if flag in data:
            out[flag] = bool(data[flag])
    if errors:
        raise ValidationFailed(field_errors=errors)
    if "permissions" in data:
        out["permissions"] = clean_permissions(data["permissions"])
    return out


def _administrators_left(*, without_role: RoleModel | None = None, without_user: User | None = None) -> int:
    roles = RoleModel.objects.filter(administers=True)
    if without_role is not None:
        roles = roles.exclude(pk=without_role.pk)
    users = User.objects.filter(Q(role__in=roles.values("key")) | Q(is_superuser=True), is_active=True)
    if without_user is not None:
        users = users.exclude(pk=without_user.pk)
    return users.count()


def create_role(*, actor, data: dict) -> RoleModel:
    _require_admin(actor)
    values = _clean(data, current=None)
    values.setdefault("permissions", {})
    with transaction.atomic():
        role = RoleModel.objects.create(**values)
        audit.record(actor=actor, action="role.create", obj=role, changes={k: [None, v] for k, v in values.items()})
    return role


def update_role(*, actor, role: RoleModel, data: dict, expected_version=None) -> dict:
    _require_admin(actor)
    values = _clean(data, current=role)
    with transaction.atomic():
        current = records.lock(role)
        records.check_version(current, expected_version)
        if (
            current.administers
            and values.get("administers") is False
            and not _administrators_left(without_role=current)
        ):
            raise ValidationFailed(
                _("管理者がいなくなるため、このロールの管理者権限は外せません。"),
                field_errors={"administers": [_("管理者がいなくなるため外せません。")]},
            )
        changes = audit.diff({k: getattr(current, k) for k in values}, values)
        if not changes:
            return {}
        for key, value in values.items():
            setattr(current, key, value)
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        audit.record(actor=actor, action="role.update", obj=current, changes=changes)
    role.refresh_from_db()
    return changes


def reset_role(*, actor, role: RoleModel) -> dict:
    """A built-in role back to what it grants out of the box."""
    if not role.builtin:
        raise ValidationFailed(_("既定に戻せるのは標準のロールだけです。"))
    return update_role(actor=actor, role=role, data=dict(builtin_roles()[role.key]))


def delete_role(*, actor, role: RoleModel) -> None:
    _require_admin(actor)
    if role.builtin:
        raise ValidationFailed(_("標準のロールは削除できません（権限は変更できます）。"))
    in_use = User.objects.filter(role=role.key).count()
    if in_use:
        message = _("このロールのユーザーが %(count)s 人います。先に別のロールに変更してください。")
        raise ValidationFailed(message % {"count": in_use})
    with transaction.atomic():
        audit.record(actor=actor, action="role.delete", obj=role)
        role.delete()


def set_user_access(*, actor, user: User, role: str | None = None, team: Team | bool | None = False,
                    is_active: bool | None = None) -> dict:  # fmt: skip
    """Change a user's role, team or whether they may log in. `team=False` leaves the team as it is."""
    _require_admin(actor)
    changes: dict = {}
    if role is not None and role != user.role:
        if not RoleModel.objects.filter(key=role).exists():
            raise ValidationFailed(field_errors={"role": [_("そのロールはありません。")]})
        changes["role"] = [user.role, role]
    if team is not False and getattr(team, "pk", None) != user.team_id:
        changes["team"] = [user.team, team]
    if is_active is not None and is_active != user.is_active:
        changes["is_active"] = [user.is_active, is_active]
    if not changes:
        return {}
    with transaction.atomic():
        loses_admin = "role" in changes or changes.get("is_active") == [True, False]
        if loses_admin and is_admin(user) and not _administrators_left(without_user=user):
            raise ValidationFailed(_("最後の管理者のロールは変更・無効化できません。"))
        if "role" in changes:
            user.role = role
            user.__dict__.pop("_role_row", None)
        if "team" in changes:
            user.team = team
        if "is_active" in changes:
            user.is_active = is_active
        user.save(update_fields=["role", "team", "is_active"])
        audit.record(actor=actor, action="user.access", obj=user, changes=changes)
    return changes
