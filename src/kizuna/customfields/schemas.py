"""API shapes: the `custom` member records gain, and the definitions under /api/v1/custom-fields."""

from datetime import datetime

from ninja import Schema
from pydantic import Field

from kizuna.core.schemas import Strict

from . import access
from .models import FieldType

TYPES_DOC = (
    "Custom field values by key ({key: value}). The fields are defined at run time by administrators; "
    "GET /api/v1/custom-fields?object_type=<type> lists them with their JSON types. Value types: "
    "text, long_text, url, choice → string; date → string (YYYY-MM-DD; 2024/4/1 and 和暦 such as 令和6年4月1日 "
    "are accepted on input); number → number (full-width digits and commas accepted in strings); "
    "money → integer (JPY, whole yen); multi_choice → array of strings (each one of the field's choices); "
    "user → integer (a user id); checkbox → boolean. Only the fields the caller's role may read are shown; "
    "an invalid value is a 422 naming the field as custom.<key>."
)
CUSTOM_IN = Field({}, description=TYPES_DOC + ' An empty value (null, "", []) leaves the field unset.')
CUSTOM_PATCH = Field(None, description=TYPES_DOC + ' Only the keys given are changed; null or "" removes a value.')
CUSTOM_OUT = Field({}, description=TYPES_DOC + " A checkbox that is off reads false.")


def custom_out(obj, context) -> dict:
    """The values the caller may read (a checkbox that is off is false)."""
    user = context["request"].user
    values = access.values_for(user, obj)
    for field in access.readable(user, obj.permission_type):
        if field.type == FieldType.CHECKBOX:
            values.setdefault(field.key, False)
    return values


class CustomFieldOut(Schema):
    id: int
    object_type: str
    key: str
    path: str = Field(description="custom.<key>: the name in error bodies, history and list filters")
    type: str = Field(description=", ".join(FieldType.values))
    json_type: str = Field(description="the JSON type of the values: string, number, integer, boolean, array")
    label: str = Field(description="in the request's language")
    label_ja: str
    label_en: str
    help_text: str
    required: bool
    position: int
    choices: list[str]
    filterable: bool = Field(description="usable as custom.<key>=, custom.<key>.min/.max and sort=[-]custom.<key>")
    editable: bool = Field(description="whether the caller may set it")
    read_roles: list[str] = Field(description="role keys that may read it; empty: every role")
    edit_roles: list[str] = Field(description="role keys that may edit it; empty: every role that may read it")
    removed: bool = False
    purging: bool = Field(False, description="its values are being deleted; the field goes when that is done")
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_editable(obj, context):
        return access.can_edit(context["request"].user, obj)

    @staticmethod
    def resolve_removed(obj):
        return obj.removed_at is not None

    @staticmethod
    def resolve_purging(obj):
        return obj.purge_started_at is not None


class CustomFieldIn(Strict):
    object_type: str
    key: str = Field(..., max_length=40, description="ASCII: a-z first, then a-z, 0-9, _ (never changed)")
    type: str
    label_ja: str = Field(..., max_length=100)
    label_en: str = ""
    help_text: str = ""
    required: bool = False
    position: int = 0
    choices: list[str] = []
    filterable: bool = False
    read_roles: list[str] = []
    edit_roles: list[str] = []


class CustomFieldPatch(Strict):
    label_ja: str | None = Field(None, max_length=100)
    label_en: str | None = None
    help_text: str | None = None
    required: bool | None = None
    position: int | None = None
    choices: list[str] | None = None
    filterable: bool | None = None
    read_roles: list[str] | None = None
    edit_roles: list[str] | None = None
