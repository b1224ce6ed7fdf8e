"""Purpose of use and consent, third-party provision records, the request log, suspension of use, correction."""

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.models import Person
from kizuna.contacts.services import update_person
from kizuna.core import audit, japanese, records
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.services import Errors, text

from ..models import (
    ConsentSource,
    PrivacyRecord,
    PrivacyRequest,
    ProvisionBasis,
    Purpose,
    RequestKind,
    ThirdPartyProvision,
)
from ..permissions import require_manage, require_record

CONSENT_FIELDS = ["purposes", "purpose_note", "consent_source", "consent_date", "consent_note"]


def privacy_of(person: Person) -> PrivacyRecord:
    """The person's privacy record, or an unsaved empty one (nothing recorded yet)."""
    found = PrivacyRecord.objects.filter(person=person).first()
    return found or PrivacyRecord(person=person)


def _locked_record(person: Person) -> PrivacyRecord:
    PrivacyRecord.objects.get_or_create(person=person)
    return PrivacyRecord.objects.select_for_update().get(person=person)


def suspended_people():
    """Ids of people whose use is suspended (利用停止): left out of exports and marketing lists."""
    return PrivacyRecord.objects.filter(suspended_at__isnull=False).values("person_id")


def _date(data: dict, key: str, errors: Errors, label: str, *, required: bool = False):
    value = data.get(key)
    if value in (None, ""):
        if required:
            errors.add(key, _("%(label)sを入力してください。") % {"label": label})
        return None
    parsed = value if isinstance(value, date) else japanese.parse_japanese_date(str(value))
    if parsed is None:
        errors.add(key, _("%(label)sの形式が正しくありません（例: 2024/4/1、令和6年4月1日）。") % {"label": label})
    elif parsed > timezone.localdate():
        errors.add(key, _("%(label)sに未来の日付は指定できません。") % {"label": label})
    return parsed


