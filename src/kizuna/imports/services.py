"""Imports: upload → mapping → dry run → run (background, resumable) → revert.

Rows go through the same contacts services as a person typing them in (validation, normalization, search
index, audit). Upsert matches on external_id, e-mail or phone as the user chose; a fuzzy match never merges
anything: the row is created and the pair goes to the duplicate review queue.
"""

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Company, DuplicateGroup, Employment, Person
from kizuna.contacts.services.bulk import bulk_create_companies, bulk_create_people, contact_point
from kizuna.core import audit, japanese
from kizuna.core.exceptions import DomainError, NotFound, PermissionDenied, ValidationFailed
from kizuna.core.permissions import Visibility, is_admin
from kizuna.core.services import require_writer

from . import mapping as mapping_module
from . import readers
from .models import ImportJob, ImportRow, MappingTemplate
from .planning import SINGLE_VALUES, Planner, RowPlan, settle_conflicts
from .tasks import run_import

MATCH_KEYS = ("external_id", "email", "phone")
MAX_ERRORS = 1000
BATCH = 500  # rows per transaction of a run (a crash keeps every finished batch)
_OUTCOMES = {"create": "created", "update": "updated", "skip": "skipped"}


@dataclass
class Summary:
    encoding: str | None
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)  # [{"row", "field", "message"}]
    warnings: int = 0
    notices: list = field(default_factory=list)  # what the reader says about the whole file (its encoding, ...)
    preview: list = field(default_factory=list)  # the first RowPlans, for the wizard

    def as_json(self) -> dict:
        return {"encoding": self.encoding, "rows": self.rows, "created": self.created, "updated": self.updated,
                "skipped": self.skipped, "errors": self.errors[:MAX_ERRORS], "notices": self.notices}  # fmt: skip


def _storage() -> Path:
    path = settings.DATA_DIR / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_error(exc: readers.ReadError) -> ValidationFailed:
    return ValidationFailed(exc.message, field_errors={"file": [exc.message]})


def open_table(job: ImportJob):
    return readers.read_table(
        job.path, filename=job.filename, encoding=job.encoding or "auto", sheet=job.sheet or None,
        max_bytes=settings.KIZUNA_IMPORT_MAX_BYTES, header_row=job.header_row,
    )  # fmt: skip


def upload(*, actor, file, filename: str, kind: str = "person", encoding: str = "auto", sheet: str = "",
           match_on: str = "external_id") -> ImportJob:  # fmt: skip
    """Keep the file (outside the static root), read its header, guess the mapping. Nothing is imported yet."""
    if kind not in ImportJob.Kind.values:
        raise ValidationFailed(field_errors={"kind": ["種類は person か company です。"]})
    require_writer(actor, kind, "import")
    if match_on not in MATCH_KEYS:
        raise ValidationFailed(field_errors={"match_on": ["照合キーは external_id / email / phone のいずれかです。"]})
    size = getattr(file, "size", None)
    limit = settings.KIZUNA_IMPORT_MAX_BYTES
    if size is not None and size > limit:
        message = f"ファイルが大きすぎます（{size / 1024 / 1024:.0f} MB）。上限は {limit // 1024 // 1024} MB です。"
        raise ValidationFailed(message, field_errors={"file": [message]})
    target = _storage() / f"{uuid.uuid4().hex}{Path(filename).suffix.lower()[:10]}"
    with open(target, "wb") as out:
        chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b"")
        for chunk in chunks:
            out.write(chunk)
    job = ImportJob(kind=kind, filename=Path(filename).name[:255], path=str(target), size=target.stat().st_size,
                    encoding=encoding, sheet=sheet, match_on=match_on, created_by=actor)  # fmt: skip
    try:
        with open_table(job) as table:
            headers = table.headers
            job.encoding = table.encoding or encoding
            job.header_row = table.header_row
    except readers.ReadError as exc:
        target.unlink(missing_ok=True)
        raise _read_error(exc) from None
    job.mapping = {str(i): f for i, f in mapping_module.auto_map(headers, kind=kind).items()}
    template = _best_template(kind, headers)
    if template is not None:
        job.mapping = _template_mapping(template, headers)
        job.message = f"テンプレート「{template.name}」の列の対応を使いました。"
    job.save()
    audit.record(actor=actor, action="import.upload", obj=job, changes={"file": [None, job.filename]})
    return job


