"""Input shapes every router shares: bounded integers, no NUL characters and no unknown fields."""

from typing import Any, get_args

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

DB_INT_MAX = 2**63 - 1  # SQLite and PostgreSQL bigint; SQLite raises OverflowError beyond it


def fits_bigint(value: int) -> bool:
    return -DB_INT_MAX - 1 <= value <= DB_INT_MAX


def _problem(value) -> str | None:
    """Why a value cannot be stored as it is, or None: an integer beyond a 64-bit column (SQLite raises
    OverflowError) or a NUL character (PostgreSQL text cannot hold one), anywhere in lists and dicts."""
    if isinstance(value, int):
        return None if fits_bigint(value) else _("数値が大きすぎます。")
    if isinstance(value, str):
        return _("NUL文字（\\x00）は使えません。") if "\x00" in value else None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set):
        return next((problem for v in value if (problem := _problem(v))), None)
    return None


def _takes_bool(annotation) -> bool:
    return annotation is bool or annotation is Any or any(_takes_bool(a) for a in get_args(annotation))


class Bounded(Schema):
    """Every integer of the input (ids, lists of ids, limits) fits a 64-bit database column and no text holds a
    NUL character: a 422, not a 500. A true/false where a number is expected is refused too (pydantic would take
    `"owner": true` as user 1)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value, info: ValidationInfo):
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, bool) for v in values) and not _takes_bool(cls.model_fields[info.field_name].annotation):
            raise PydanticCustomError("bool_not_expected", _("ここに true / false は使えません。"))
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _fits_the_database(cls, value):
        if problem := _problem(value):
            raise PydanticCustomError("unstorable", problem)
        return value


class Strict(Bounded):
    model_config = ConfigDict(extra="forbid")


class UserRef(Schema):
    """A user as the API shows them beside a record (owner, author)."""

    id: int
    username: str
