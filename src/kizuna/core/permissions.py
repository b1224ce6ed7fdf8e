"""Roles and the record-level rules every app shares.

A role (accounts.Role, editable by admins) grants actions on object types and a reach over records:
- permissions: {object_type: [action, ...]} — view, create, edit, delete, export, merge, import, view_sensitive;
- scope: "all" (every record), "team" (also the team's private records), "standard" (public, team, shared, own);
- administers: users, roles and the audit log; require_two_factor: its users must log in with a second factor.
Edits still follow the record: outside scope "all", only the owner's and the owner's team's records.
"""

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Keys of the built-in roles (rows of accounts.Role; admins may add their own)."""

    ADMIN = "admin", _("管理者")
    MANAGER = "manager", _("マネージャー")
    MEMBER = "member", _("メンバー")
    READ_ONLY = "readonly", _("閲覧のみ")


class Scope(models.TextChoices):
    ALL = "all", _("すべてのレコード")
    TEAM = "team", _("自チームの非公開レコードまで")
    STANDARD = "standard", _("全社公開・チーム内・共有されたレコード")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("全社公開")
    TEAM = "team", _("チーム内")
    PRIVATE = "private", _("非公開（担当者と共有先のみ）")


ACTIONS = {
    "view": _("閲覧"),
    "create": _("作成"),
    "edit": _("編集"),
    "delete": _("削除"),
    "export": _("書き出し"),
    "merge": _("統合"),
    "import": _("取り込み"),
    "view_sensitive": _("機微項目の閲覧"),
    "reveal": _("機微項目の一時表示（記録あり）"),  # ten minutes, one record, one audit row each time
}
RECORD_ACTIONS = ("view", "create", "edit", "delete")
MEMBER_ACTIONS = frozenset({"view", "create", "edit", "delete", "export", "merge", "import"})
READ_ONLY_ACTIONS = frozenset({"view", "export"})

# Filled by each app's AppConfig.ready through register_object_type: {type: label} and {type: [action, ...]}.
OBJECT_TYPES: dict = {}
APPLICABLE_ACTIONS: dict[str, list[str]] = {}


def register_object_type(key: str, label, actions=RECORD_ACTIONS) -> None:
    """An app's record type that roles grant actions on: a row of the permission matrix (設定 → ロール).

    Built-in roles get the type on the next migrate (accounts.roles.ensure_builtin_roles): managers and admins
    every action, members all but view_sensitive and reveal, read-only roles view and export."""
    unknown = sorted(set(actions) - set(ACTIONS))
    if unknown:
        raise ValueError(f"unknown actions for {key}: {unknown}")
    OBJECT_TYPES[key] = label
    APPLICABLE_ACTIONS[key] = [a for a in ACTIONS if a in actions]


def _grant(only=None) -> dict:
    return {t: [a for a in actions if only is None or a in only] for t, actions in APPLICABLE_ACTIONS.items()}


def builtin_roles() -> dict:
    """What the built-in roles grant when created (and what "既定に戻す" restores), over the registered types."""
    return {
        Role.ADMIN: {"scope": Scope.ALL, "administers": True, "permissions": _grant()},
        Role.MANAGER: {"scope": Scope.TEAM, "administers": False, "permissions": _grant()},
        Role.MEMBER: {"scope": Scope.STANDARD, "administers": False, "permissions": _grant(MEMBER_ACTIONS)},
        Role.READ_ONLY: {"scope": Scope.STANDARD, "administers": False, "permissions": _grant(READ_ONLY_ACTIONS)},
    }


class _NoRole:
    """A user whose role row is missing may do nothing (fail closed)."""

    key = ""
    scope = Scope.STANDARD
    administers = False
    require_two_factor = False
    permissions: dict = {}


def role_of(user):
    """The user's role row, read once per user object (one query per request)."""
    cached = user.__dict__.get("_role_row")
    if cached is not None and cached.key == user.role:
        return cached
    role = apps.get_model("accounts", "Role").objects.filter(key=user.role).first() or _NoRole()
    user.__dict__["_role_row"] = role
    return role


def is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return is_active_user(user) and (user.is_superuser or role_of(user).administers)


def scope_of(user) -> str:
    if not is_active_user(user):
        return Scope.STANDARD
    return Scope.ALL if user.is_superuser else role_of(user).scope