def _template_mapping(template: MappingTemplate, headers: list[str]) -> dict:
    keys = [mapping_module.header_key(h) for h in headers]
    return {str(i): template.columns[k] for i, k in enumerate(keys) if template.columns.get(k)}


def _best_template(kind: str, headers: list[str]):
    """The saved template that knows most of these headers (at least half of them), if any."""
    keys = {mapping_module.header_key(h) for h in headers if h}
    best, best_share = None, 0.5
    for template in MappingTemplate.objects.filter(kind=kind)[:200]:
        share = len(keys & template.columns.keys()) / max(len(keys), 1)
        if share >= best_share:
            best, best_share = template, share
    return best


def save_template(*, actor, job: ImportJob, name: str) -> MappingTemplate:
    """Keep this job's column mapping under a name; the next file with these headers gets it."""
    _require_owner(actor, job)
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationFailed(field_errors={"template": ["テンプレートの名前を入力してください。"]})
    with open_table(job) as table:
        headers = table.headers
    columns = {mapping_module.header_key(headers[int(i)]): field for i, field in job.mapping.items()
               if int(i) < len(headers)}  # fmt: skip
    template, _ = MappingTemplate.objects.update_or_create(
        kind=job.kind, name=name, defaults={"columns": columns, "created_by": actor}
    )
    audit.record(actor=actor, action="import.template", obj=template, changes={"columns": [None, columns]})
    return template


def set_mapping(*, actor, job: ImportJob, mapping: dict, encoding: str | None = None, match_on: str | None = None,
                sheet: str | None = None, header_row: int | None = None, file_wins=None):  # fmt: skip
    """The user's column mapping (and encoding, match key). Another sheet, or another header row, has its own
    headers: they are read and mapped afresh, and `mapping` is not used."""
    _require_owner(actor, job)
    if file_wins is not None:
        allowed = set(SINGLE_VALUES[job.kind])
        unknown = [f for f in file_wins if f not in allowed]
        if unknown:
            message = f"「ファイルを優先」にできない項目です: {'、'.join(map(str, unknown))}"
            raise ValidationFailed(message, field_errors={"file_wins": [message]})
        job.file_wins = sorted(set(file_wins))
    new_sheet = bool(sheet) and sheet != job.sheet
    if header_row is not None and (header_row < 1 or header_row > readers.base.MAX_ROWS):
        raise ValidationFailed(field_errors={"header_row": ["見出し行は1以上の行番号で指定してください。"]})
    if new_sheet or (header_row is not None and header_row != (job.header_row or 1)):
        job.sheet = sheet if new_sheet else job.sheet
        job.header_row = header_row if header_row is not None else None
        try:
            with open_table(job) as table:
                job.header_row = table.header_row
                job.mapping = {str(i): f for i, f in mapping_module.auto_map(table.headers, kind=job.kind).items()}
        except readers.ReadError as exc:
            raise ValidationFailed(exc.message, field_errors={"header_row" if not new_sheet else "sheet": [
                exc.message]}) from None  # fmt: skip
        job.save(update_fields=["sheet", "header_row", "mapping", "file_wins"])
        return
    cleaned = {int(k): v for k, v in mapping.items() if v}
    problems = mapping_module.validate_mapping(cleaned, kind=job.kind)
    if problems:
        raise ValidationFailed(problems[0], field_errors={"mapping": problems})
    job.mapping = {str(k): v for k, v in cleaned.items()}
    if encoding:
        job.encoding = encoding
    if match_on in MATCH_KEYS:
        job.match_on = match_on
    job.save(update_fields=["mapping", "encoding", "match_on", "file_wins"])


