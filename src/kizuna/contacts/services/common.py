"""Pieces shared by the contacts services: ownership rules, tags, address cleaning."""

from django.contrib.auth import get_user_model

from kizuna.core import japanese
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import Visibility, has_perm, is_admin, manages_team_of

from ..models import Tag


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
        errors.add(key, f"{label or key}を入力してください。")
    if len(value) > max_length:
        errors.add(key, f"{max_length}文字以内で入力してください。")
    return value


def resolve_ownership(actor, data: dict, errors: Errors, *, current=None) -> dict:
    """Owner, team and visibility as the actor may set them (no one hands records to arbitrary owners)."""
    out: dict = {}
    if "visibility" in data or current is None:
        visibility = data.get("visibility") or (current.visibility if current else Visibility.TEAM)
        if visibility not in Visibility.values:
            errors.add("visibility", "公開範囲は public / team / private のいずれかです。")
        out["visibility"] = visibility
    if "owner" in data or current is None:
        owner = data.get("owner") or (current.owner if current else actor)
        if not hasattr(owner, "pk"):
            owner = get_user_model().objects.filter(pk=owner, is_active=True).first()
            if owner is None:
                errors.add("owner", "担当者が見つかりません。")
                return out
        allowed = (
            is_admin(actor)
            or owner.pk == actor.pk
            or manages_team_of(actor, owner)
            or (current is not None and current.owner_id == owner.pk)
        )
        if not allowed:
            errors.add("owner", "この担当者を設定する権限がありません。")
        out["owner"] = owner
        out["team"] = owner.team
    return out


def set_tags(obj, names) -> list[str]:
    cleaned = sorted({str(n).strip()[:50] for n in names or [] if str(n).strip()})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in cleaned]
    obj.tags.set(tags)
    return cleaned


def clean_address(data: dict, errors: Errors, current=None) -> dict:
    out = {}
    if "postcode" in data:
        raw = (data.get("postcode") or "").strip()
        if raw:
            postcode = japanese.normalize_postcode(raw)
            if postcode is None:
                errors.add("postcode", "郵便番号は7桁の数字で入力してください（例: 100-0001）。")
            out["postcode"] = postcode.display if postcode else raw
        else:
            out["postcode"] = ""
    if "prefecture" in data:
        raw = (data.get("prefecture") or "").strip()
        prefecture = japanese.normalize_prefecture(raw) if raw else ""
        if raw and prefecture is None:
            errors.add("prefecture", f"都道府県「{raw}」が見つかりません。")
        out["prefecture"] = prefecture or ""
    for key, limit in (("city", 100), ("street", 200)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    return out