def has_perm(user, object_type: str, action: str) -> bool:
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return True
    return action in role_of(user).permissions.get(object_type, [])


def requires_two_factor(user) -> bool:
    return is_active_user(user) and role_of(user).require_two_factor


def object_type_of(record) -> str:
    return type(record).permission_type


def can_create(user, object_type: str) -> bool:
    return has_perm(user, object_type, "create")


def can_write_records(user) -> bool:
    """Whether the role may create any record at all (read-only roles may not): decides what the menus offer."""
    return any(has_perm(user, t, "create") for t in OBJECT_TYPES)


def _in_edit_reach(user, record) -> bool:
    if scope_of(user) == Scope.ALL:
        return True
    if record.owner_id == user.pk:
        return True
    return record.team_id is not None and record.team_id == user.team_id


def can_write_record(user, record, action: str = "edit") -> bool:
    """Edit or delete: the role grants the action on the record's type, and the record is within reach."""
    object_type = getattr(type(record), "permission_type", None)
    parent = getattr(record, "access_parent", record)
    if object_type is None:
        # A career entry, a site, an attachment: changing or removing one is an edit of the record it belongs to.
        object_type, action = object_type_of(parent), "edit"
    return has_perm(user, object_type, action) and _in_edit_reach(user, parent)


def read_only_reason(user, record) -> str:
    """Why `user` may read `record` but not change it, in words (empty when they may)."""
    from django.utils.translation import gettext as _

    if can_write_record(user, record):
        return ""
    parent = getattr(record, "access_parent", record)
    if not has_perm(user, object_type_of(parent), "edit"):
        role = role_of(user)
        message = _("あなたのロール（%(role)s）では、この種類の記録を編集できません。")
        return message % {"role": getattr(role, "name", "") or role.key or "—"}
    owner, team = getattr(parent, "owner", None), getattr(parent, "team", None)
    if owner is None and team is None:
        return _("この記録には担当者も担当チームもないため、管理者だけが編集できます。")
    if owner is None:  # e.g. a customer an inquiry registered: nobody to ask by name
        message = _("この記録は%(team)sのメンバーが編集できます。変更が必要ならそのチームに依頼してください。")
        return message % {"team": team}
    message = _(
        "この記録は担当者（%(owner)s）と%(team)sのメンバーが編集できます。変更が必要なら担当者に依頼してください。"
    )
    return message % {"owner": getattr(owner, "display_name", "") or owner, "team": team or _("担当チーム")}


def can_view_sensitive(user, record) -> bool:
    """Mobile numbers, personal e-mail, home address and birthday: roles granted "view_sensitive", and whoever
    may edit the record (they could read it in the edit form anyway). Everyone else sees them masked."""
    if not is_active_user(user):
        return False
    return has_perm(user, object_type_of(record), "view_sensitive") or can_write_record(user, record)


def sensitive_reach(user, object_type: str) -> models.Q | None:
    """can_view_sensitive as a filter over records the user sees: Q() for all of them, None for none. Search
    matches a sensitive value (a mobile number, a personal e-mail) only inside this reach, so that a masked
    value cannot be recovered digit by digit from what a search finds."""
    if not is_active_user(user):
        return None
    if has_perm(user, object_type, "view_sensitive"):
        return models.Q()
    if not has_perm(user, object_type, "edit"):
        return None
    if scope_of(user) == Scope.ALL:
        return models.Q()
    reach = models.Q(owner_id=user.pk)
    if user.team_id:
        reach |= models.Q(team_id=user.team_id)
    return reach


def may_scan_everything(user) -> bool:
    """A full duplicate scan reads every record: roles that reach beyond their own team's shared records."""
    return scope_of(user) in (Scope.ALL, Scope.TEAM) and (
        has_perm(user, "person", "merge") or has_perm(user, "company", "merge")
    )


def may_import(user) -> bool:
    return has_perm(user, "person", "import") or has_perm(user, "company", "import")


def manages_team_of(user, other) -> bool:
    """Team-scope roles (managers) act for the members of their own team: assign owners, hand over accounts."""
    return scope_of(user) == Scope.TEAM and bool(user.team_id) and user.team_id == getattr(other, "team_id", None)