def _owns(user, job: ImportJob) -> bool:
    """An import is its uploader's (and any admin's): it holds the whole file."""
    return job.created_by_id == user.pk or is_admin(user)


def _require_owner(actor, job: ImportJob) -> None:
    if not _owns(actor, job):
        raise PermissionDenied()


def job_for(user, pk) -> ImportJob:
    """The job for its owner; anyone else gets the same 404 as for a job that does not exist."""
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None or not _owns(user, job):
        raise NotFound()
    return job


# --- planning (shared by the dry run and the real run) ---------------------------------------------
def _rows(job: ImportJob, notices: list | None = None, headers: list | None = None):
    """(row number, values or RowIssue) in file order: a row the reader refused comes where it was."""
    try:
        with open_table(job) as table:
            if headers is not None:
                headers[:] = table.headers
            reported = 0
            for row_number, values in table.rows:
                while reported < len(table.row_errors):
                    issue = table.row_errors[reported]
                    reported += 1
                    yield issue.row_number, issue
                yield row_number, values
            for issue in table.row_errors[reported:]:
                yield issue.row_number, issue
            if notices is not None:
                notices.extend(table.warnings)
    except readers.ReadError as exc:
        raise _read_error(exc) from None


def _error(summary: Summary, row: int, field_name: str, message: str) -> None:
    if len(summary.errors) < MAX_ERRORS:
        summary.errors.append({"row": row, "field": field_name, "message": message})


def _masked_notices(summary: Summary, plan: RowPlan) -> None:
    for field_name, message in plan.warnings:
        if field_name == mapping_module.MASKED and message not in summary.notices:
            summary.notices.append(message)


def _tally(summary: Summary, plan: RowPlan) -> None:
    summary.rows += 1
    for field_name, message in plan.errors:
        _error(summary, plan.row_number, field_name, message)
    _masked_notices(summary, plan)
    summary.warnings += len(plan.warnings)
    summary.duplicates += bool(plan.duplicates)
    if plan.action == "create":
        summary.created += 1
    elif plan.action == "update":
        summary.updated += 1
    else:
        summary.skipped += 1


def dry_run(*, actor, job: ImportJob, preview: int = 50) -> Summary:
    """Every row is read, mapped, matched and checked; nothing is written."""
    _require_owner(actor, job)
    summary = Summary(encoding=job.encoding)
    headers: list = []
    rows = _rows(job, summary.notices, headers)
    first = next(rows, None)  # the header is read with the first row
    planner = Planner(actor, job, headers)
    batch: list = []

    def flush():
        for row_number, values in batch:
            if isinstance(values, readers.RowIssue):
                summary.rows += 1
                summary.skipped += 1
                _error(summary, row_number, "", values.message)
        for plan in planner.plan_many([(n, v) for n, v in batch if not isinstance(v, readers.RowIssue)]):
            _tally(summary, plan)
            if len(summary.preview) < preview:
                summary.preview.append(plan)
        batch.clear()

    for row_number, values in chain([first] if first else [], rows):
        batch.append((row_number, values))  # batched as the run batches, so both plan alike
        if len(batch) >= BATCH:
            flush()
    flush()
    return summary


CHECK_TTL = 600  # seconds a stored dry run stands for the wizard before the file is checked again


def _check_key(job: ImportJob) -> str:
    return json.dumps([job.mapping, job.encoding, job.match_on, job.sheet, job.header_row, job.file_wins],
                      sort_keys=True)  # fmt: skip


