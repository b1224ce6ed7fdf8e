"""Pieces shared by the contacts services: tags and address cleaning (the rules every app shares are in
core.services)."""

from django.utils.translation import gettext as _

from kizuna.core import japanese
from kizuna.core.services import Errors, text

from ..models import Tag


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
                errors.add("postcode", _("郵便番号は7桁の数字で入力してください（例: 100-0001）。"))
            out["postcode"] = postcode.display if postcode else raw
        else:
            out["postcode"] = ""
    if "prefecture" in data:
        raw = (data.get("prefecture") or "").strip()
        prefecture = japanese.normalize_prefecture(raw) if raw else ""
        if raw and prefecture is None:
            errors.add("prefecture", _("都道府県「%(value)s」が見つかりません。") % {"value": raw})
        out["prefecture"] = prefecture or ""
    for key, limit in (("city", 100), ("street", 200)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    return out
