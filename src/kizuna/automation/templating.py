"""E-mail and notice templates: `{{ field }}` placeholders filled with the record's fields as the rule's owner may
read them (hidden records refused, sensitive values masked). Plain substitution, never a template engine: a value
cannot run code or pull in other variables, and what a placeholder does not name stays unfilled."""

import re
from datetime import date, datetime

from django.db import models
from django.utils.translation import gettext as _

from kizuna.core.exceptions import ValidationFailed
from kizuna.core.permissions import can_view_sensitive
from kizuna.core.visibility import viewer_for

from . import fields

PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
EXTRA = ("name", "url", "owner_name", "owner_email", "email", "rule")


def names(object_type: str) -> list[str]:
    """Every placeholder a template on `object_type` may use."""
    return [path for path, _label in fields.catalog(object_type)] + list(EXTRA)


def unknown(text: str, object_type: str) -> list[str]:
    allowed = set(names(object_type))
    return sorted({m for m in PLACEHOLDER.findall(text or "") if m not in allowed and
                   not m.startswith(fields.CUSTOM_PREFIX)})  # fmt: skip


def _display(obj, path: str, value) -> str:
    if value is None:
        return ""
    field = next((f for f in obj._meta.concrete_fields if f.name == path), None)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    return str(value)


def used(*texts: str) -> set[str]:
    return {name for text in texts for name in PLACEHOLDER.findall(text or "")}


def values(obj, user, rule=None, wanted: set[str] | None = None) -> dict[str, str]:
    """The record as `user` may read it (a fresh copy, masked the way their pages show it): the placeholders in
    `wanted` (every one when None), plus `name` and `url`."""
    from .engine import sees

    if can_view_sensitive(user, obj) and sees(user, obj):
        shown = obj  # nothing to mask: read the record as it is
    else:
        copy = fields.load(obj.permission_type, obj.pk)  # masked in place, so a copy
        shown = viewer_for(user).present(copy) if copy is not None else None
    if shown is None:
        raise ValidationFailed(_("ルールの実行ユーザーはこのレコードを見られません。"))
    paths = [path for path, _label in fields.catalog(obj.permission_type)]
    if wanted is not None:
        paths = [path for path in paths if path in wanted]
    out = {path: _display(shown, path, fields.value_of(shown, path)) for path in paths}
    for key, value in (getattr(shown, "custom", None) or {}).items():
        out[fields.CUSTOM_PREFIX + str(key)] = _display(shown, key, value)
    out |= {"name": str(shown), "url": shown.get_absolute_url() if hasattr(shown, "get_absolute_url") else "",
            "rule": str(rule) if rule is not None else ""}  # fmt: skip
    if wanted is None or {"owner_name", "owner_email"} & wanted:
        owner = getattr(shown, "owner", None)
        out |= {"owner_name": str(owner) if owner else "", "owner_email": owner.email if owner else ""}
    if (wanted is None or "email" in wanted) and hasattr(shown, "contact_points"):
        emails = [p.value for p in shown.contact_points.all() if p.kind == "email"]
        out["email"] = emails[0] if emails else ""
    return out


def render(text: str, context: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: context.get(m.group(1), ""), text or "")
