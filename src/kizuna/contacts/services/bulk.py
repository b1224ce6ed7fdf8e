"""Bulk writes for large loads (demo data now, imports later): the same normalization as the
single-record services, written in batches, with one audit row per batch instead of per record."""

from django.db import transaction

from kizuna.core import audit, japanese, records, search
from kizuna.core.bulkinsert import insert_many

from ..models import Company, ContactPoint, Employment, Person, Tag
from ..search import COMPANY, company_document, index_person_documents
from .companies import FIELDS as COMPANY_FIELDS
from .people import FIELDS, add_unparsed, email_point, phone_point, unparsed_entry, unparsed_values


def company_search_fields(name: str, name_kana: str = "") -> dict:
    return {
        "legal_form": japanese.legal_form(name),
        "name_key": japanese.company_key(name),
        "name_search": f"{japanese.search_text(name)} {japanese.reading_key(name_kana)}".strip(),
    }


def person_search_fields(family: str, given: str, family_kana: str, given_kana: str) -> dict:
    return {
        "name_search": japanese.search_text(family + given),
        "kana_search": japanese.reading_key(family_kana + given_kana),
    }


def contact_point(kind: str, value: str, label: str, position: int = 0, *, extension: str = "") -> ContactPoint:
    """`extension` given apart lets callers reuse one parsed office number (cached) for everyone at a site. Text
    that is no address or number comes back as an unsaved point carrying `unparsed` (the entry for the person's
    unparsed values): `bulk_create_people` keeps it there instead of inserting it."""
    point = (
        email_point(value, label, position)
        if kind == "email"
        else phone_point(value, label, position, extension=extension)
    )
    if point is None or len(point.value) > 254:
        point = ContactPoint(kind=kind, label=label, value=value[:254], normalized="", position=position)
        point.unparsed = unparsed_entry(kind, value, label)
    return point


def _divert_unparsed(person: Person, points: list[ContactPoint]) -> list[ContactPoint]:
    """The points to insert; the text that was no address or number goes to the person's unparsed values."""
    add_unparsed(person, [p.unparsed for p in points if getattr(p, "unparsed", None)])
    return [p for p in points if not getattr(p, "unparsed", None)]


def bulk_create_companies(*, actor, companies: list[Company], batch_size: int = 2000,
                          audit_each: bool = False) -> list[Company]:  # fmt: skip
    """`audit_each`: the "create" row `create_company` writes, for each company, instead of one for the batch."""
    with transaction.atomic():
        for company in companies:
            company.created_by = company.updated_by = actor
            if not company.name_key:
                for key, value in company_search_fields(company.name, company.name_kana).items():
                    setattr(company, key, value)
        created = insert_many(Company, companies, batch_size=batch_size)
        search.index_many(COMPANY, [company_document(c) for c in created])
        if audit_each:
            audit.record_many(actor=actor, events=[
                ("create", c, audit.diff({}, records.snapshot(c, COMPANY_FIELDS) | {"tags": []})) for c in created
            ])  # fmt: skip
            return created
        audit.record(
            actor=actor,
            action="bulk.create",
            object_type="contacts.company",
            changes={"count": len(created)},
            label=f"{len(created)} companies",
        )
    return created


def bulk_create_people(
    *,
    actor,
    people: list[Person],
    points: dict[int, list[ContactPoint]] | None = None,
    employments: dict[int, list[Employment]] | None = None,
    batch_size: int = 2000,
    tags: dict[int, list[str]] | None = None,
    audit_each: bool = False,
) -> list[Person]:
    """`points`, `employments` and `tags` are keyed by the index of the person in `people`. `audit_each` writes
    the "create" row `create_person` writes for each person (their history reads the same) instead of one row
    for the batch."""
    points, employments, tags = points or {}, employments or {}, tags or {}
    with transaction.atomic():
        for person in people:
            person.created_by = person.updated_by = actor
            if not person.name_search:
                fields = person_search_fields(
                    person.family_name, person.given_name, person.family_name_kana, person.given_name_kana
                )
                for key, value in fields.items():
                    setattr(person, key, value)
        points = {i: _divert_unparsed(people[i], found) for i, found in points.items()}
        created = insert_many(Person, people, batch_size=batch_size)
        all_points, all_jobs = [], []
        for i, person in enumerate(created):
            for point in points.get(i, ()):
                point.person_id = person.pk
                all_points.append(point)
            for job in employments.get(i, ()):
                job.person_id = person.pk
                job.created_by = job.updated_by = actor
                all_jobs.append(job)
        insert_many(ContactPoint, all_points, batch_size=batch_size)
        insert_many(Employment, all_jobs, batch_size=batch_size)
        cleaned = bulk_set_tags((created[i], names) for i, names in tags.items())
        companies = Company.objects.in_bulk({p.company_id for p in created if p.company_id})
        index_person_documents((p, points.get(i, []), companies.get(p.company_id)) for i, p in enumerate(created))
        if audit_each:
            audit.record_many(actor=actor, events=[
                ("create", p, audit.diff({}, _created_snapshot(p, points.get(i, []), employments.get(i, []),
                                                               cleaned.get(p.pk, []), companies)))
                for i, p in enumerate(created)
            ])  # fmt: skip
        else:
            audit.record(
                actor=actor,
                action="bulk.create",
                object_type="contacts.person",
                changes={"count": len(created), "employments": len(all_jobs)},
                label=f"{len(created)} people",
            )
    return created


def _created_snapshot(person: Person, points, jobs, tags, companies) -> dict:
    """What `create_person` writes in the person's "create" audit row."""
    snapshot = records.snapshot(person, FIELDS) | {
        "emails": [str(p) for p in points if p.kind == "email"],
        "phones": [str(p) for p in points if p.kind != "email"],
        "tags": tags,
    }
    if person.unparsed_values:
        snapshot["unparsed_values"] = unparsed_values(person)
    if jobs:
        job = jobs[0]
        snapshot |= {"company": companies.get(job.company_id), "department": job.department, "title": job.title}
    return snapshot


def bulk_set_tags(pairs) -> dict[int, list[str]]:
    """[(person, tag names)] for people just created: the same cleaning as `set_tags`, the missing tags and the
    links in a few statements. Returns each person's cleaned names by id."""
    wanted = {p.pk: sorted({str(n).strip()[:50] for n in names or [] if str(n).strip()}) for p, names in pairs}
    names = {n for cleaned in wanted.values() for n in cleaned}
    if not names:
        return wanted
    tags = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    Tag.objects.bulk_create([Tag(name=n) for n in sorted(names - tags.keys())], ignore_conflicts=True)
    tags |= dict(Tag.objects.filter(name__in=names - tags.keys()).values_list("name", "pk"))
    link = Person.tags.through
    link.objects.bulk_create([link(person_id=pk, tag_id=tags[n]) for pk, cleaned in wanted.items() for n in cleaned],
                             batch_size=2000)  # fmt: skip
    return wanted
