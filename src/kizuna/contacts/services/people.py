from django.db import transaction

from kizuna.core import audit, japanese, records

from ..models import Company, ContactPoint, Employment, Person
from ..search import index_person
from .common import Errors, clean_address, require_writer, resolve_ownership, set_tags, text

FIELDS = [
    "family_name", "given_name", "family_name_kana", "given_name_kana", "birthday", "lifecycle_stage", "notes",
    "external_id", "postcode", "prefecture", "city", "street", "owner", "team", "visibility",
]  # fmt: skip
EMAIL_LABELS = {ContactPoint.Label.WORK, ContactPoint.Label.PERSONAL, ContactPoint.Label.OTHER}
PHONE_LABELS = {
    ContactPoint.Label.MOBILE, ContactPoint.Label.OFFICE, ContactPoint.Label.HOME, ContactPoint.Label.FAX,
    ContactPoint.Label.OTHER,
}  # fmt: skip


def _entries(raw) -> list[dict]:
    """Accept ["a@b.jp"] or [{"value": ..., "label": ...}] and drop empty entries."""
    out = []
    for item in raw or []:
        entry = dict(item) if isinstance(item, dict) else {"value": item}
        if str(entry.get("value") or "").strip():
            out.append(entry)
    return out


def _clean_contact_points(data: dict, errors: Errors) -> list[ContactPoint] | None:
    if "emails" not in data and "phones" not in data:
        return None
    points: list[ContactPoint] = []
    for i, entry in enumerate(_entries(data.get("emails"))):
        value = str(entry["value"]).strip()
        label = entry.get("label") or ContactPoint.Label.WORK
        if not japanese.is_valid_email(value):
            errors.add("emails", f"メールアドレス「{value}」の形式が正しくありません。")
        if label not in EMAIL_LABELS:
            errors.add("emails", f"メールの種別「{label}」は使えません。")
        points.append(
            ContactPoint(kind="email", label=label, value=value, normalized=japanese.normalize_email(value), position=i)
        )
    for i, entry in enumerate(_entries(data.get("phones"))):
        value = str(entry["value"]).strip()
        phone = japanese.parse_phone(value)
        label = entry.get("label") or (ContactPoint.Label.MOBILE if phone.is_mobile else ContactPoint.Label.OFFICE)
        if not phone.valid:
            errors.add("phones", f"電話番号「{value}」の形式が正しくありません。")
        if label not in PHONE_LABELS:
            errors.add("phones", f"電話の種別「{label}」は使えません。")
        extension = str(entry.get("extension") or "").strip() or phone.extension
        points.append(
            ContactPoint(
                kind="phone",
                label=label,
                value=phone.number or value,  # the 内線 lives in its own column
                normalized=phone.digits,
                e164=phone.e164 or "",
                extension=extension,
                position=i,
            )
        )
    return points


