"""Batch variants of the person and career services, for imports: `update_person`, `update_employment` and
`add_employment` for many records in one transaction, with the same cleaning, the same audit rows (one per
record and change, as the single services write them, so each history reads the same), the same search index,
and a handful of statements per batch instead of a dozen per record."""

from django.db import connection, transaction
from django.db.models import F, prefetch_related_objects

from kizuna.core import audit, records
from kizuna.core.bulkinsert import insert_many
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.services import require_writer

from ..models import Company, ContactPoint, Employment, Person, Tag
from ..search import index_person_documents
from . import employments as employment_service
from .people import FIELDS, _clean, add_unparsed, unparsed_values

_SAVED = [*FIELDS, "name_search", "kana_search", "unparsed_values", "version", "updated_at", "updated_by"]


def points_of(ids) -> dict[int, list[ContactPoint]]:
    found: dict[int, list[ContactPoint]] = {}
    for point in ContactPoint.objects.filter(person_id__in=ids).order_by("person_id", "kind", "position", "pk"):
        found.setdefault(point.person_id, []).append(point)
    return found


def _values(points) -> dict:
    emails = [str(p) for p in points if p.kind == "email"]
    return {"emails": emails, "phones": [str(p) for p in points if p.kind != "email"]}


def _replace_points(person, held: list, kinds: set, points: list, unparsed: list) -> tuple[dict, list, list, list]:
    """What `people._replace_contact_points` does, worked out in memory: (audit changes, ids to delete, points to
    insert, the person's points afterwards)."""
    before = _values(held)
    existing = [p for p in held if p.kind in kinds]
    failed = {entry["kind"] for entry in unparsed}
    new_keys = {(p.kind, p.normalized) for p in points}
    kept = [p for p in existing if p.kind in failed and (p.kind, p.normalized) not in new_keys]
    confirmed = {(p.kind, p.normalized) for p in existing if not p.needs_review}
    after_kept = {kind: max((p.position for p in kept if p.kind == kind), default=-1) + 1 for kind in failed}
    for point in points:
        point.person_id = person.pk
        point.position += after_kept.get(point.kind, 0)
        if point.needs_review and (point.kind, point.normalized) in confirmed:
            point.needs_review, point.review_reason = False, ""
    kept_ids = {p.pk for p in kept}
    deleted = [p.pk for p in existing if p.pk not in kept_ids]
    after = [p for p in held if p.kind not in kinds or p.pk in kept_ids] + points
    after.sort(key=lambda p: (p.kind, p.position))
    return audit.diff(before, _values(after)), deleted, points, after