def checked(*, actor, job: ImportJob, preview: int = 50) -> dict:
    """The wizard's dry run: stored on the job, so showing the page again does not read the whole file again
    unless the mapping, encoding, match key or sheet changed (or ten minutes passed)."""
    stored = job.checked or {}
    if stored.get("key") == _check_key(job) and time.time() - stored.get("at", 0) < CHECK_TTL:
        return stored["summary"]
    summary = dry_run(actor=actor, job=job, preview=preview)
    result = summary.as_json() | {
        "duplicates": summary.duplicates,
        "preview": [{"row_number": p.row_number, "action": p.action, "unchanged": p.unchanged, "label": p.label,
                     "errors": p.errors,
                     "warnings": p.warnings} for p in summary.preview],
    }  # fmt: skip
    job.checked = {"key": _check_key(job), "at": time.time(), "summary": result}
    job.save(update_fields=["checked"])
    return result


# --- the real run -----------------------------------------------------------------------------------
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


def _undo_careers(actor, change: dict) -> None:
    for pk in change.get("added", []):
        if job := Employment.objects.alive().filter(pk=pk).first():
            contacts.delete_employment(actor=actor, employment=job)
    for old in change.get("ended", []):
        if job := Employment.objects.alive().filter(pk=old["id"]).first():
            data = {"end_date": old["end_date"], "is_primary": old["is_primary"]}
            if old.get("in_place"):
                data |= {"department": old["department"], "title": old["title"]}
            contacts.update_employment(actor=actor, employment=job, data=data)


def _before(person_or_company, data: dict) -> dict:
    before = {}
    for key in data:
        if key in ("emails", "phones"):
            kind = "email" if key == "emails" else "phone"
            before[key] = [{"value": str(p), "label": p.label}
                           for p in person_or_company.contact_points.filter(kind=kind)]  # fmt: skip
        elif key == "tags":
            before[key] = list(person_or_company.tags.values_list("name", flat=True))
        elif key == "custom":  # the keys the row sets, as they were (None: unset), so that a revert restores them
            before[key] = {k: (person_or_company.custom or {}).get(k) for k in data[key]}
        elif hasattr(person_or_company, key):
            value = getattr(person_or_company, key)
            before[key] = value.isoformat() if hasattr(value, "isoformat") else value
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
        before["_unparsed"] = [[e.get("kind"), e.get("value")] for e in person.unparsed_values or []]
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