def _clean(actor, data: dict, *, current: Person | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None or "family_name" in data:
        family = japanese.strip_honorific(text(data, "family_name", 50, errors, required=True, label="姓"))
        out["family_name"] = family
    if "given_name" in data:
        out["given_name"] = japanese.strip_honorific(text(data, "given_name", 50, errors))
    for key in ("family_name_kana", "given_name_kana"):
        if key in data:
            out[key] = text(data, key, 50, errors)
    for key, limit in (("notes", 10000), ("external_id", 100)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    if out.get("external_id"):
        clash = Person.objects.filter(external_id=out["external_id"]).exclude(external_id="")  # the partial index
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            errors.add("external_id", "この外部IDはすでに使われています。")
    if "lifecycle_stage" in data:
        stage = data.get("lifecycle_stage") or Person.Stage.LEAD
        if stage not in Person.Stage.values:
            errors.add("lifecycle_stage", "ステージの値が正しくありません。")
        out["lifecycle_stage"] = stage
    if "birthday" in data:
        birthday = data.get("birthday") or None
        if isinstance(birthday, str):
            parsed = japanese.parse_japanese_date(birthday)
            if parsed is None:
                errors.add("birthday", "日付の形式が正しくありません（例: 1980/4/1, 昭和55年4月1日）。")
            birthday = parsed
        out["birthday"] = birthday
    out.update(clean_address(data, errors))
    out.update(resolve_ownership(actor, data, errors, current=current))
    points = _clean_contact_points(data, errors)
    if current is None and data.get("company"):
        out["_job"] = _first_job(actor, data, errors)
    errors.raise_if_any()
    if {"family_name", "given_name", "family_name_kana", "given_name_kana"} & out.keys():

        def pick(key):
            return out.get(key, getattr(current, key, "") if current else "")

        out["name_search"] = japanese.search_text(pick("family_name") + pick("given_name"))
        out["kana_search"] = japanese.reading_key(pick("family_name_kana") + pick("given_name_kana"))
    out["_points"] = points
    return out


def _first_job(actor, data: dict, errors: Errors) -> dict | None:
    """A person registered with their company gets a current primary post there."""
    company = data["company"]
    if not isinstance(company, Company):
        company = Company.objects.visible_to(actor).filter(pk=company).first() if str(company).isdigit() else None
    if company is None:
        errors.add("company", "会社が見つかりません。")
        return None
    return {
        "company": company,
        "department": text(data, "department", 100, errors),
        "title": text(data, "title", 100, errors),
    }


def _contact_values(person: Person) -> dict:
    emails, phones = [], []
    for point in person.contact_points.all():
        (emails if point.kind == "email" else phones).append(str(point))
    return {"emails": emails, "phones": phones}


def _replace_contact_points(person: Person, points: list[ContactPoint]) -> dict:
    before = _contact_values(person)
    person.contact_points.all().delete()
    for point in points:
        point.person = person
    ContactPoint.objects.bulk_create(points)
    return audit.diff(before, _contact_values(person))


def create_person(*, actor, data: dict) -> Person:
    require_writer(actor, "person")
    values = _clean(actor, data)
    points = values.pop("_points") or []
    job = values.pop("_job", None)
    with transaction.atomic():
        person = Person(**values, created_by=actor, updated_by=actor)
        person.save()
        for point in points:
            point.person = person
        ContactPoint.objects.bulk_create(points)
        tags = set_tags(person, data.get("tags")) if "tags" in data else []
        snapshot = records.snapshot(person, FIELDS) | _contact_values(person) | {"tags": tags}
        if job:
            Employment.objects.create(person=person, created_by=actor, updated_by=actor, **job)
            Person.objects.filter(pk=person.pk).update(company=job["company"])
            person.company = job["company"]
            snapshot |= {"company": job["company"], "department": job["department"], "title": job["title"]}
        audit.record(actor=actor, action="create", obj=person, changes=audit.diff({}, snapshot))
        index_person(person)
    return person


def update_person(*, actor, person: Person, data: dict, expected_version=None) -> dict:
    require_writer(actor, "person", "edit")
    records.check_version(person, expected_version)  # a stale form is a conflict before its values are checked
    values = _clean(actor, data, current=person)
    points = values.pop("_points")
    with transaction.atomic():
        changes = records.apply_changes(
            actor=actor, obj=person, data=values, fields=FIELDS, expected_version=expected_version
        )
        extra = {}
        if points is not None:
            extra |= _replace_contact_points(person, points)
        if "tags" in data:
            before = sorted(person.tags.values_list("name", flat=True))
            after = set_tags(person, data["tags"])
            if before != after:
                extra["tags"] = [before, after]
        records.record_related_changes(actor=actor, obj=person, changes=extra, version_bumped=bool(changes))
        if changes or extra:
            index_person(person)
    return changes | extra


def delete_person(*, actor, person: Person, expected_version=None) -> None:
    with transaction.atomic():
        records.soft_delete(actor=actor, obj=person, expected_version=expected_version)
        index_person(person)


def restore_person(*, actor, person: Person) -> None:
    with transaction.atomic():
        records.restore(actor=actor, obj=person)
        index_person(person)
