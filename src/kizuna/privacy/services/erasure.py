"""消去: remove a person's personal data for good, keep anonymized aggregates.

What goes: name and reading (replaced by 「削除済みの個人 #id」), contact points, address, birthday, notes, tags,
external id, the department and title of each career entry, attachments (files too), insights about the person,
their relationships, their search index entry, and their name and old values in the audit log (redacted without
breaking the hash chain). What stays, so that reports stay true: the (anonymized, deleted) person row with its
company and stage, the career entries' companies and dates, every activity (the person taken off its people,
the name replaced in its text), follow-ups (without the person), third-party provision records (the law asks
us to keep them) and the request log. Records merged into the person are erased with it.

Each app erases its own rows (core.personal_data); this module finds what identifies the person, redacts the
audit log, and records the erasure."""

import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.models import Person
from kizuna.contacts.privacy import PLACEHOLDER
from kizuna.contacts.services.merge import history_ids
from kizuna.core import audit, personal_data
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent

from ..models import PrivacyRecord, RequestKind
from ..permissions import require_manage
from .records import log_request

ERASED_VALUE = "（消去済み）"
ERASED_RESULT = "個人データを消去しました（集計用の匿名データのみ保持）。"


def placeholder_name(pk: int) -> str:
    return f"{PLACEHOLDER} #{pk}"


def _secrets(people: list[Person]) -> list[str]:
    """The strings that identify the people: names (with and without the space), readings, contact values."""
    found: set[str] = set()
    for p in people:
        for value in (p.display_name, p.family_name + p.given_name, p.reading, p.family_name_kana + p.given_name_kana):
            if value and len(value.strip()) >= 2:
                found.add(value.strip())
        if len(p.external_id) >= 4:
            found.add(p.external_id)
        for point in p.contact_points.all():
            found.update(v for v in (point.value, point.normalized, point.e164) if v and len(v) >= 4)
    return sorted(found, key=len, reverse=True)  # longest first: 田中 太郎 before 田中太郎's parts


def _scrubber(secrets: list[str], replacement: str):
    pattern = re.compile("|".join(re.escape(s) for s in secrets)) if secrets else None

    def scrub(value):
        if pattern is None:
            return value
        if isinstance(value, str):
            return pattern.sub(replacement, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    return scrub


def _blank_values(changes: dict) -> dict:
    """A person's own audit row keeps which fields changed, not what they held."""
    out = {}
    for key, value in (changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            out[key] = [None if v in (None, "", []) else ERASED_VALUE for v in value]
        else:
            out[key] = ERASED_VALUE
    return out


def _redact_audit(actor, ids: list[int], own: Q, related: Q, scrub, label: str) -> int:
    """The person's own rows (and those of the rows that go with them) keep only which fields changed; other rows
    that mention them lose the name and contact values."""
    own_ids = set(AuditEvent.objects.filter(own).values_list("pk", flat=True))
    mentions = []
    for event in AuditEvent.objects.filter(related).exclude(own).iterator(chunk_size=500):
        if scrub(event.object_label) != event.object_label or scrub(event.changes) != event.changes:
            mentions.append(event.pk)
    names = {str(i): placeholder_name(i) for i in ids}

    def new_label(event):
        if event.pk not in own_ids:
            return scrub(event.object_label)
        return names[event.object_id] if event.object_type == "contacts.person" else ERASED_VALUE

    def new_changes(event):
        return _blank_values(event.changes) if event.pk in own_ids else scrub(event.changes)

    done = audit.redact(actor=actor, events=AuditEvent.objects.filter(pk__in=own_ids | set(mentions)),
                        label=new_label, scrub=new_changes, reason=label, object_type="contacts.person")  # fmt: skip
    return len(done)


def erase(*, actor, person: Person, confirm, note: str = "", received_at=None) -> dict:
    """Irreversible. `confirm` must be the person's id, typed by whoever asks for the erasure."""
    require_manage(actor)
    if str(confirm).strip() != str(person.pk):
        message = _("確認のため、この人のID「%(id)s」を入力してください。消去は取り消せません。") % {"id": person.pk}
        raise ValidationFailed(message, field_errors={"confirm": [message]})
    record = PrivacyRecord.objects.filter(person=person).first()
    if record is not None and record.erased_at:
        raise ValidationFailed(_("この人の個人データはすでに消去されています。"))
    label = placeholder_name(person.pk)
    ids = history_ids("person", person.pk)
    with transaction.atomic():
        people = list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        for p in people:
            list(p.contact_points.all())  # read before they go: their values are scrubbed from text below
        scrub = _scrubber(_secrets(people), label)
        own, related = personal_data.audit_rows(ids)
        own |= personal_data.audit_ids("contacts.person", ids)
        for p in people:
            if p.display_name:
                related |= Q(object_label__contains=p.display_name)
        redacted = _redact_audit(actor, ids, own, related, scrub, label)
        counts = {"people": len(people), **personal_data.erase(actor, ids, scrub)}
        privacy, _created = PrivacyRecord.objects.get_or_create(person=person)
        privacy.purpose_note, privacy.consent_note, privacy.suspension_reason = "", "", ""
        privacy.erased_at, privacy.erased_by = timezone.now(), actor
        privacy.updated_at, privacy.updated_by, privacy.version = timezone.now(), actor, privacy.version + 1
        privacy.save()
        log_request(actor=actor, person=person, kind=RequestKind.ERASURE, received_at=received_at,
                    note=scrub(note or ""), result=ERASED_RESULT)  # fmt: skip
        counts["audit_rows_redacted"] = redacted
        audit.record(actor=actor, action="privacy.erase", obj=person, label=label,
                     changes={k: [None, v] for k, v in counts.items()})  # fmt: skip
    return counts