def start(*, actor, job: ImportJob) -> ImportJob:
    """Queue the import (or its resumption after a failure) for the worker, once: the page, the API and scripts
    start it here, and the audit log says who did."""
    _require_owner(actor, job)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportJob.Status.RUNNING:
            raise ValidationFailed("このインポートは実行中です。終わるまでお待ちください。")
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.REVERTED):
            raise ValidationFailed("このインポートはすでに終わっています。")
        resumed = job.status == ImportJob.Status.FAILED
        job.status, job.message = ImportJob.Status.RUNNING, ""
        job.save(update_fields=["status", "message"])
        audit.record(actor=actor, action="import.start", obj=job,
                     changes={"status": ["failed" if resumed else "pending", "running"]})  # fmt: skip
        transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def run(job_id: int) -> Summary:
    """Import the rows after `job.position`. A crash leaves every finished batch in place; running the job
    again continues with the next row and never applies a row twice."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    actor = job.created_by
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.REVERTED):
        raise ValidationFailed("このインポートはすでに終わっています。")
    job.status, job.started_at = ImportJob.Status.RUNNING, job.started_at or timezone.now()
    job.save(update_fields=["status", "started_at"])
    summary = Summary(encoding=job.encoding, errors=list(job.errors))
    for key in ("created", "updated", "skipped", "duplicates"):
        setattr(summary, key, job.counts.get(key, 0))
    cache: dict = {}
    batch: list = []
    try:
        headers: list = []
        rows = _rows(job, summary.notices, headers)
        first = next(rows, None)
        planner = Planner(actor, job, headers)
        for row_number, values in chain([first] if first else [], rows):
            if row_number <= job.position:  # done before a crash or a stop
                continue
            batch.append((row_number, values))
            if len(batch) >= BATCH:
                _commit(actor, job, planner, batch, cache, summary)
                batch = []
        if batch:
            _commit(actor, job, planner, batch, cache, summary)
    except DomainError as exc:
        job.status, job.message = ImportJob.Status.FAILED, exc.message
        job.save(update_fields=["status", "message"])
        raise
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.total_rows = max(job.total_rows, job.position)
    job.save(update_fields=["status", "finished_at", "total_rows"])
    audit.record(actor=actor, action="import.run", obj=job, changes={"counts": [None, job.counts]})
    summary.rows = summary.created + summary.updated + summary.skipped
    return summary


_DEFAULT_LABEL = {"email": "work", "phone": "office"}
_LIMITS = {"family_name": 50, "given_name": 50, "family_name_kana": 50, "given_name_kana": 50, "external_id": 100,
           "city": 100, "street": 200, "notes": 10000, "department": 100, "title": 100}  # fmt: skip


def _bulkable(plan: RowPlan) -> bool:
    """A clean new person goes through the bulk path; anything unusual through the person service, which
    validates and explains."""
    data = plan.data
    return (plan.action == "create" and not plan.duplicates and not plan.deferred and not data.get("tags")
            and not data.get("record_kind") and not data.get("custom")
            and all(len(str(data.get(k) or "")) <= n for k, n in _LIMITS.items()))  # fmt: skip


def _resolve_companies(actor, plans: list[RowPlan], cache: dict) -> None:
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
    for company in bulk_create_companies(actor=actor, companies=new) if new else []:
        cache[company.name_key] = company.pk
        cache.setdefault("_created", []).append(company.pk)


def _bulk_create(actor, job: ImportJob, plans: list[RowPlan], cache: dict) -> list[ImportRow]:
    """New people of a batch in a few statements: the same normalization, search index and audit (one row
    for the batch) as the services' bulk path used by demo data."""
    people, points, jobs = [], {}, {}
    _resolve_companies(actor, plans, cache)
    for i, plan in enumerate(plans):
        data = dict(plan.data)
        company_id = _company_for(actor, data, cache)
        birthday = data.get("birthday")
        people.append(Person(
            family_name=data["family_name"], given_name=data.get("given_name", ""),
            family_name_kana=data.get("family_name_kana", ""), given_name_kana=data.get("given_name_kana", ""),
            external_id=data.get("external_id", ""), postcode=data.get("postcode", ""),
            prefecture=data.get("prefecture", ""), city=data.get("city", ""), street=data.get("street", ""),
            birthday=date.fromisoformat(birthday) if birthday else None, notes=data.get("notes", ""),
            owner=actor, team=actor.team, visibility=Visibility.TEAM, company_id=company_id,
        ))  # fmt: skip
        entries = [("email", e) for e in data.get("emails", [])] + [("phone", e) for e in data.get("phones", [])]
        points[i] = [
            contact_point(kind, e["value"], e.get("label") or _DEFAULT_LABEL[kind], n, extension=e.get("extension", ""))
            for n, (kind, e) in enumerate(entries)
        ]
        if company_id:
            jobs[i] = [Employment(company_id=company_id, department=data.get("department", ""),
                                  title=data.get("title", ""), is_primary=True)]  # fmt: skip
    created = bulk_create_people(actor=actor, people=people, points=points, employments=jobs)
    return [ImportRow(job=job, row_number=plan.row_number, action="created", object_id=person.pk)
            for plan, person in zip(plans, created, strict=True)]  # fmt: skip


def _count(summary: Summary, plan: RowPlan) -> None:
    for field_name, message in plan.errors:
        _error(summary, plan.row_number, field_name, message)
    _masked_notices(summary, plan)
    summary.duplicates += bool(plan.duplicates) and plan.action == "create"
    outcome = _OUTCOMES.get(plan.action, "skipped")
    setattr(summary, outcome, getattr(summary, outcome) + 1)


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


