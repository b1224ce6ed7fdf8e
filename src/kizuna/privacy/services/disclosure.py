"""開示: everything we hold about one person, as JSON and as a readable PDF. Each app contributes the sections
about its own rows (core.personal_data)."""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from kizuna.contacts.models import Person
from kizuna.contacts.services.merge import history_ids
from kizuna.core import audit, personal_data
from kizuna.core.models import AuditEvent

from ..models import PrivacyRequest, RequestKind, ThirdPartyProvision
from ..permissions import require_manage
from .records import log_request, privacy_of

FORMATS = ("json", "pdf")


def _when(value):
    return value.isoformat() if value else None


def _user(user):
    return getattr(user, "username", None) if user else None


def _person(p: Person) -> dict:
    return {
        "id": p.pk, "family_name": p.family_name, "given_name": p.given_name, "family_name_kana": p.family_name_kana,
        "given_name_kana": p.given_name_kana, "birthday": _when(p.birthday), "postcode": p.postcode,
        "prefecture": p.prefecture, "city": p.city, "street": p.street, "notes": p.notes,
        "unparsed_values": [entry.get("value", "") for entry in p.unparsed_values or []],
        "lifecycle_stage": p.get_lifecycle_stage_display(), "external_id": p.external_id,
        "company": p.company.name if p.company_id else None, "owner": _user(p.owner),
        "created_at": _when(p.created_at), "updated_at": _when(p.updated_at), "deleted_at": _when(p.deleted_at),
    }  # fmt: skip


def disclosure_data(person: Person) -> dict:
    """Everything held about `person` (and the records merged into it), deleted rows included: we still hold them."""
    ids = history_ids("person", person.pk)
    people = list(Person.objects.filter(pk__in=ids).select_related("company", "owner").order_by("pk"))
    privacy = privacy_of(person)
    provisions = ThirdPartyProvision.objects.filter(people__in=ids).distinct().select_related("recorded_by")
    events = AuditEvent.objects.filter(object_type="contacts.person", object_id__in=[str(i) for i in ids])
    return {
        "generated_at": _when(timezone.now()),
        "person": _person(person),
        "merged_records": [_person(p) for p in people if p.pk != person.pk],
        **personal_data.disclose(ids),  # contact points, careers, tags, activities, ... (each app its own)
        "privacy": {
            "purposes": privacy.purpose_labels(), "purpose_note": privacy.purpose_note,
            "consent_source": privacy.get_consent_source_display() if privacy.consent_source else None,
            "consent_date": _when(privacy.consent_date), "consent_note": privacy.consent_note,
            "suspended_at": _when(privacy.suspended_at), "suspension_reason": privacy.suspension_reason,
        },
        "third_party_provisions": [
            {"provided_on": _when(p.provided_on), "recipient_name": p.recipient_name,
             "recipient_address": p.recipient_address, "recipient_representative": p.recipient_representative,
             "items": p.items, "basis": p.get_basis_display(), "purpose": p.purpose,
             "recorded_by": _user(p.recorded_by), "recorded_at": _when(p.created_at)}
            for p in provisions
        ],
        "requests": [
            {"kind": r.get_kind_display(), "received_at": _when(r.received_at), "handled_at": _when(r.handled_at),
             "result": r.result} for r in PrivacyRequest.objects.filter(person__in=ids).order_by("received_at", "pk")
        ],
        "history": [
            {"at": _when(e.at), "actor": e.actor_name, "action": e.action, "changes": e.changes}
            for e in events.order_by("at", "id")
        ],
    }  # fmt: skip


def disclose(*, actor, person: Person, fmt: str = "json", received_at=None, note: str = "", record: bool = True
             ) -> dict:  # fmt: skip
    """開示 (and 第三者提供記録の開示, which is part of it): the data, the request logged, privacy.disclose audited.
    Without `record` it is a look at what a disclosure would hold (a GET): audited as a sensitive read, with no
    開示請求 written, so that a link or an image tag cannot forge one."""
    require_manage(actor)
    data = disclosure_data(person)
    with transaction.atomic():
        if record:
            _log(actor, person, fmt, received_at, note, data)
        else:
            audit.record(actor=actor, action=PREVIEW_ACTION, obj=person, changes={"format": [None, fmt]})
    return data


PREVIEW_ACTION = "privacy.disclosure.view"


def _log(actor, person, fmt, received_at, note, data) -> None:
    log_request(actor=actor, person=person, kind=RequestKind.DISCLOSURE, received_at=received_at, note=note,
                result=f"保有個人データを開示しました（{fmt.upper()}）。")  # fmt: skip
    audit.record(actor=actor, action="privacy.disclose", obj=person, changes={"format": [None, fmt],
                 "sections": [None, sorted(k for k, v in data.items() if v)]})  # fmt: skip


def disclosure_pdf(*, actor, person: Person, base_url: str, request=None, record: bool = True) -> bytes:
    """The same disclosure as a readable A4 PDF (WeasyPrint, Noto CJK / IPAex fonts)."""
    from kizuna.timeline.brief import render_pdf

    data = disclose(actor=actor, person=person, fmt="pdf", record=record)
    history = [
        {**e, "rows": [(k, " → ".join("—" if x in (None, "") else str(x) for x in v) if isinstance(v, list) else str(v))
                       for k, v in e["changes"].items()]}
        for e in data["history"]
    ]  # fmt: skip
    context = {"d": data, "person": person, "history": history}
    html = render_to_string("privacy/disclosure_pdf.html", context, request=request)
    return render_pdf(html, base_url=base_url)
