from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kizuna.contacts.models import Company, Person
from kizuna.core import audit, records

from ..models import Activity, Confidence, Insight
from .common import Errors, provenance, require_writer, resolve_ownership, text, visible_many, visible_one

FIELDS = ["person", "company", "category", "statement", "source", "heard_from", "confidence", "owner", "team",
          "visibility"]  # fmt: skip


def _clean(actor, data: dict, *, current: Insight | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None or "statement" in data:
        out["statement"] = text(data, "statement", 300, errors, required=True, label=_("内容"))
    if current is None or "category" in data:
        category = data.get("category") or Insight.Category.OTHER
        if category not in Insight.Category.values:
            errors.add("category", _("分類の値が正しくありません。"))
        out["category"] = category
    if current is None:
        out["person"] = visible_one(actor, Person, data.get("person"), "person", errors, pgettext("record", "人"))
        out["company"] = visible_one(actor, Company, data.get("company"), "company", errors, pgettext("record", "会社"))
        if not (out["person"] or out["company"]) and not errors:
            errors.add("person", _("人か会社のどちらかを指定してください。"))
    data = {"confidence": Confidence.LIKELY, **data} if current is None else data
    out.update(provenance(actor, data, errors, current=current))
    out.update(resolve_ownership(actor, data, errors, current=current))
    evidence = None
    if "evidence" in data:
        evidence = visible_many(actor, Activity, data["evidence"], "evidence", errors, _("根拠の活動"))
    errors.raise_if_any()
    out["_evidence"] = evidence
    return out


def create_insight(*, actor, data: dict) -> Insight:
    require_writer(actor, "insight")
    values = _clean(actor, data)
    evidence = values.pop("_evidence") or []
    with transaction.atomic():
        insight = Insight(**values, recorded_by=actor, created_by=actor, updated_by=actor, confirmed_at=timezone.now(),
                          confirmed_by=actor)  # fmt: skip
        insight.save()
        insight.evidence.set(evidence)
        snapshot = records.snapshot(insight, FIELDS) | {"evidence": [str(a) for a in evidence]}
        audit.record(actor=actor, action="create", obj=insight, changes=audit.diff({}, snapshot))
    return insight


def update_insight(*, actor, insight: Insight, data: dict, expected_version=None) -> dict:
    require_writer(actor, "insight", "edit")
    values = _clean(actor, data, current=insight)
    evidence = values.pop("_evidence")
    with transaction.atomic():
        changes = records.apply_changes(
            actor=actor, obj=insight, data=values, fields=FIELDS, expected_version=expected_version
        )
        if evidence is not None:
            before = sorted(str(a) for a in insight.evidence.all())
            insight.evidence.set(evidence)
            after = sorted(str(a) for a in evidence)
            if before != after:
                extra = {"evidence": [before, after]}
                records.record_related_changes(actor=actor, obj=insight, changes=extra, version_bumped=bool(changes))
                changes |= extra
    return changes


def confirm_insight(*, actor, insight: Insight) -> None:
    """ "Still true?" — yes: who confirmed it and when."""
    records.require_write(actor, insight)
    with transaction.atomic():
        before = insight.confirmed_at
        insight.confirmed_at, insight.confirmed_by = timezone.now(), actor
        records.touch(insight, actor)
        insight.save(update_fields=["confirmed_at", "confirmed_by", "version", "updated_at", "updated_by"])
        changes = audit.diff({"confirmed_at": before}, {"confirmed_at": insight.confirmed_at})
        audit.record(actor=actor, action="insight.confirm", obj=insight, changes=changes)


def delete_insight(*, actor, insight: Insight, expected_version=None) -> None:
    records.soft_delete(actor=actor, obj=insight, expected_version=expected_version)
