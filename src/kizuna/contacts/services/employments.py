"""Careers: a person's posts across companies. Audited on the person, where people look for them."""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kizuna.core import audit, japanese, records
from kizuna.core.services import Errors, text

from ..models import Company, Employment, Person, Site
from ..search import index_person

FIELDS = ["company", "site", "department", "title", "start_date", "end_date", "is_primary"]


def _date(data: dict, key: str, errors: Errors):
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    parsed = japanese.parse_japanese_date(str(value))
    if parsed is None:
        errors.add(key, _("日付の形式が正しくありません（例: 2024/4/1, 令和6年4月1日）。"))
    return parsed


def _clean(actor, data: dict, *, current: Employment | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None or "company" in data:
        company = data.get("company")
        if company is not None and not isinstance(company, Company):
            company = Company.objects.visible_to(actor).filter(pk=company).first()
        if company is None:
            errors.add("company", _("会社を選んでください。"))
        out["company"] = company
    if "site" in data:
        site = data.get("site") or None
        company = out.get("company") or (current.company if current else None)
        if site is not None and not isinstance(site, Site):
            site = Site.objects.alive().filter(pk=site, company=company).first()
            if site is None:
                errors.add("site", _("拠点が見つかりません。"))
        out["site"] = site
    for key in ("department", "title"):
        if key in data:
            out[key] = text(data, key, 100, errors)
    for key in ("start_date", "end_date"):
        if key in data:
            out[key] = _date(data, key, errors)
    start = out.get("start_date", current.start_date if current else None)
    end = out.get("end_date", current.end_date if current else None)
    if start and end and end < start:
        errors.add("end_date", _("終了日は開始日より後にしてください。"))
    if "is_primary" in data:
        out["is_primary"] = bool(data.get("is_primary"))
    errors.raise_if_any()
    return out


def sync_current_company(person: Person) -> None:
    """Keep Person.company (used by lists and search) equal to the current primary employer."""
    current = (
        person.employments.alive()
        .current()
        .order_by("-is_primary", F("start_date").desc(nulls_last=True), "-id")  # the same on both databases
        .values_list("company_id", flat=True)
        .first()
    )
    if person.company_id != current:
        Person.objects.filter(pk=person.pk).update(company_id=current)
        person.company_id = current
        person.company = Company.objects.filter(pk=current).first() if current else None
        index_person(person)


def add_employment(*, actor, person: Person, data: dict) -> Employment:
    records.require_write(actor, person)
    values = _clean(actor, data)
    with transaction.atomic():
        employment = Employment(person=person, created_by=actor, updated_by=actor, **values)
        employment.save()
        sync_current_company(person)
        audit.record(
            actor=actor,
            action="employment.add",
            obj=person,
            changes=audit.diff({}, records.snapshot(employment, FIELDS)),
        )
    return employment


def update_employment(*, actor, employment: Employment, data: dict, expected_version=None) -> dict:
    values = _clean(actor, data, current=employment)
    with transaction.atomic():
        changes = records.apply_changes(
            actor=actor, obj=employment, data=values, fields=FIELDS, expected_version=expected_version,
            action="employment.update", audit_on=employment.person,
            label=f"{employment.person} / {employment.company}",
        )  # fmt: skip
        if changes:
            sync_current_company(employment.person)
    return changes


def delete_employment(*, actor, employment: Employment, expected_version=None) -> None:
    with transaction.atomic():
        records.soft_delete(actor=actor, obj=employment, expected_version=expected_version)
        sync_current_company(employment.person)
        audit.record(
            actor=actor,
            action="employment.delete",
            obj=employment.person,
            changes={"company": [audit.jsonable(employment.company), None]},
        )
