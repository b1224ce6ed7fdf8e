"""One row through the contacts services (validation, normalization, search index and audit as a person typing
it in): the path for what the batch path does not take, and the reference the batch path is tested against."""

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Company, DuplicateGroup, Person
from kizuna.core import japanese
from kizuna.core.exceptions import ValidationFailed

from ..models import ImportJob, ImportRow
from ..planning import RowPlan, settle_conflicts
from .common import Summary, _count, _error


def _company_found(actor, name: str, cache: dict):
    key = japanese.company_key(name)
    companies = Company.objects.visible_to(actor).alive()
    if key in cache:
        return companies.filter(pk=cache[key]).first()
    return companies.filter(name_key=key, legal_form=japanese.legal_form(name)).order_by("pk").first()


def _company_for(actor, data: dict, cache: dict):
    """The row's company by its matching key (株式会社X = X株式会社 = ㈱X), registered when it is new."""
    name = data.pop("company_name", "")
    details = _company_details(data)
    if not name:
        return None
    key = japanese.company_key(name)
    if key not in cache:
        company = Company.objects.visible_to(actor).filter(name_key=key).order_by("pk").first()
        if company is None:
            company = contacts.create_company(actor=actor, data={"name": name, **details})
            cache.setdefault("_created", []).append(company.pk)
        cache[key] = company.pk
    return cache[key]


_URL = re.compile(r"^https?://[^\s]{1,190}$", re.I)


def _company_details(data: dict) -> dict:
    """What a person's row says about a new company (法人番号, reading, website), taken out of the person's data;
    a website that is no URL stays in the person's notes only."""
    details = {"corporate_number": data.pop("company_corporate_number", ""),
               "name_kana": data.pop("company_kana", "")[:100]}  # fmt: skip
    website = data.pop("company_website", "")
    if _URL.match(website):
        details["website"] = website
    return {key: value for key, value in details.items() if value}


def _merged_points(person: Person, data: dict) -> dict:
    """New phones and e-mails are added to the person's, never replacing them."""
    out = {}
    for kind, key in (("email", "emails"), ("phone", "phones")):
        if not data.get(key):
            continue
        current = [{"value": str(p), "label": p.label} for p in person.contact_points.filter(kind=kind)]
        have = set(person.contact_points.filter(kind=kind).values_list("normalized", flat=True))
        for entry in data[key]:
            value = entry["value"]
            norm = japanese.normalize_email(value) if kind == "email" else japanese.parse_phone(value).digits
            if norm not in have:
                current.append(entry)
                have.add(norm)
        out[key] = current
    return out


def _append_notes(record, data: dict) -> None:
    """A row's メモ is added below the record's, never replacing it (and not added twice)."""
    new = (data.get("notes") or "").strip()
    if not new or not record.notes:
        return
    if new in record.notes:
        del data["notes"]
    else:
        data["notes"] = f"{record.notes.rstrip()}\n{new}"


def _career_change(actor, person: Person, company_id: int, post: dict) -> dict:
    """A row with another company, department or title is a new current career: the one it follows is ended
    yesterday and stays in 職歴. Returns what revert needs: the careers added and the ones ended."""
    post = {key: value for key, value in post.items() if value}
    jobs = list(person.employments.alive().current().order_by("-is_primary", "-id"))
    here = next((j for j in jobs if j.company_id == company_id), None)
    if here is not None and all(getattr(here, key) == value for key, value in post.items()):
        return {}
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    ended = []
    for job in [here] if here is not None else [j for j in jobs if j.is_primary]:
        if job.start_date and job.start_date >= today:  # begun today: corrected, not followed
            ended.append({"id": job.pk, "end_date": None, "is_primary": job.is_primary,
                          "department": job.department, "title": job.title, "in_place": True})  # fmt: skip
            contacts.update_employment(actor=actor, employment=job, data=post)
            return {"added": [], "ended": ended}
        ended.append({"id": job.pk, "end_date": job.end_date.isoformat() if job.end_date else None,
                      "is_primary": job.is_primary})  # fmt: skip
        contacts.update_employment(actor=actor, employment=job, data={"end_date": yesterday, "is_primary": False})
    added = contacts.add_employment(actor=actor, person=person, data={
        "company": company_id, "start_date": today, "is_primary": True,
        "department": post.get("department", here.department if here else ""),
        "title": post.get("title", here.title if here else ""),
    })  # fmt: skip
    return {"added": [added.pk], "ended": ended}


