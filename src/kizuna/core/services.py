"""What every app's services share: collecting field errors, the role check before a write, clean text, and who
may own a record (owner, team, visibility). Each app's own rules live in its services."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import Visibility, has_perm, is_admin, manages_team_of


class Errors(dict):
    """Field → messages, raised at once as a 422 with every problem listed."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(field_errors=dict(self))


def require_writer(actor, object_type: str, action: str = "create") -> None:
    """The role grants `action` on `object_type` (whether this record is within reach is checked on the record)."""
    if not has_perm(actor, object_type, action):
        raise PermissionDenied()


def text(data: dict, key: str, max_length: int, errors: Errors, *, required: bool = False, label: str = "") -> str:
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors.add(key, _("%(label)sを入力してください。") % {"label": label or key})
    if len(value) > max_length:
        errors.add(key, _("%(max_length)s文字以内で入力してください。") % {"max_length": max_length})
    return value


def resolve_ownership(actor, data: dict, errors: Errors, *, current=None) -> dict:
    """Owner, team and visibility as the actor may set them (no one hands records to arbitrary owners)."""
    out: dict = {}
    if "visibility" in data or current is None:
        visibility = data.get("visibility") or (current.visibility if current else Visibility.TEAM)
        if visibility not in Visibility.values:
            errors.add("visibility", _("公開範囲は public / team / private のいずれかです。"))
        out["visibility"] = visibility
    if "owner" in data or current is None:
        owner = data.get("owner") or (current.owner if current else actor)
        if not hasattr(owner, "pk"):
            owner = get_user_model().objects.filter(pk=owner, is_active=True).first()
            if owner is None:
                errors.add("owner", _("担当者が見つかりません。"))
                return out
        allowed = (
            is_admin(actor)
            or owner.pk == actor.pk
            or manages_team_of(actor, owner)
            or (current is not None and current.owner_id == owner.pk)
        )
        if not allowed:
            errors.add("owner", _("この担当者を設定する権限がありません。"))
        out["owner"] = owner
        out["team"] = owner.team
    return out


def save_setting_row(*, actor, model, row, values: dict, action: str, taken: tuple[str, str]):
    """Create (`row` None) or update an admin-kept row (a category, a reason) with `values` and its audit row
    (`<action>.create` / `<action>.update` with what changed), in one transaction. A unique constraint the values
    break is `taken`: (field, message) of the ValidationFailed raised instead."""
    try:
        with transaction.atomic():
            if row is None:
                row = model.objects.create(**values)
                audit.record(actor=actor, action=f"{action}.create", obj=row, changes=audit.diff({}, values))
            else:
                before = {key: getattr(row, key) for key in values}
                for key, value in values.items():
                    setattr(row, key, value)
                row.save()
                audit.record(actor=actor, action=f"{action}.update", obj=row, changes=audit.diff(before, values))
    except IntegrityError:
        raise ValidationFailed(field_errors={taken[0]: [taken[1]]}) from None
    return row