def _commit(actor, job, planner, batch, cache, summary: Summary) -> None:
    with transaction.atomic():
        rows = [ImportRow(job=job, row_number=n, action="skipped") for n, v in batch if isinstance(v, readers.RowIssue)]
        for n, v in batch:
            if isinstance(v, readers.RowIssue):
                _error(summary, n, "", v.message)
                summary.skipped += 1
        plans = planner.plan_many([(n, v) for n, v in batch if not isinstance(v, readers.RowIssue)])
        # a person import's company rows first: the people of the batch then find their company
        companies = [p for p in plans if p.data.get("record_kind")]
        for plan in companies:
            _apply_one(actor, job, planner, plan, cache, summary, rows)
        bulk = [p for p in plans if job.kind == "person" and _bulkable(p)]
        rows += _bulk_create(actor, job, bulk, cache) if bulk else []
        for plan in bulk:
            _count(summary, plan)
        done = {id(p) for p in bulk + companies}  # by identity: dataclass equality would compare every field
        for plan in (p for p in plans if id(p) not in done):
            _apply_one(actor, job, planner, plan, cache, summary, rows)
        ImportRow.objects.bulk_create(rows, batch_size=1000)
        job.position = batch[-1][0]
        job.created_companies = [*job.created_companies, *cache.pop("_created", [])]
        job.counts = {"created": summary.created, "updated": summary.updated, "skipped": summary.skipped,
                      "duplicates": summary.duplicates}  # fmt: skip
        job.errors = summary.errors[:MAX_ERRORS]
        job.save(update_fields=["position", "counts", "errors", "created_companies"])


def _remove_created_companies(actor, job: ImportJob) -> int:
    """The companies registered for the import's people go too, unless someone has linked them since."""
    removed = 0
    for company in Company.objects.alive().filter(pk__in=job.created_companies):
        in_use = (Person.objects.alive().filter(company=company).exists()
                  or Employment.objects.alive().filter(company=company, person__deleted_at__isnull=True).exists()
                  or company.subsidiaries.alive().exists())  # fmt: skip
        if not in_use:
            contacts.delete_company(actor=actor, company=company)
            removed += 1
    return removed


def revert(*, actor, job: ImportJob) -> int:
    """Undo a whole import: created records go to the trash, updated ones get their old values back."""
    _require_owner(actor, job)
    job.refresh_from_db()  # what the run recorded, which may have been another process
    if job.status == ImportJob.Status.REVERTED:
        raise ValidationFailed("このインポートはすでに取り消されています。")
    undone = 0
    with transaction.atomic():
        for row in job.rows.exclude(action="skipped").order_by("-row_number"):
            person = job.kind == "person" and row.record_kind != "company"
            obj = (Person if person else Company).objects.filter(pk=row.object_id).first()
            if obj is None or obj.deleted_at:
                continue
            if row.action == "created" and person:
                contacts.delete_person(actor=actor, person=obj)
            elif row.action == "created":
                contacts.delete_company(actor=actor, company=obj)
            else:
                data = dict(row.before)
                if careers := data.pop("_careers", {}):
                    _undo_careers(actor, careers)
                    obj.refresh_from_db()  # the careers moved the person's company
                kept = data.pop("_unparsed", None)
                (contacts.update_person(actor=actor, person=obj, data=data) if person
                 else contacts.update_company(actor=actor, company=obj, data=data))  # fmt: skip
                if kept is not None:  # the values the row left unread leave the 要確認 list again
                    for entry in list(obj.unparsed_values or []):
                        if [entry.get("kind"), entry.get("value")] not in kept:
                            contacts.resolve_unparsed_value(actor=actor, person=obj, kind=entry["kind"],
                                                            value=entry["value"])  # fmt: skip
            undone += 1
        undone += _remove_created_companies(actor, job)
        job.status, job.reverted_at = ImportJob.Status.REVERTED, timezone.now()
        job.save(update_fields=["status", "reverted_at"])
        audit.record(actor=actor, action="import.revert", obj=job, changes={"rows": [None, undone]})
    return undone
