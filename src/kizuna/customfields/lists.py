"""Custom fields on record lists: the filter inputs, the sort options and the columns a user chose (kept in the
session per record type), and each row's cells."""

from django.contrib.auth import get_user_model

from . import access
from .filters import SORTABLE
from .models import FieldType
from .values import display

_SESSION = "custom_columns"


def chosen_columns(request, object_type: str) -> list:
    """The readable fields shown as columns: `col` parameters when the list form was sent (cols_set), else the
    user's last choice."""
    readable = access.readable(request.user, object_type)
    saved = request.session.get(_SESSION, {})
    if request.GET.get("cols_set"):
        keys = [k for k in request.GET.getlist("col") if k]
        if saved.get(object_type) != keys:
            request.session[_SESSION] = saved | {object_type: keys}
    else:
        keys = saved.get(object_type, [])
    return [f for f in readable if f.key in keys]


def context(request, object_type: str) -> dict:
    readable = access.readable(request.user, object_type)
    filterable = [f for f in readable if f.filterable]
    users = []
    if any(f.type == FieldType.USER for f in filterable):
        users = list(get_user_model().objects.filter(is_active=True).order_by("username"))
    inputs = [
        {"field": f, "value": request.GET.get(f.path, ""), "min": request.GET.get(f"{f.path}.min", ""),
         "max": request.GET.get(f"{f.path}.max", ""), "range": f.type in (FieldType.NUMBER, FieldType.MONEY,
                                                                          FieldType.DATE)}
        for f in filterable
    ]  # fmt: skip
    columns = chosen_columns(request, object_type)
    return {
        "custom_inputs": inputs,
        "custom_users": users,
        "custom_sorts": [f for f in filterable if f.type in SORTABLE],
        "custom_readable": readable,
        "custom_columns": columns,
        "custom_column_keys": [f.key for f in columns],
    }


def fill_cells(items, columns) -> None:
    """Set `custom_cells` on each row: its values of `columns`, as shown."""
    user_ids = {
        (item.custom or {}).get(f.key) for item in items for f in columns if f.type == FieldType.USER
    }  # fmt: skip
    user_ids.discard(None)
    users = get_user_model().objects.in_bulk([i for i in user_ids if isinstance(i, int)]) if user_ids else {}
    for item in items:
        stored = item.custom or {}
        item.custom_cells = [display(f, stored.get(f.key), users=users) for f in columns]
