"""Input shapes every router shares: bounded integers, no NUL characters and no unknown fields."""

from ninja import Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

DB_INT_MAX = 2**63 - 1  # SQLite and PostgreSQL bigint; SQLite raises OverflowError beyond it


def _problem(value) -> str | None:
    """Why a value cannot be stored as it is, or None: an integer beyond a 64-bit column (SQLite raises
    OverflowError) or a NUL character (PostgreSQL text cannot hold one), anywhere in lists and dicts."""
    if isinstance(value, int):
        return None if -DB_INT_MAX - 1 <= value <= DB_INT_MAX else "数値が大きすぎます。"
    if isinstance(value, str):
        return "NUL文字（\\x00）は使えません。" if "\x00" in value else None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set):
        return next((problem for v in value if (problem := _problem(v))), None)
    return None


class Bounded(Schema):
    """Every integer of the input (ids, lists of ids, limits) fits a 64-bit database column and no text holds a
    NUL character: a 422, not a 500."""

    @field_validator("*", mode="after")
    @classmethod
    def _fits_the_database(cls, value):
        if problem := _problem(value):
            raise PydanticCustomError("unstorable", problem)
        return value


class Strict(Bounded):
    model_config = ConfigDict(extra="forbid")