def _clean_consent(data: dict) -> dict:
    errors = Errors()
    out: dict = {}
    if "purposes" in data:
        raw = data.get("purposes") or []
        if isinstance(raw, str):
            raw = [raw]
        unknown = [p for p in raw if p not in Purpose.values]
        if unknown:
            message = _("利用目的の値が正しくありません: %(values)s")
            errors.add("purposes", message % {"values": ", ".join(map(str, unknown))})
        out["purposes"] = [p for p in Purpose.values if p in raw]  # fixed order, no duplicates
    for key, limit in (("purpose_note", 2000), ("consent_note", 2000)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    if "consent_source" in data:
        source = data.get("consent_source") or ""
        if source and source not in ConsentSource.values:
            errors.add("consent_source", _("取得経路の値が正しくありません。"))
        out["consent_source"] = source
    if "consent_date" in data:
        out["consent_date"] = _date(data, "consent_date", errors, _("同意・取得日"))
    errors.raise_if_any()
    return out


def set_purpose_and_consent(*, actor, person: Person, data: dict, expected_version=None) -> PrivacyRecord:
    """利用目的 and 取得経路・同意. Audited as privacy.consent on the person."""
    require_record(actor, person)
    values = _clean_consent(data)
    with transaction.atomic():
        record = _locked_record(person)
        records.check_version(record, expected_version)
        before = records.snapshot(record, CONSENT_FIELDS)
        for key, value in values.items():
            setattr(record, key, value)
        changes = audit.diff(before, records.snapshot(record, CONSENT_FIELDS))
        if changes:
            record.version += 1
            record.updated_at, record.updated_by = timezone.now(), actor
            record.save()
            audit.record(actor=actor, action="privacy.consent", obj=person, changes=changes)
    return record


def log_request(*, actor, person: Person, kind: str, result: str = "", note: str = "", received_at=None):
    """One row of the request log; the services that carry a request out call it themselves."""
    if kind not in RequestKind.values:
        raise ValidationFailed(field_errors={"kind": [_("請求の種類が正しくありません。")]})
    now = timezone.now()
    return PrivacyRequest.objects.create(
        person=person, kind=kind, received_at=received_at or now, handled_at=now, handled_by=actor,
        result=result[:2000], note=(note or "")[:2000],
    )  # fmt: skip


def record_request(*, actor, person: Person, data: dict) -> PrivacyRequest:
    """A request logged by hand (answered outside Kizuna, e.g. 第三者提供記録の開示 by letter). Admins only."""
    require_manage(actor)
    errors = Errors()
    kind = data.get("kind") or ""
    if kind not in RequestKind.values:
        errors.add("kind", _("請求の種類が正しくありません。"))
    received = _date(data, "received_at", errors, _("受付日"))
    result = text(data, "result", 2000, errors, required=True, label=_("対応内容"))
    note = text(data, "note", 2000, errors)
    errors.raise_if_any()
    received_at = None
    if received:
        received_at = timezone.make_aware(datetime.combine(received, time(9, 0)))
    with transaction.atomic():
        request = log_request(actor=actor, person=person, kind=kind, result=result, note=note, received_at=received_at)
        changes = {"kind": [None, kind], "result": [None, result], "note": [None, note or None]}
        audit.record(actor=actor, action="privacy.request", obj=person, changes=changes)
    return request


def _clean_provision(actor, person: Person, data: dict) -> dict:
    errors = Errors()
    out = {
        "provided_on": _date(data, "provided_on", errors, _("提供日"), required=True),
        "recipient_name": text(data, "recipient_name", 200, errors, required=True, label=_("提供先")),
        "recipient_address": text(data, "recipient_address", 300, errors),
        "recipient_representative": text(data, "recipient_representative", 100, errors),
        "purpose": text(data, "purpose", 300, errors),
        "note": text(data, "note", 2000, errors),
    }
    raw_items = data.get("items") or []
    if isinstance(raw_items, str):
        raw_items = raw_items.replace("、", ",").replace("\n", ",").split(",")
    items = list(dict.fromkeys(str(i).strip()[:100] for i in raw_items if str(i).strip()))
    if not items:
        errors.add("items", _("提供した項目を1つ以上入力してください（例: 氏名、会社名、メールアドレス）。"))
    out["items"] = items
    basis = data.get("basis") or ProvisionBasis.CONSENT
    if basis not in ProvisionBasis.values:
        errors.add("basis", _("根拠の値が正しくありません。"))
    out["basis"] = basis
    people = [person]
    for raw in data.get("people") or []:
        try:
            other = records.get_for_user(Person, actor, raw)
        except NotFound:  # hidden or unknown: one message, like every other lookup
            errors.add("people", _("人が見つかりません: %(id)s") % {"id": raw})
            continue
        if other.pk != person.pk:
            people.append(other)
    errors.raise_if_any()
    out["_people"] = people
    return out


def add_provision(*, actor, person: Person, data: dict) -> ThirdPartyProvision:
    """第三者提供記録: date, recipient, items, basis. Audited as privacy.provision on each person."""
    require_record(actor, person)
    values = _clean_provision(actor, person, data)
    people = values.pop("_people")
    for other in people:
        require_record(actor, other)
    with transaction.atomic():
        provision = ThirdPartyProvision.objects.create(recorded_by=actor, **values)
        provision.people.set(people)
        summary = {
            "provided_on": [None, values["provided_on"]], "recipient_name": [None, values["recipient_name"]],
            "items": [None, values["items"]], "basis": [None, values["basis"]], "provision": [None, provision.pk],
        }  # fmt: skip
        for subject in people:
            audit.record(actor=actor, action="privacy.provision", obj=subject, changes=summary)
    return provision


def suspend(*, actor, person: Person, reason: str = "", received_at=None) -> PrivacyRecord:
    """利用停止: the person stays on record but leaves exports and marketing; the page shows a badge."""
    require_manage(actor)
    reason = (reason or "").strip()[:2000]
    with transaction.atomic():
        record = _locked_record(person)
        if record.is_suspended:
            message = _("この人はすでに利用停止中です。")
            raise ValidationFailed(message, field_errors={"suspend": [message]})
        record.suspended_at, record.suspended_by, record.suspension_reason = timezone.now(), actor, reason
        record.version += 1
        record.updated_at, record.updated_by = timezone.now(), actor
        record.save()
        log_request(actor=actor, person=person, kind=RequestKind.SUSPENSION, note=reason, received_at=received_at,
                    result="利用を停止しました（書き出し・マーケティングの対象外）。")  # fmt: skip
        audit.record(actor=actor, action="privacy.suspend", obj=person, changes={"suspended": [False, True],
                     "reason": [None, reason or None]})  # fmt: skip
    return record


def resume(*, actor, person: Person, reason: str = "") -> PrivacyRecord:
    require_manage(actor)
    reason = (reason or "").strip()[:2000]
    with transaction.atomic():
        record = _locked_record(person)
        if not record.is_suspended:
            message = _("この人は利用停止中ではありません。")
            raise ValidationFailed(message, field_errors={"resume": [message]})
        record.suspended_at, record.suspended_by, record.suspension_reason = None, None, ""
        record.version += 1
        record.updated_at, record.updated_by = timezone.now(), actor
        record.save()
        log_request(actor=actor, person=person, kind=RequestKind.RESUMPTION, note=reason, result="利用を再開しました。")
        audit.record(actor=actor, action="privacy.resume", obj=person, changes={"suspended": [True, False],
                     "reason": [None, reason or None]})  # fmt: skip
    return record


CORRECTABLE = [
    "family_name", "given_name", "family_name_kana", "given_name_kana", "birthday", "postcode", "prefecture",
    "city", "street", "notes", "emails", "phones",
]  # fmt: skip


def correct(*, actor, person: Person, data: dict, note: str = "", expected_version=None, received_at=None) -> dict:
    """訂正: the change goes through the people service (validation, normalization, search index, history),
    and the request is logged and audited as privacy.correct."""
    require_manage(actor)
    unknown = sorted(set(data) - set(CORRECTABLE))
    if unknown:
        raise ValidationFailed(field_errors={k: [_("この項目は訂正の対象外です。")] for k in unknown})
    if not data:
        raise ValidationFailed(field_errors={"changes": [_("訂正する項目を指定してください。")]})
    with transaction.atomic():
        changes = update_person(actor=actor, person=person, data=data, expected_version=expected_version)
        fields = sorted(changes)
        result = f"訂正しました: {', '.join(fields)}" if fields else "訂正の必要はありませんでした（内容は同じです）。"
        log_request(actor=actor, person=person, kind=RequestKind.CORRECTION, result=result, note=note,
                    received_at=received_at)  # fmt: skip
        audit.record(actor=actor, action="privacy.correct", obj=person, changes={"fields": [None, fields],
                     "note": [None, (note or "").strip()[:300] or None]})  # fmt: skip
    return changes
