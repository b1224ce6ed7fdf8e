"""The batch path: many rows of a batch written in a few statements with the same normalization, search index
and audit as the services."""

from datetime import date

from kizuna.contacts.models import Company, DuplicateGroup, Employment, Person
from kizuna.contacts.services.bulk import bulk_create_companies, bulk_create_people, contact_point
from kizuna.core import japanese
from kizuna.core.bulkinsert import insert_many_without_id, instance
from kizuna.core.permissions import Visibility

from ..models import ImportJob, ImportRow
from ..planning import RowPlan
from .rows import _company_details, _company_for

_DEFAULT_LABEL = {"email": "work", "phone": "office"}
_LIMITS = {"family_name": 50, "given_name": 50, "family_name_kana": 50, "given_name_kana": 50, "external_id": 100,
           "city": 100, "street": 200, "notes": 10000, "department": 100, "title": 100}  # fmt: skip


def bulkable(plan: RowPlan) -> bool:
    """A new person goes through the bulk path (probable duplicates and tags too); a value too long for its
    column, a company row and a row repeating one not saved yet through the person service, which validates
    and explains."""
    data = plan.data
    return (plan.action == "create" and not plan.deferred and not data.get("record_kind")
            and not data.get("custom")  # custom values are typed and checked by the person service
            and all(len(str(data.get(k) or "")) <= n for k, n in _LIMITS.items()))  # fmt: skip


def resolve_companies(actor, plans: list[RowPlan], cache: dict) -> None:
    """Find the batch's companies in one query and register the missing ones in one bulk insert."""
    wanted = {}
    for plan in plans:
        name = plan.data.get("company_name")
        if name and japanese.company_key(name) not in cache:
            wanted.setdefault(japanese.company_key(name), (name, _company_details(dict(plan.data))))
    for company in Company.objects.visible_to(actor).filter(name_key__in=wanted).order_by("-pk"):
        cache[company.name_key] = company.pk  # the oldest wins, as in _company_for
    new = [
        Company(name=name, corporate_number=japanese.normalize_corporate_number(details.get("corporate_number", ""))
                or "", name_kana=details.get("name_kana", ""), website=details.get("website", ""),
                owner=actor, team=actor.team, visibility=Visibility.TEAM)
        for key, (name, details) in wanted.items() if key not in cache
    ]  # fmt: skip
    for company in bulk_create_companies(actor=actor, companies=new, audit_each=True) if new else []:
        cache[company.name_key] = company.pk
        cache.setdefault("_created", []).append(company.pk)


def bulk_create(actor, job: ImportJob, plans: list[RowPlan], cache: dict) -> list[ImportRow]:
    """New people of a batch in a few statements: the same normalization, search index and audit (one row
    for the batch) as the services' bulk path used by demo data."""
    people, points, jobs = [], {}, {}
    resolve_companies(actor, plans, cache)
    for i, plan in enumerate(plans):
        data = dict(plan.data)
        company_id = _company_for(actor, data, cache)
        birthday = data.get("birthday")
        people.append(instance(
            Person, family_name=data["family_name"], given_name=data.get("given_name", ""),
            family_name_kana=data.get("family_name_kana", ""), given_name_kana=data.get("given_name_kana", ""),
            external_id=data.get("external_id", ""), postcode=data.get("postcode", ""),
            prefecture=data.get("prefecture", ""), city=data.get("city", ""), street=data.get("street", ""),
            birthday=date.fromisoformat(birthday) if birthday else None, notes=data.get("notes", ""),
            owner=actor, team=actor.team, visibility=Visibility.TEAM, company_id=company_id,
        ))  # fmt: skip
        points[i] = [  # positions count within a kind, as the person service counts them
            contact_point(kind, e["value"], e.get("label") or _DEFAULT_LABEL[kind], n, extension=e.get("extension", ""))
            for kind, key in (("email", "emails"), ("phone", "phones"))
            for n, e in enumerate(data.get(key, []))
        ]
        if company_id:
            jobs[i] = [instance(Employment, company_id=company_id, department=data.get("department", ""),
                                  title=data.get("title", ""), is_primary=True)]  # fmt: skip
    tags = {i: plan.data["tags"] for i, plan in enumerate(plans) if plan.data.get("tags")}
    created = bulk_create_people(actor=actor, people=people, points=points, employments=jobs, tags=tags,
                                 audit_each=True)  # fmt: skip
    _queue_duplicates(plans, created)
    return [instance(ImportRow, job=job, row_number=plan.row_number, action="created", object_id=person.pk)
            for plan, person in zip(plans, created, strict=True)]  # fmt: skip


def _queue_duplicates(plans: list[RowPlan], created: list[Person]) -> None:
    """Each new person with probable duplicates among the existing people is one open group of the review
    queue, as the row-by-row path queues it."""
    groups = []
    for plan, person in zip(plans, created, strict=True):
        if plan.duplicates:
            members = sorted({person.pk, *(d[2].id for d in plan.duplicates)})
            groups.append(instance(DuplicateGroup, kind="person", score=max(d[0] for d in plan.duplicates),
                                         reasons=sorted({r for d in plan.duplicates for r in d[1]}),
                                         member_ids=members, first_id=members[0]))  # fmt: skip
    insert_many_without_id(DuplicateGroup, groups)  # no ids read back: the queue reads them
