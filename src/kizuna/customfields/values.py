"""Typing and validating custom field values, for every writer (forms, API, import) through the records' own
services. Values are stored as their JSON type (models.JSON_TYPES); an empty value removes the key."""

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from kizuna.core import japanese
from kizuna.core.exceptions import ValidationFailed

from . import access
from .models import CustomField, FieldType

TEXT_LIMITS = {FieldType.TEXT: 500, FieldType.LONG_TEXT: 10000, FieldType.URL: 1000}
NUMBER_LIMIT = Decimal("1e15")  # beyond this a number loses precision as a JSON double
_TRUE = {"true", "1", "on", "yes", "はい", "✓", "○", "〇"}
_FALSE = {"false", "0", "off", "no", "いいえ", "", "×"}


class Invalid(ValueError):
    pass


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    if not isinstance(value, str):
        raise Invalid(_("文字列で入力してください。"))
    return value.strip()


def _decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise Invalid(_("数値で入力してください。"))
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        text = text.removeprefix("¥").removeprefix("￥").removesuffix("円").strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise Invalid(_("数値で入力してください（例: 1200、１２００、1,200.5）。")) from None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise Invalid(_("数値が大きすぎます。"))
    return number


def _number(value):
    number = _decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


def _money(value) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        raise Invalid(_("金額は円単位の整数で入力してください。"))
    return int(number)


def _date(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    parsed = japanese.parse_japanese_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise Invalid(_("日付の形式が正しくありません（例: 2024/4/1、2024-04-01、令和6年4月1日）。"))
    return parsed.isoformat()


def _choice(field: CustomField, value) -> str:
    text = _text(value)
    if text not in field.choices:
        raise Invalid(_("「%(value)s」は選択肢にありません。") % {"value": text[:50]})
    return text


def _multi(field: CustomField, value) -> list[str]:
    if isinstance(value, str):  # a cell of a file: 「A、B」
        value = [part for part in japanese.collapse_spaces(value).replace("、", ",").split(",") if part.strip()]
    if not isinstance(value, list):
        raise Invalid(_("選択肢の一覧（配列）で入力してください。"))
    chosen = [_choice(field, item) for item in value]
    return [c for c in field.choices if c in chosen]  # in the definition's order, each once


def _user(value) -> int:
    if isinstance(value, bool):
        raise Invalid(_("ユーザーの ID で指定してください。"))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    user = None
    if text.isdecimal() and len(text) < 19:
        user = get_user_model().objects.filter(pk=int(text), is_active=True).first()
    if user is None:
        user = get_user_model().objects.filter(username=text, is_active=True).first()
    if user is None:
        raise Invalid(_("ユーザー「%(value)s」が見つかりません。") % {"value": text[:50]})
    return user.pk


def _url(value) -> str:
    text = unicodedata.normalize("NFKC", _text(value))
    if not text.startswith(("http://", "https://")):
        text = "https://" + text
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise Invalid(_("URL の形式が正しくありません（例: https://example.co.jp/）。")) from None
    return text


def _checkbox(value) -> bool:
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid(_("はい／いいえ（true / false）で入力してください。"))


def convert(field: CustomField, value):
    """The stored form of `value` for `field`, or Invalid with a message in Japanese."""
    kind = field.type
    if kind in TEXT_LIMITS:
        text = _url(value) if kind == FieldType.URL else _text(value)
        if len(text) > TEXT_LIMITS[kind]:
            raise Invalid(_("%(limit)s文字以内で入力してください。") % {"limit": TEXT_LIMITS[kind]})
        return text
    converters = {
        FieldType.NUMBER: _number, FieldType.MONEY: _money, FieldType.DATE: _date, FieldType.USER: _user,
        FieldType.CHECKBOX: _checkbox, FieldType.CHOICE: lambda v: _choice(field, v),
        FieldType.MULTI_CHOICE: lambda v: _multi(field, v),
    }  # fmt: skip
    return converters[kind](value)


def clean(actor, object_type: str, raw, *, creating: bool) -> dict:
    """The checked change to a record's custom values: {key: stored value, or None to remove the key}. Errors
    name the field path (custom.<key>) and are raised together. A key the actor may not read is unknown to them;
    one they may read but not edit is refused. Creating, every required field the actor may edit is needed."""
    errors: dict[str, list[str]] = {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed(field_errors={"custom": [_("項目名と値の組（オブジェクト）で指定してください。")]})
    fields = {f.key: f for f in access.readable(actor, object_type)}
    patch: dict = {}
    for key, value in raw.items():
        field = fields.get(key)
        path = f"custom.{key}"
        if field is None:
            errors.setdefault(path, []).append(_("この項目はありません。"))
        elif not access.can_edit(actor, field):
            errors.setdefault(path, []).append(_("この項目を編集する権限がありません。"))
        elif is_empty(value) or (field.type == FieldType.CHECKBOX and value is False):
            patch[key] = None  # an empty value, or a checkbox that is off: no key
        else:
            try:
                patch[key] = convert(field, value)
            except Invalid as exc:
                errors.setdefault(path, []).append(str(exc))
    for field in fields.values():
        missing = patch.get(field.key) is None and (creating or field.key in patch) and field.path not in errors
        if field.required and field.type != FieldType.CHECKBOX and missing and access.can_edit(actor, field):
            errors.setdefault(field.path, []).append(_("%(label)sを入力してください。") % {"label": field.label})
    if errors:
        raise ValidationFailed(field_errors=errors)
    return patch


def merge(stored: dict | None, patch: dict) -> dict:
    """The record's new custom dict: the stored one (removed fields' values included) with `patch` applied."""
    out = dict(stored or {})
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def history_paths(before: dict | None, after: dict | None) -> list[str]:
    """The custom.<key> names whose value differs (for the audit row's snapshot)."""
    before, after = before or {}, after or {}
    return [f"custom.{k}" for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]


def display(field: CustomField, value, *, users: dict | None = None) -> str:
    """How a page, an export or a list cell shows a stored value."""
    if value is None or value == "" or value == []:
        return ""
    if field.type == FieldType.CHECKBOX:
        return _("はい") if value else _("いいえ")
    if field.type == FieldType.MONEY and isinstance(value, int):
        return f"{value:,}円"
    if field.type == FieldType.NUMBER and isinstance(value, (int, float)):
        return f"{value:,}"
    if field.type == FieldType.DATE and isinstance(value, str):
        return value.replace("-", "/")
    if field.type == FieldType.MULTI_CHOICE and isinstance(value, list):
        return "、".join(str(v) for v in value)
    if field.type == FieldType.USER:
        user = (users or {}).get(value)
        if user is None and users is None:
            user = get_user_model().objects.filter(pk=value).first() if isinstance(value, int) else None
        return str(getattr(user, "display_name", "") or user) if user is not None else str(value)
    return str(value)
