from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.core import audit, japanese, records
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.services import Errors, require_writer, resolve_ownership, text
from kizuna.customfields import values as custom_values

from ..models import Company
from ..search import index_company, index_person
from .common import clean_address, set_tags

FIELDS = [
    "name", "name_kana", "corporate_number", "industry", "website", "phone", "postcode", "prefecture", "city",
    "street", "parent", "notes", "owner", "team", "visibility",
]  # fmt: skip


def _clean(actor, data: dict, *, current: Company | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    creating = current is None
    if creating or "name" in data:
        out["name"] = text(data, "name", 200, errors, required=True, label=_("会社名"))
    for key, limit in (("name_kana", 200), ("industry", 100), ("notes", 10000)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    if "website" in data:
        website = text(data, "website", 200, errors)
        if website and not website.startswith(("http://", "https://")):
            website = "https://" + website
        out["website"] = website
    if "corporate_number" in data:
        raw = text(data, "corporate_number", 30, errors)
        number = japanese.normalize_corporate_number(raw) if raw else ""
        if raw and not number:
            errors.add("corporate_number", _("法人番号は13桁で、チェックディジットが正しい必要があります。"))
        out["corporate_number"] = number or ""
    if "phone" in data:
        out["phone"] = text(data, "phone", 40, errors)
        phone = japanese.parse_phone(out["phone"]) if out["phone"] else None
        if phone and not phone.valid:
            errors.add("phone", _("電話番号の形式が正しくありません。"))
        out["phone_digits"] = phone.digits if phone else ""
    if "parent" in data:
        parent = data.get("parent")
        if parent and not isinstance(parent, Company):
            parent = Company.objects.visible_to(actor).filter(pk=parent).first()
            if parent is None:
                errors.add("parent", _("親会社が見つかりません。"))
        if parent and current and parent.pk == current.pk:
            errors.add("parent", _("自社を親会社にはできません。"))
        out["parent"] = parent or None
    out.update(clean_address(data, errors))
    out.update(resolve_ownership(actor, data, errors, current=current))
    try:  # checked even when a creation carries no custom values (required fields)
        out["_custom"] = custom_values.clean(actor, "company", data.get("custom"), creating=creating)
    except ValidationFailed as exc:
        for field, messages in exc.field_errors.items():
            for message in messages:
                errors.add(field, message)
    errors.raise_if_any()
    if "name" in out or "name_kana" in out:
        name = out.get("name", current.name if current else "")
        kana = out.get("name_kana", current.name_kana if current else "")
        out["legal_form"] = japanese.legal_form(name)
        out["name_key"] = japanese.company_key(name)
        out["name_search"] = f"{japanese.search_text(name)} {japanese.reading_key(kana)}".strip()
    return out


def create_company(*, actor, data: dict) -> Company:
    require_writer(actor, "company")
    values = _clean(actor, data)
    custom = custom_values.merge({}, values.pop("_custom"))
    with transaction.atomic():
        company = Company(**values, custom=custom, created_by=actor, updated_by=actor)
        company.save()
        tags = set_tags(company, data.get("tags")) if "tags" in data else []
        fields = FIELDS + custom_values.history_paths({}, custom)
        snapshot = records.snapshot(company, fields) | {"tags": tags}
        audit.record(actor=actor, action="create", obj=company, changes=audit.diff({}, snapshot))
        index_company(company)
    return company


def update_company(*, actor, company: Company, data: dict, expected_version=None) -> dict:
    require_writer(actor, "company", "edit")
    records.check_version(company, expected_version)  # a stale form is a conflict before its values are checked
    values = _clean(actor, data, current=company)
    patch = values.pop("_custom")
    with transaction.atomic():
        stored = records.lock(company).custom  # other keys as stored now, not as this copy read them
        fields = FIELDS
        if patch:
            values["custom"] = custom_values.merge(stored, patch)
            fields = FIELDS + custom_values.history_paths(stored, values["custom"])
        else:
            company.custom = stored
        changes = records.apply_changes(
            actor=actor, obj=company, data=values, fields=fields, expected_version=expected_version
        )
        if "tags" in data:
            before = sorted(company.tags.values_list("name", flat=True))
            after = set_tags(company, data["tags"])
            if before != after:
                tags = {"tags": [before, after]}
                records.record_related_changes(actor=actor, obj=company, changes=tags, version_bumped=bool(changes))
                changes |= tags
        if {"name", "name_kana", "phone", "corporate_number"} & changes.keys() or any(
            k.startswith("custom.") for k in changes
        ):
            index_company(company)
            if {"name", "name_kana"} & changes.keys():  # people are found by their company's name too
                for person in company.current_people.alive().select_related("company"):
                    index_person(person)
    return changes


def delete_company(*, actor, company: Company, expected_version=None) -> None:
    with transaction.atomic():
        records.soft_delete(actor=actor, obj=company, expected_version=expected_version)
        index_company(company)


def restore_company(*, actor, company: Company) -> None:
    with transaction.atomic():
        records.restore(actor=actor, obj=company)
        index_company(company)
