"""Validation shared by the timeline services: linked records the actor can see, provenance fields."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kizuna.contacts.models import Company, Person
from kizuna.core import japanese
from kizuna.core.services import Errors, require_writer, resolve_ownership, text

from ..models import Confidence, Source

__all__ = ["Errors", "require_writer", "resolve_ownership", "text"]


def visible_many(actor, model, raw, field: str, errors: Errors, label: str) -> list:
    """Records by id (or the records themselves) the actor can see; unknown and hidden ids are one error."""
    ids = []
    for item in raw or []:
        ids.append(item.pk if hasattr(item, "pk") else item)
    try:
        ids = [int(i) for i in ids]
    except (TypeError, ValueError):
        errors.add(field, _("%(label)sの指定が正しくありません。") % {"label": label})
        return []
    found = model.objects.visible_to(actor).in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        message = _("%(label)sが見つかりません: %(ids)s")
        errors.add(field, message % {"label": label, "ids": ", ".join(map(str, missing))})
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def visible_one(actor, model, raw, field: str, errors: Errors, label: str):
    if raw in (None, "", 0):
        return None
    found = visible_many(actor, model, [raw], field, errors, label)
    return found[0] if found else None


def provenance(actor, data: dict, errors: Errors, *, current=None, default_source=Source.WEB) -> dict:
    """source, heard_from and confidence: facts never lose where they came from."""
    out = {}
    if current is None or "source" in data:
        source = data.get("source") or (current.source if current else default_source)
        if source not in Source.values:
            errors.add("source", _("情報源の値が正しくありません。"))
        out["source"] = source
    if current is None or "confidence" in data:
        confidence = data.get("confidence") or (current.confidence if current else Confidence.CERTAIN)
        if confidence not in Confidence.values:
            errors.add("confidence", _("確度は certain / likely / rumor のいずれかです。"))
        out["confidence"] = confidence
    if "heard_from" in data:
        out["heard_from"] = visible_one(actor, Person, data.get("heard_from"), "heard_from", errors, _("情報提供者"))
    return out


def when(data: dict, key: str, errors: Errors, *, default=None):
    value = data.get(key)
    if value in (None, ""):
        return default
    if hasattr(value, "tzinfo"):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    parsed = parse_datetime(str(value))
    if parsed is None:
        day = japanese.parse_japanese_date(str(value))
        if day is None:
            errors.add(key, _("日時の形式が正しくありません（例: 2026-11-25 14:00, 2026/11/25）。"))
            return default
        return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12, 0))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def companies_of(people) -> list[Company]:
    """The current companies of these people: an activity with a person belongs to their company's timeline."""
    ids = {p.company_id for p in people if p.company_id}
    return list(Company.objects.filter(pk__in=ids))
