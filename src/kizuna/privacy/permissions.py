"""Who may do what with a person's privacy data. Only the shared helpers of core.permissions are used.

- purpose of use / consent and third-party provision records: admins, and team-scope roles (managers) who may
  write the person;
- disclosure, correction, suspension of use and its end, erasure, the request log: admins only;
- reading a person's privacy section: whoever may see the person.
"""

from django.utils.translation import gettext as _

from kizuna.core.exceptions import PermissionDenied
from kizuna.core.permissions import Scope, can_write_record, is_admin, scope_of


def can_manage(user) -> bool:
    return is_admin(user)


def can_record(user, person) -> bool:
    if is_admin(user):
        return True
    # Roles that reach beyond their own records (managers: the team's private ones too), where they may edit.
    return scope_of(user) != Scope.STANDARD and can_write_record(user, person)


def require_manage(user) -> None:
    if not can_manage(user):
        raise PermissionDenied(_("この操作は管理者だけが行えます。"))


def require_record(user, person) -> None:
    if not can_record(user, person):
        raise PermissionDenied(
            _("利用目的・取得経路と第三者提供記録は、管理者と担当チームのマネージャーが記録します。")
        )
