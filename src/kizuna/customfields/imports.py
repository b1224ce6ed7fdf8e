"""Import mapping: a column can go to a custom field, as the mapping value `custom:<key>`. The cell is passed on
as text in data["custom"]; the record's service types and checks it like any other input (a bad value is that
row's error). kizuna.imports calls these few functions from its fields and mapping modules."""

from django.utils.translation import gettext as _

from . import access
from .filters import KEY_RE

PREFIX = "custom:"


def is_key(tail: str) -> bool:
    return bool(KEY_RE.match(tail))


def known(kind: str, field: str) -> bool:
    """`field` (custom:<key>) names an active custom field of `kind`."""
    key = field.removeprefix(PREFIX)
    return field.startswith(PREFIX) and any(f.key == key for f in access.definitions(kind))


def label(value: str) -> str | None:
    if not value.startswith(PREFIX):
        return None
    key = value.removeprefix(PREFIX)
    from .models import CustomField

    field = CustomField.objects.filter(key=key).active().first()
    return _("%(label)s（カスタム項目）") % {"label": field.label} if field else value


def choices(kind: str) -> list[tuple[str, str]]:
    return [(PREFIX + f.key, _("%(label)s（カスタム項目）") % {"label": f.label}) for f in access.definitions(kind)]


def row_values(raw: dict) -> dict:
    """{key: the first cell's text} of the row's custom columns (a multi-choice cell may hold 「A、B」)."""
    return {field.removeprefix(PREFIX): str(cells[0]) for field, cells in raw.items() if field.startswith(PREFIX)}
