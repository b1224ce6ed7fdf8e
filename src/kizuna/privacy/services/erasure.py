"""消去: remove a person's personal data for good, keep anonymized aggregates.

What goes: name and reading (replaced by 「削除済みの個人 #id」), contact points, address, birthday, notes, tags,
external id, the department and title of each career entry, attachments (files too), insights about the person,
their relationships, their search index entry, and their name and old values in the audit log (redacted without
breaking the hash chain). What stays, so that reports stay true: the (anonymized, deleted) person row with its
company and stage, the career entries' companies and dates, every activity (the person taken off its people,
the name replaced in its text), follow-ups (without the person), third-party provision records (the law asks
us to keep them) and the request log. Records merged into the person are erased with it."""

import re
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kizuna.contacts.models import ContactPoint, Employment, Merge, Person
from kizuna.contacts.search import PERSON
from kizuna.contacts.services.merge import history_ids
from kizuna.core import audit, search
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.imports.models import ImportJob, ImportRow
from kizuna.timeline.models import Activity, Attachment, FollowUp, Insight, Relationship
from kizuna.timeline.search import index_activity

from ..models import PrivacyRecord, RequestKind
from ..permissions import require_manage
from .records import log_request

PLACEHOLDER = "削除済みの個人"
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


def _redact_audit(actor, ids: list[int], about: list[int], related: Q, scrub, label: str) -> int:
    """The person's own rows (and those of the insights about them, which go) keep only which fields changed;
    other rows that mention them lose the name and contact values."""
    own = Q(object_type="contacts.person", object_id__in=[str(i) for i in ids]) | Q(
        object_type="timeline.insight", object_id__in=[str(i) for i in about]
    )
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
        message = f"確認のため、この人のID「{person.pk}」を入力してください。消去は取り消せません。"
        raise ValidationFailed(message, field_errors={"confirm": [message]})
    record = PrivacyRecord.objects.filter(person=person).first()
    if record is not None and record.erased_at:
        raise ValidationFailed("この人の個人データはすでに消去されています。")
    label = placeholder_name(person.pk)
    ids = history_ids("person", person.pk)
    with transaction.atomic():
        people = list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        for p in people:
            list(p.contact_points.all())  # read before they go: their values are scrubbed from text below
        scrub = _scrubber(_secrets(people), label)
        activity_ids = list(
            Activity.objects.filter(Q(people__in=ids) | Q(heard_from__in=ids)).values_list("pk", flat=True).distinct()
        )
        insights = Insight.objects.filter(Q(person__in=ids) | Q(heard_from__in=ids))
        insight_ids = list(insights.values_list("pk", flat=True))
        follow_up_ids = list(FollowUp.objects.filter(person__in=ids).values_list("pk", flat=True))
        rels = Relationship.objects.filter(Q(from_person__in=ids) | Q(to_person__in=ids))
        counterparts = {i for pair in rels.values_list("from_person_id", "to_person_id") for i in pair} - set(ids)
        related = (
            Q(object_type="contacts.person", object_id__in=[str(i) for i in counterparts])
            | Q(object_type="timeline.activity", object_id__in=[str(i) for i in activity_ids])
            | Q(object_type="timeline.insight", object_id__in=[str(i) for i in insight_ids])
            | Q(object_type="timeline.followup", object_id__in=[str(i) for i in follow_up_ids])
        )
        for p in people:
            if p.display_name:
                related |= Q(object_label__contains=p.display_name)
        about = list(Insight.objects.filter(person__in=ids).values_list("pk", flat=True))
        redacted = _redact_audit(actor, ids, about, related, scrub, label)
        counts = _erase_records(actor, people, ids, activity_ids, scrub)
        privacy, _ = PrivacyRecord.objects.get_or_create(person=person)
        privacy.purpose_note, privacy.consent_note, privacy.suspension_reason = "", "", ""
        privacy.erased_at, privacy.erased_by = timezone.now(), actor
        privacy.updated_at, privacy.updated_by, privacy.version = timezone.now(), actor, privacy.version + 1
        privacy.save()
        # The old values a merge keeps for its undo are personal data too; the bumped version refuses the undo.
        Merge.objects.filter(kind="person", survivor_id__in=ids).update(undo={})
        log_request(actor=actor, person=person, kind=RequestKind.ERASURE, received_at=received_at,
                    note=scrub(note or ""), result=ERASED_RESULT)  # fmt: skip
        counts["audit_rows_redacted"] = redacted
        audit.record(actor=actor, action="privacy.erase", obj=person, label=label,
                     changes={k: [None, v] for k, v in counts.items()})  # fmt: skip
    return counts


def _erase_records(actor, people: list[Person], ids: list[int], activity_ids: list[int], scrub) -> dict:
    now = timezone.now()
    counts = {"people": len(people)}
    counts["contact_points"] = ContactPoint.objects.filter(person_id__in=ids).delete()[0]
    counts["careers"] = Employment.objects.filter(person_id__in=ids).update(department="", title="")
    files = list(Attachment.objects.filter(person_id__in=ids).values_list("path", flat=True))
    counts["attachments"] = Attachment.objects.filter(person_id__in=ids).delete()[0]
    transaction.on_commit(lambda: _remove_files(files))
    counts["insights"] = Insight.objects.filter(person_id__in=ids).delete()[0]
    Insight.objects.filter(heard_from_id__in=ids).update(heard_from=None)
    relationships = Relationship.objects.filter(Q(from_person_id__in=ids) | Q(to_person_id__in=ids))
    counts["relationships"] = relationships.delete()[0]
    for follow_up in FollowUp.objects.filter(person_id__in=ids):
        FollowUp.objects.filter(pk=follow_up.pk).update(person=None, title=scrub(follow_up.title))
    Activity.people.through.objects.filter(person_id__in=ids).delete()
    Activity.objects.filter(heard_from_id__in=ids).update(heard_from=None)
    for activity in Activity.objects.filter(pk__in=activity_ids):
        subject, body = scrub(activity.subject), scrub(activity.body)
        if (subject, body) != (activity.subject, activity.body):
            Activity.objects.filter(pk=activity.pk).update(subject=subject, body=body)
            activity.subject, activity.body = subject, body
        index_activity(activity)
    counts["activities"] = len(activity_ids)
    # An import keeps each updated person's old values for its revert: personal data too.
    counts["import_rows"] = ImportRow.objects.filter(job__kind=ImportJob.Kind.PERSON, object_id__in=ids).update(
        before={}
    )
    for p in people:
        p.tags.clear()
        Person.objects.filter(pk=p.pk).update(
            family_name=PLACEHOLDER, given_name=f"#{p.pk}", family_name_kana="", given_name_kana="",
            name_search="", kana_search="", birthday=None, postcode="", prefecture="", city="", street="",
            notes="", unparsed_values=[], external_id="", deleted_at=p.deleted_at or now,
            deleted_by_id=p.deleted_by_id or actor.pk,
            version=p.version + 1, updated_at=now, updated_by=actor,
        )  # fmt: skip
        search.remove(PERSON, p.pk)
    return counts


def _remove_files(paths) -> None:
    root = Path(settings.MEDIA_ROOT)
    for relative in paths:
        (root / relative).unlink(missing_ok=True)
