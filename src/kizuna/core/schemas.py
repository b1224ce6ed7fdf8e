"""Input shapes every router shares: bounded integers and no unknown fields."""

from ninja import Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

DB_INT_MAX = 2**63 - 1  # SQLite and PostgreSQL bigint; SQLite raises OverflowError beyond it


def _fits(value) -> bool:
    if isinstance(value, int):
        return -DB_INT_MAX - 1 <= value <= DB_INT_MAX
    if isinstance(value, list | tuple | set):
        return all(_fits(v) for v in value)
    if isinstance(value, dict):
        return all(_fits(v) for v in value.values())
    return True


class Bounded(Schema):
    """Every integer of the input (ids, lists of ids, limits) fits a 64-bit database column: a 422, not a 500."""

    @field_validator("*", mode="after")
    @classmethod
    def _fits_the_database(cls, value):
        if not _fits(value):
            raise PydanticCustomError("int_too_large", "数値が大きすぎます。")
        return value


class Strict(Bounded):
    model_config = ConfigDict(extra="forbid")
