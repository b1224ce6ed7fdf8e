"""Roles and the record-level rules every app shares.

Apps add their own named rules in <app>/permissions.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理者")
    MANAGER = "manager", _("マネージャー")
    MEMBER = "member", _("メンバー")
    READ_ONLY = "readonly", _("閲覧のみ")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("全社公開")
    TEAM = "team", _("チーム内")
    PRIVATE = "private", _("非公開（担当者と共有先のみ）")


def is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return is_active_user(user) and (user.role == Role.ADMIN or user.is_superuser)


def can_write_records(user) -> bool:
    """Whether the role may create records at all (read-only users may not)."""
    return is_active_user(user) and user.role != Role.READ_ONLY


def can_write_record(user, record) -> bool:
    """Edit and delete: admins anything; others their own records and their team's; never read-only users."""
    if not can_write_records(user):
        return False
    # Sub-records (a career entry, a site) are governed by the record they belong to.
    record = getattr(record, "access_parent", record)
    if is_admin(user):
        return True
    if record.owner_id == user.pk:
        return True
    return record.team_id is not None and record.team_id == user.team_id


def can_view_sensitive(user, record) -> bool:
    """Mobile numbers, personal e-mail, home address and birthday: admins and managers, and whoever may edit
    the record (they could read it in the edit form anyway). Everyone else sees them masked."""
    if not is_active_user(user):
        return False
    return is_admin(user) or user.role == Role.MANAGER or can_write_record(user, record)