def _before(person_or_company, data: dict, *, points=None, tags=None) -> dict:
    """The values a row is about to change, as revert needs them. `points` and `tags`: what a batch has already
    read for this record (else they are read here)."""
    before = {}
    for key in data:
        if key in ("emails", "phones"):
            kind = "email" if key == "emails" else "phone"
            held = person_or_company.contact_points.filter(kind=kind) if points is None else [
                p for p in points if p.kind == kind]  # fmt: skip
            before[key] = [{"value": str(p), "label": p.label} for p in held]
        elif key == "tags":
            before[key] = list(person_or_company.tags.values_list("name", flat=True) if tags is None else tags)
        elif key == "custom":  # the keys the row sets, as they were (None: unset), so that a revert restores them
            before[key] = {k: (person_or_company.custom or {}).get(k) for k in data[key]}
        elif hasattr(person_or_company, key):
            value = getattr(person_or_company, key)
            before[key] = value.isoformat() if hasattr(value, "isoformat") else value
    if isinstance(person_or_company, Person):  # values kept unread are restored by revert too
        before["_unparsed"] = [[e.get("kind"), e.get("value")] for e in person_or_company.unparsed_values or []]
    return before


def _apply(actor, job: ImportJob, plan: RowPlan, cache: dict, summary: Summary) -> ImportRow:
    data = dict(plan.data)
    if plan.action == "skip":
        return ImportRow(job=job, row_number=plan.row_number, action=ImportRow.Action.SKIPPED)
    record_kind = data.pop("record_kind", "")
    if job.kind == "company" or record_kind == "company":
        kind = "company" if record_kind else ""
        if kind and plan.existing is None and (found := _company_found(actor, data["name"], cache)):
            # the company of a person card of the same file (a phone's export has both): filled, not repeated
            plan.action, plan.existing = "update", found
            plan.warnings += settle_conflicts(found, data, kind="company", file_wins=job.file_wins)
        if plan.action == "update":
            before = _before(plan.existing, data)
            contacts.update_company(actor=actor, company=plan.existing, data=data)
            return ImportRow(job=job, row_number=plan.row_number, action="updated", object_id=plan.existing.pk,
                             before=before, record_kind=kind)  # fmt: skip
        company = contacts.create_company(actor=actor, data=data)
        cache.setdefault(company.name_key, company.pk)
        return ImportRow(job=job, row_number=plan.row_number, action="created", object_id=company.pk,
                         record_kind=kind)  # fmt: skip
    company_id = _company_for(actor, data, cache)
    post = {key: data.pop(key, "") for key in ("department", "title")}
    if company_id and plan.action == "create":
        data |= post
    if plan.action == "update":
        person = plan.existing
        data |= _merged_points(person, data)
        _append_notes(person, data)
        before = _before(person, data)
        contacts.update_person(actor=actor, person=person, data=data)
        if company_id:
            before["_careers"] = _career_change(actor, person, company_id, post)
        return ImportRow(job=job, row_number=plan.row_number, action="updated", object_id=person.pk, before=before)
    if company_id:
        data["company"] = company_id
    person = contacts.create_person(actor=actor, data=data | {"visibility": "team"})
    if plan.duplicates:
        members = sorted({person.pk, *(d[2].id for d in plan.duplicates)})
        reasons = sorted({r for d in plan.duplicates for r in d[1]})
        DuplicateGroup.objects.create(kind="person", score=max(d[0] for d in plan.duplicates), reasons=reasons,
                                      member_ids=members, first_id=members[0])  # fmt: skip
    return ImportRow(job=job, row_number=plan.row_number, action="created", object_id=person.pk)


def _apply_one(actor, job, planner, plan, cache, summary: Summary, rows: list) -> None:
    if plan.deferred:  # the row it repeats is saved now: plan it again (it becomes an update)
        plan = planner.plan_many([(plan.row_number, plan.values)])[0]
    try:
        with transaction.atomic():
            rows.append(_apply(actor, job, plan, cache, summary))
    except ValidationFailed as exc:  # the service found what mapping could not: keep going
        for field_name, messages in exc.field_errors.items():
            for message in messages:
                _error(summary, plan.row_number, field_name, message)
        plan.action = "skip"
        rows.append(ImportRow(job=job, row_number=plan.row_number, action="skipped"))
    _count(summary, plan)
