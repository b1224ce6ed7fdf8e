from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.core import audit, japanese, records
from kizuna.core.bulkinsert import instance
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.services import Errors, require_writer, resolve_ownership, text
from kizuna.customfields import values as custom_values

from ..models import Company, ContactPoint, Employment, Person
from ..search import index_person
from .common import clean_address, set_tags

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


UNPARSED_LIMIT = 1000  # characters of one value kept as entered; a longer one is refused with an error


def email_point(value: str, label: str, position: int = 0) -> ContactPoint | None:
    """A contact point for an e-mail address (RFC 6531: UTF-8 local parts and IDN domains), or None when the
    text is no address."""
    email = japanese.parse_email(value)
    if not email.valid:
        return None
    return instance(
        ContactPoint, kind="email", label=label, value=value, normalized=email.normalized, punycode=email.punycode,
        position=position,
    )  # fmt: skip


def phone_point(value: str, label: str | None, position: int = 0, *, extension: str = "") -> ContactPoint | None:
    """A contact point for a phone number, or None when the text is no number. A possible number the
    numbering-plan metadata does not list is kept, normalized as far as it goes and marked 要確認."""
    phone = japanese.parse_phone(value)
    if not phone.valid:
        return None
    return instance(
        ContactPoint,
        kind="phone",
        label=label or (ContactPoint.Label.MOBILE if phone.is_mobile else ContactPoint.Label.OFFICE),
        value=phone.number or value,  # the 内線 lives in its own column
        normalized=phone.digits,
        e164=phone.e164,
        extension=extension or phone.extension,
        position=position,
        needs_review=phone.needs_review,
        review_reason=phone.review_reason if phone.needs_review else "",
    )


def unparsed_entry(kind: str, value: str, label: str | None) -> dict:
    reason = japanese.NOT_AN_EMAIL if kind == "email" else japanese.NOT_A_PHONE
    return {"kind": kind, "value": value, "label": label or ContactPoint.Label.OTHER, "reason": reason}


def _clean_contact_points(data: dict, errors: Errors) -> tuple[set, list[ContactPoint], list[dict]] | None:
    """(the kinds given, contact points, unparsed entries): a value that is no address or number is kept as
    entered for someone to look at, never refused or dropped (only a wrong label or an absurdly long value is an
    error)."""
    kinds = {kind for kind, key in (("email", "emails"), ("phone", "phones")) if key in data}
    if not kinds:
        return None
    points: list[ContactPoint] = []
    unparsed: list[dict] = []
    for i, entry in enumerate(_entries(data.get("emails"))):
        value = str(entry["value"]).strip()
        label = entry.get("label") or ContactPoint.Label.WORK
        if label not in EMAIL_LABELS:
            errors.add("emails", _("メールの種別「%(label)s」は使えません。") % {"label": label})
        point = email_point(value, label, i)
        if point is not None:
            points.append(point)
        elif len(value) > UNPARSED_LIMIT:
            message = _("メールアドレスの欄が長すぎます（%(max)s文字まで）。")
            errors.add("emails", message % {"max": UNPARSED_LIMIT})
        else:
            unparsed.append(unparsed_entry("email", value, label))
    for i, entry in enumerate(_entries(data.get("phones"))):
        value = str(entry["value"]).strip()
        label = entry.get("label")
        if label and label not in PHONE_LABELS:
            errors.add("phones", _("電話の種別「%(label)s」は使えません。") % {"label": label})
        point = phone_point(value, label, i, extension=str(entry.get("extension") or "").strip())
        if point is not None and len(point.value) > 254:  # digits buried in a long text: keep the text itself
            point = None
        if point is not None:
            if len(point.extension) > 10:
                message = _("内線「%(extension)s」が長すぎます（10文字まで）。")
                errors.add("phones", message % {"extension": point.extension})
            points.append(point)
        elif len(value) > UNPARSED_LIMIT:
            errors.add("phones", _("電話番号の欄が長すぎます（%(max)s文字まで）。") % {"max": UNPARSED_LIMIT})
        else:
            unparsed.append(unparsed_entry("phone", value, label))
    return kinds, points, unparsed