def _save(model, objs, fields) -> None:
    """UPDATE the given columns of each object (one executemany)."""
    if not objs:
        return
    columns = [model._meta.get_field(f) for f in fields]
    quoted = ", ".join(f"{connection.ops.quote_name(c.column)} = %s" for c in columns)
    sql = f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {quoted} WHERE id = %s"  # noqa: S608
    rows = [[c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _set_tags(pairs) -> None:
    """[(person, cleaned names)]: each person's tags become the names (as `set_tags` does)."""
    if not pairs:
        return
    names = {n for _, cleaned in pairs for n in cleaned}
    tags = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    Tag.objects.bulk_create([Tag(name=n) for n in sorted(names - tags.keys())], ignore_conflicts=True)
    tags |= dict(Tag.objects.filter(name__in=names - tags.keys()).values_list("name", "pk"))
    link = Person.tags.through
    link.objects.filter(person_id__in=[p.pk for p, _ in pairs]).delete()
    link.objects.bulk_create([link(person_id=p.pk, tag_id=tags[n]) for p, cleaned in pairs for n in cleaned])


def update_people(*, actor, items) -> list:
    """`update_person` for [(person, data)] (each person once). Returns, per item, its changes, or the
    ValidationFailed that refused it (nothing of that item is written)."""
    require_writer(actor, "person", "edit")
    for person, _ in items:
        records.require_write(actor, person)
    wanted = {str(d["external_id"]).strip() for _, d in items if d.get("external_id")}
    taken: dict[str, set] = {}
    for value, pk in Person.objects.filter(external_id__in=wanted).exclude(external_id="").values_list(
            "external_id", "pk"):  # fmt: skip
        taken.setdefault(value, set()).add(pk)
    results: list = [None] * len(items)
    cleaned = []
    for i, (person, data) in enumerate(items):
        clashes = {value for value, pks in taken.items() if pks - {person.pk}}
        try:
            cleaned.append((i, person, data, _clean(actor, data, current=person, clashes=clashes)))
        except ValidationFailed as exc:
            results[i] = exc
    with transaction.atomic():
        ids = [person.pk for _, person, _, _ in cleaned]
        locked = Person.objects.select_for_update().in_bulk(ids)
        # the audit snapshots name the owner and team: read for the whole batch, not twice per person
        prefetch_related_objects([*locked.values(), *(p for _, p, _, _ in cleaned)], "owner", "team")
        held = points_of(ids)
        tags_before = tags_of([person.pk for _, person, data, _ in cleaned if "tags" in data])
        events, written, deleted, inserted, tag_pairs, indexed = [], [], [], [], [], []
        for i, person, data, values in cleaned:
            current = locked[person.pk]
            person.unparsed_values = current.unparsed_values
            points = values.pop("_points")
            before = records.snapshot(current, FIELDS)
            for key, value in values.items():
                setattr(person, key, value)
            person.version = current.version
            changes = audit.diff(before, records.snapshot(person, FIELDS))
            if changes:
                records.touch(person, actor)
                events.append(("update", person, changes))
            extra: dict = {}
            after = held.get(person.pk, [])
            if points is not None:
                kinds, new_points, unparsed = points
                diff, gone, new, after = _replace_points(person, after, kinds, new_points, unparsed)
                extra |= diff
                deleted += gone
                inserted += new
                was = unparsed_values(person)
                if add_unparsed(person, unparsed):
                    extra["unparsed_values"] = [was, unparsed_values(person)]
            if "tags" in data:
                old = sorted(tags_before.get(person.pk, []))
                new_tags = sorted({str(n).strip()[:50] for n in data["tags"] or [] if str(n).strip()})
                tag_pairs.append((person, new_tags))
                if old != new_tags:
                    extra["tags"] = [old, new_tags]
            if extra:
                if not changes:
                    records.touch(person, actor)
                events.append(("update", person, extra))
            if changes or extra:
                written.append(person)
                indexed.append((person, after))
            results[i] = changes | extra
        ContactPoint.objects.filter(pk__in=deleted).delete()
        insert_many(ContactPoint, inserted)
        _save(Person, written, _SAVED)
        _set_tags(tag_pairs)
        audit.record_many(actor=actor, events=events)
        companies = Company.objects.in_bulk({p.company_id for p, _ in indexed if p.company_id})
        index_person_documents((p, points, companies.get(p.company_id)) for p, points in indexed)
    return results


_EMPLOYMENT_SAVED = [*employment_service.FIELDS, "version", "updated_at", "updated_by"]


def change_employments(*, actor, updates, additions) -> list[Employment]:
    """`update_employment` for [(employment, data)] (each once), then `add_employment` for [(person, data)]; the
    audit rows go on the people, as the single services file them; each person's current company follows.
    Returns the added employments."""
    cleaned = [(job, employment_service._clean(actor, data, current=job)) for job, data in updates]
    added = []
    for person, data in additions:
        records.require_write(actor, person)
        added.append((person, employment_service._clean(actor, data)))
    with transaction.atomic():
        locked = Employment.objects.select_for_update().in_bulk([job.pk for job, _ in cleaned])
        prefetch_related_objects([*locked.values(), *(job for job, _ in cleaned)], "company", "site")
        events, written = [], []
        for job, values in cleaned:
            records.require_write(actor, job)
            current = locked[job.pk]
            before = records.snapshot(current, employment_service.FIELDS)
            for key, value in values.items():
                setattr(job, key, value)
            job.version = current.version
            changes = audit.diff(before, records.snapshot(job, employment_service.FIELDS))
            if changes:
                records.touch(job, actor)
                written.append(job)
                events.append(("employment.update", job.person, changes, f"{job.person} / {job.company}"))
        _save(Employment, written, _EMPLOYMENT_SAVED)
        new = [Employment(person=person, created_by=actor, updated_by=actor, **values) for person, values in added]
        insert_many(Employment, new)
        events += [("employment.add", job.person, audit.diff({}, records.snapshot(job, employment_service.FIELDS)))
                   for job in new]  # fmt: skip
        audit.record_many(actor=actor, events=events)
        sync_current_companies([job.person for job in written] + [job.person for job in new])
    return new


def sync_current_companies(people) -> None:
    """`sync_current_company` for many people: Person.company follows each one's current primary employer."""
    people = {p.pk: p for p in people}
    if not people:
        return
    current: dict[int, int] = {}
    jobs = Employment.objects.alive().current().filter(person_id__in=list(people))
    order = ("person_id", "-is_primary", F("start_date").desc(nulls_last=True), "-id")
    for person_id, company_id in jobs.order_by(*order).values_list("person_id", "company_id"):
        current.setdefault(person_id, company_id)
    moved = [p for pk, p in people.items() if p.company_id != current.get(pk)]
    if not moved:
        return
    for person in moved:
        person.company_id = current.get(person.pk)
    _save(Person, moved, ["company"])
    companies = Company.objects.in_bulk({p.company_id for p in moved if p.company_id})
    held = points_of([p.pk for p in moved])
    for person in moved:
        person.company = companies.get(person.company_id)
    index_person_documents((p, held.get(p.pk, []), p.company) for p in moved)


def tags_of(ids) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for pk, name in Person.tags.through.objects.filter(person_id__in=ids).values_list("person_id", "tag__name"):
        found.setdefault(pk, []).append(name)
    return found
