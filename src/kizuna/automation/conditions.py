"""Conditions of a rule: all of them must hold. Values are compared as text after NFKC and case folding; a foreign
key matches its id or its name (a user also by login name); tags match one tag; `greater`/`less` compare numbers,
else dates (2026-04-01); the `changed*` operators read the event's changes ({field: [old, new]})."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from . import fields

OPS = {
    "equals": _l("等しい"),
    "not_equals": _l("等しくない"),
    "contains": _l("含む"),
    "empty": _l("空である"),
    "not_empty": _l("空でない"),
    "gt": _l("より大きい"),
    "lt": _l("より小さい"),
    "changed": _l("変更された"),
    "changed_to": _l("次の値に変わった"),
    "changed_from": _l("次の値から変わった"),
}
NO_VALUE = {"empty", "not_empty", "changed"}
CHANGE_OPS = {"changed", "changed_to", "changed_from"}
_REF = re.compile(r"^(.*) \(#(\d+)\)$", re.S)  # how core.audit writes a related record in changes


def fold(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()


def atoms(value) -> list[str]:
    """Every text a value may be matched by: a record's id and name, each tag, yes/no as true/false."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set)):
        return [a for v in value for a in atoms(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in atoms(v)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, models.Model):
        names = {str(value.pk), str(value), getattr(value, "username", "") or ""}
        return [fold(n) for n in names if n]
    if isinstance(value, (datetime, date)):
        return [value.isoformat()]
    if isinstance(value, str) and (match := _REF.match(value)):
        return [fold(match.group(1)), match.group(2)]
    return [fold(value)]


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _date(text):
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _compare(held: list[str], wanted: str, op: str) -> bool:
    wanted_number, wanted_date = _number(wanted), _date(wanted)
    for atom in held:
        if wanted_number is not None and (number := _number(atom)) is not None:
            pair = (number, wanted_number)
        elif wanted_date is not None and (day := _date(atom)) is not None:
            pair = (day, wanted_date)
        else:
            continue
        if (pair[0] > pair[1]) if op == "gt" else (pair[0] < pair[1]):
            return True
    return False


def test_value(op: str, value, wanted: str) -> bool:
    held, wanted = atoms(value), fold(wanted)
    if op == "equals":
        return wanted in held or (not held and wanted == "")
    if op == "not_equals":
        return wanted not in held
    if op == "contains":
        return any(wanted in atom for atom in held)
    if op == "empty":
        return not held
    if op == "not_empty":
        return bool(held)
    if op in ("gt", "lt"):
        return _compare(held, wanted, op)
    raise ValueError(op)


def change_of(changes: dict, path: str):
    """[old, new] of `path` in an event's changes, or None (a custom field may come as custom.<key> or inside a
    "custom" dict)."""
    if path in changes:
        return changes[path]
    if path.startswith(fields.CUSTOM_PREFIX) and isinstance(changes.get("custom"), list):
        key = path.removeprefix(fields.CUSTOM_PREFIX)
        old, new = (changes["custom"] + [None, None])[:2]
        pair = [(old or {}).get(key) if isinstance(old, dict) else None,
                (new or {}).get(key) if isinstance(new, dict) else None]  # fmt: skip
        return pair if pair[0] != pair[1] else None
    return None


@dataclass
class Outcome:
    condition: dict
    holds: bool
    note: str = ""


def check(condition: dict, obj, event=None, *, dry_run: bool = False) -> Outcome:
    path, op, wanted = condition.get("field", ""), condition.get("op", ""), str(condition.get("value", "") or "")
    if op not in CHANGE_OPS:
        return Outcome(condition, test_value(op, fields.value_of(obj, path), wanted))
    if event is None:
        if not dry_run:
            return Outcome(condition, False)  # the clock's runs have no change to look at
        # "Test on this record": as if the record had just changed into what it is now.
        current = fields.value_of(obj, path)
        holds = {"changed": True, "changed_to": test_value("equals", current, wanted),
                 "changed_from": test_value("not_equals", current, wanted)}[op]  # fmt: skip
        return Outcome(condition, holds, _("試行では、いまの値に変わったものとして判定します。"))
    pair = change_of(event.changes or {}, path)
    if pair is None:
        return Outcome(condition, False)
    old, new = [*list(pair), None, None][:2]
    if op == "changed":
        return Outcome(condition, True)
    if op == "changed_to":
        return Outcome(condition, test_value("equals", new, wanted) and not test_value("equals", old, wanted))
    return Outcome(condition, test_value("equals", old, wanted) and not test_value("equals", new, wanted))


def evaluate(conditions: list[dict], obj, event=None, *, dry_run: bool = False) -> list[Outcome]:
    return [check(c, obj, event, dry_run=dry_run) for c in conditions]


def matches(conditions: list[dict], obj, event=None) -> bool:
    return all(check(c, obj, event).holds for c in conditions)
