from datetime import date, datetime

from ninja import Schema

from kizuna.core.schemas import Strict


class PrivacyIn(Strict):
    purposes: list[str] | None = None
    purpose_note: str | None = None
    consent_source: str | None = None
    consent_date: date | None = None
    consent_note: str | None = None


class PrivacyOut(Schema):
    person_id: int
    purposes: list[str]
    purpose_labels: list[str]
    purpose_note: str
    consent_source: str
    consent_date: date | None
    consent_note: str
    suspended: bool
    suspended_at: datetime | None
    suspension_reason: str
    erased_at: datetime | None
    version: int


class ReasonIn(Strict):
    reason: str = ""


class EraseIn(Strict):
    confirm: str
    note: str = ""


class EraseOut(Schema):
    person_id: int
    label: str
    erased: dict


class CorrectionIn(Strict):
    changes: dict
    note: str = ""


class CorrectionOut(Schema):
    person_id: int
    changed: list[str]


class ProvisionIn(Strict):
    provided_on: date
    recipient_name: str
    recipient_address: str = ""
    recipient_representative: str = ""
    items: list[str]
    basis: str = "consent"
    purpose: str = ""
    note: str = ""
    people: list[int] = []


class ProvisionOut(Schema):
    id: int
    people: list[int]
    provided_on: date
    recipient_name: str
    recipient_address: str
    recipient_representative: str
    items: list[str]
    basis: str
    basis_label: str
    purpose: str
    note: str
    recorded_by: str | None
    created_at: datetime