def _clean(actor, data: dict, *, current: Person | None = None, clashes: set | None = None) -> dict:
    """`clashes`: the external ids known to be taken by someone else (a batch looked them up at once)."""
    errors = Errors()
    out: dict = {}
    if current is None or "family_name" in data:
        family = japanese.strip_honorific(text(data, "family_name", 50, errors, required=True, label=_("姓")))
        out["family_name"] = family
    if "given_name" in data:
        out["given_name"] = japanese.strip_honorific(text(data, "given_name", 50, errors))
    for key in ("family_name_kana", "given_name_kana"):
        if key in data:
            out[key] = text(data, key, 50, errors)
    for key, limit in (("notes", 10000), ("external_id", 100)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    if out.get("external_id") and clashes is not None:
        if out["external_id"] in clashes:
            errors.add("external_id", _("この外部IDはすでに使われています。"))
    elif out.get("external_id"):
        clash = Person.objects.filter(external_id=out["external_id"]).exclude(external_id="")  # the partial index
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            errors.add("external_id", _("この外部IDはすでに使われています。"))
    if "lifecycle_stage" in data:
        stage = data.get("lifecycle_stage") or Person.Stage.LEAD
        if stage not in Person.Stage.values:
            errors.add("lifecycle_stage", _("ステージの値が正しくありません。"))
        out["lifecycle_stage"] = stage
    if "birthday" in data:
        birthday = data.get("birthday") or None
        if isinstance(birthday, str):
            parsed = japanese.parse_japanese_date(birthday)
            if parsed is None:
                errors.add("birthday", _("日付の形式が正しくありません（例: 1980/4/1, 昭和55年4月1日）。"))
            birthday = parsed
        out["birthday"] = birthday
    out.update(clean_address(data, errors))
    out.update(resolve_ownership(actor, data, errors, current=current))
    points = _clean_contact_points(data, errors)
    if current is None and data.get("company"):
        out["_job"] = _first_job(actor, data, errors)
    try:  # checked even when a creation carries no custom values (required fields)
        out["_custom"] = custom_values.clean(actor, "person", data.get("custom"), creating=current is None)
    except ValidationFailed as exc:
        for field, messages in exc.field_errors.items():
            for message in messages:
                errors.add(field, message)
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
        errors.add("company", _("会社が見つかりません。"))
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


def unparsed_values(person: Person) -> list[str]:
    """The unparsed values as a history row shows them."""
    return [str(entry.get("value", "")) for entry in person.unparsed_values or []]


def add_unparsed(person: Person, entries: list[dict]) -> bool:
    """Append entries the person does not hold yet (same kind and text); True when the list changed."""
    held = list(person.unparsed_values or [])
    have = {(e.get("kind"), e.get("value")) for e in held}
    for entry in entries:
        if (entry["kind"], entry["value"]) not in have:
            have.add((entry["kind"], entry["value"]))
            held.append(entry)
    changed = len(held) != len(person.unparsed_values or [])
    person.unparsed_values = held
    return changed


def _replace_contact_points(person: Person, kinds: set, points: list[ContactPoint], unparsed: list[dict]) -> dict:
    """The person's phones (and/or e-mails: `kinds`) become `points`; the other kind is left alone. When a value
    could not be read, no existing value of its kind is removed (the unread one may have been meant to replace
    it): the update adds to what the person has."""
    before = _contact_values(person)
    existing = [p for p in person.contact_points.all() if p.kind in kinds]
    failed = {entry["kind"] for entry in unparsed}
    new_keys = {(p.kind, p.normalized) for p in points}
    kept = [p for p in existing if p.kind in failed and (p.kind, p.normalized) not in new_keys]
    confirmed = {(p.kind, p.normalized) for p in existing if not p.needs_review}
    after_kept = {kind: max((p.position for p in kept if p.kind == kind), default=-1) + 1 for kind in failed}
    for point in points:
        point.person = person
        point.position += after_kept.get(point.kind, 0)
        if point.needs_review and (point.kind, point.normalized) in confirmed:  # someone already confirmed it
            point.needs_review, point.review_reason = False, ""
    ContactPoint.objects.filter(person=person, kind__in=kinds).exclude(pk__in=[p.pk for p in kept]).delete()
    ContactPoint.objects.bulk_create(points)
    getattr(person, "_prefetched_objects_cache", {}).pop("contact_points", None)  # the old rows are stale
    return audit.diff(before, _contact_values(person))


def create_person(*, actor, data: dict) -> Person:
    require_writer(actor, "person")
    values = _clean(actor, data)
    _kept, points, unparsed = values.pop("_points") or (set(), [], [])
    job = values.pop("_job", None)
    custom = custom_values.merge({}, values.pop("_custom"))
    with transaction.atomic():
        person = Person(**values, custom=custom, created_by=actor, updated_by=actor)
        add_unparsed(person, unparsed)
        person.save()
        for point in points:
            point.person = person
        ContactPoint.objects.bulk_create(points)
        tags = set_tags(person, data.get("tags")) if "tags" in data else []
        fields = FIELDS + custom_values.history_paths({}, custom)
        snapshot = records.snapshot(person, fields) | _contact_values(person) | {"tags": tags}
        if person.unparsed_values:
            snapshot["unparsed_values"] = unparsed_values(person)
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
    patch = values.pop("_custom")
    with transaction.atomic():
        # Under the row lock, the kept values are the stored ones, not those this copy read earlier (the save
        # below writes the whole row).
        locked = records.lock(person)
        person.unparsed_values = locked.unparsed_values
        fields = FIELDS
        if patch:
            values["custom"] = custom_values.merge(locked.custom, patch)
            fields = FIELDS + custom_values.history_paths(locked.custom, values["custom"])
        else:
            person.custom = locked.custom
        changes = records.apply_changes(
            actor=actor, obj=person, data=values, fields=fields, expected_version=expected_version
        )
        extra = {}
        if points is not None:
            kinds, points, unparsed = points
            extra |= _replace_contact_points(person, kinds, points, unparsed)
            before = unparsed_values(person)
            if add_unparsed(person, unparsed):
                Person.objects.filter(pk=person.pk).update(unparsed_values=person.unparsed_values)
                extra["unparsed_values"] = [before, unparsed_values(person)]
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


def confirm_contact_point(*, actor, person: Person, point_id, expected_version=None) -> ContactPoint:
    """Someone checked a 要確認 number and it is right: the mark goes (and stays gone when the same number is
    saved again); the history says who confirmed which number."""
    require_writer(actor, "person", "edit")
    records.check_version(person, expected_version)
    point = person.contact_points.filter(pk=point_id if str(point_id).isdigit() else None, needs_review=True).first()
    if point is None:
        raise ValidationFailed(field_errors={"point": [_("確認する連絡先が見つかりません。")]})
    with transaction.atomic():
        ContactPoint.objects.filter(pk=point.pk).update(needs_review=False, review_reason="")
        records.record_related_changes(
            actor=actor, obj=person, changes={"confirmed": [None, str(point)]}, version_bumped=False
        )
    point.needs_review, point.review_reason = False, ""
    return point


def resolve_unparsed_value(*, actor, person: Person, kind: str, value: str, expected_version=None) -> None:
    """A value kept unparsed was dealt with (typed again as a proper number or address, or of no use): it leaves
    the 要確認 list. Only a person does this, never a save or an import; the history keeps the text."""
    require_writer(actor, "person", "edit")
    records.check_version(person, expected_version)
    with transaction.atomic():
        person.unparsed_values = records.lock(person).unparsed_values
        before = unparsed_values(person)
        left = [e for e in person.unparsed_values or [] if (e.get("kind"), e.get("value")) != (kind, value)]
        if len(left) == len(person.unparsed_values or []):
            raise ValidationFailed(field_errors={"unparsed": [_("その値は要確認の一覧にありません。")]})
        person.unparsed_values = left
        Person.objects.filter(pk=person.pk).update(unparsed_values=left)
        records.record_related_changes(
            actor=actor, obj=person, changes={"unparsed_values": [before, unparsed_values(person)]},
            version_bumped=False,
        )  # fmt: skip
        index_person(person)
