"""/api/v1/people/{id}/privacy, disclosure (JSON, PDF), suspend/resume, correction, erase, provisions."""

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from kizuna.contacts.models import Person
from kizuna.core.api import ErrorOut
from kizuna.core.exceptions import StaleVersion
from kizuna.core.records import get_for_user

from . import services
from .models import ThirdPartyProvision
from .permissions import require_manage
from .schemas import (
    CorrectionIn,
    CorrectionOut,
    EraseIn,
    EraseOut,
    PrivacyIn,
    PrivacyOut,
    ProvisionIn,
    ProvisionOut,
    ReasonIn,
)

router = Router(tags=["privacy"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


def _person(request, person_id: int) -> Person:
    return get_for_user(Person, request.user, person_id)  # hidden = unknown = 404


def _privacy_out(response: HttpResponse, person: Person) -> dict:
    r = services.privacy_of(person)
    response["ETag"] = f'"privacy-{person.pk}-{r.version}"'
    return {
        "person_id": person.pk, "purposes": r.purposes, "purpose_labels": r.purpose_labels(),
        "purpose_note": r.purpose_note, "consent_source": r.consent_source, "consent_date": r.consent_date,
        "consent_note": r.consent_note, "suspended": r.is_suspended, "suspended_at": r.suspended_at,
        "suspension_reason": r.suspension_reason, "erased_at": r.erased_at, "version": r.version,
    }  # fmt: skip


def _if_match_version(request, person: Person):
    """Optional If-Match on the privacy record's ETag: a stale one is refused (412)."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    current = services.privacy_of(person).version
    if f'"privacy-{person.pk}-{current}"' not in [t.strip().removeprefix("W/") for t in header.split(",")]:
        raise StaleVersion()
    return current


@router.get("/people/{person_id}/privacy", response={200: PrivacyOut, **ERRORS})
def get_privacy(request: HttpRequest, response: HttpResponse, person_id: int):
    return _privacy_out(response, _person(request, person_id))


@router.put("/people/{person_id}/privacy", response={200: PrivacyOut, **ERRORS})
def put_privacy(request: HttpRequest, response: HttpResponse, person_id: int, payload: PrivacyIn):
    person = _person(request, person_id)
    services.set_purpose_and_consent(actor=request.user, person=person, data=payload.dict(exclude_unset=True),
                                     expected_version=_if_match_version(request, person))  # fmt: skip
    return _privacy_out(response, person)


@router.get("/people/{person_id}/disclosure", response={200: dict, **ERRORS})
def get_disclosure(request: HttpRequest, person_id: int):
    """What a disclosure holds, to check before answering the request (audited; no 開示 is logged)."""
    person = _person(request, person_id)
    return services.disclose(actor=request.user, person=person, fmt="json", record=False)


@router.post("/people/{person_id}/disclosure", response={200: dict, **ERRORS})
def post_disclosure(request: HttpRequest, person_id: int):
    """開示: everything held about the person; the request is logged and audited."""
    person = _person(request, person_id)
    return services.disclose(actor=request.user, person=person, fmt="json")


def _pdf(request: HttpRequest, person_id: int, *, record: bool) -> HttpResponse:
    person = _person(request, person_id)
    require_manage(request.user)
    pdf = services.disclosure_pdf(actor=request.user, person=person, base_url=request.build_absolute_uri("/"),
                                  record=record)  # fmt: skip
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="disclosure-{person.pk}.pdf"'
    return response


@router.get("/people/{person_id}/disclosure.pdf", response={200: None, **ERRORS})
def get_disclosure_pdf(request: HttpRequest, person_id: int):
    """The disclosure as a PDF, to check (audited; no 開示 is logged)."""
    return _pdf(request, person_id, record=False)


@router.post("/people/{person_id}/disclosure.pdf", response={200: None, **ERRORS})
def post_disclosure_pdf(request: HttpRequest, person_id: int):
    """開示 as a PDF; the request is logged and audited."""
    return _pdf(request, person_id, record=True)


@router.post("/people/{person_id}/suspend", response={200: PrivacyOut, **ERRORS})
def suspend(request: HttpRequest, response: HttpResponse, person_id: int, payload: ReasonIn):
    person = _person(request, person_id)
    services.suspend(actor=request.user, person=person, reason=payload.reason)
    return _privacy_out(response, person)


@router.post("/people/{person_id}/resume", response={200: PrivacyOut, **ERRORS})
def resume(request: HttpRequest, response: HttpResponse, person_id: int, payload: ReasonIn):
    person = _person(request, person_id)
    services.resume(actor=request.user, person=person, reason=payload.reason)
    return _privacy_out(response, person)


@router.post("/people/{person_id}/correction", response={200: CorrectionOut, **ERRORS})
def correction(request: HttpRequest, person_id: int, payload: CorrectionIn):
    person = _person(request, person_id)
    changes = services.correct(actor=request.user, person=person, data=payload.changes, note=payload.note)
    return {"person_id": person.pk, "changed": sorted(changes)}


@router.post("/people/{person_id}/erase", response={200: EraseOut, **ERRORS})
def erase(request: HttpRequest, person_id: int, payload: EraseIn):
    person = _person(request, person_id)
    counts = services.erase(actor=request.user, person=person, confirm=payload.confirm, note=payload.note)
    return {"person_id": person.pk, "label": services.placeholder_name(person.pk), "erased": counts}


def _provision_out(p: ThirdPartyProvision) -> dict:
    return {
        "id": p.pk, "people": sorted(x.pk for x in p.people.all()), "provided_on": p.provided_on,
        "recipient_name": p.recipient_name, "recipient_address": p.recipient_address,
        "recipient_representative": p.recipient_representative, "items": p.items, "basis": p.basis,
        "basis_label": p.get_basis_display(), "purpose": p.purpose, "note": p.note,
        "recorded_by": p.recorded_by.username if p.recorded_by else None, "created_at": p.created_at,
    }  # fmt: skip


@router.get("/people/{person_id}/provisions", response={200: list[ProvisionOut], **ERRORS})
def list_provisions(request: HttpRequest, person_id: int):
    person = _person(request, person_id)
    rows = person.provisions.select_related("recorded_by").prefetch_related("people")
    return [_provision_out(p) for p in rows]


@router.post("/people/{person_id}/provisions", response={201: ProvisionOut, **ERRORS})
def create_provision(request: HttpRequest, person_id: int, payload: ProvisionIn):
    person = _person(request, person_id)
    provision = services.add_provision(actor=request.user, person=person, data=payload.dict())
    return Status(201, _provision_out(provision))
