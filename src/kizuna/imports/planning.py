"""What each row of an import would do, before anything is written: map the row, find the record it updates
(by external_id, e-mail or phone, among the records the importer can see, a whole batch per query), notice rows
repeating an earlier one of the file, and look for probable duplicates of existing people. Reads only."""

from dataclasses import dataclass, field

from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.models import Company, ContactPoint, Person
from kizuna.core import japanese

from . import mapping as mapping_module
from .models import ImportJob

DUPLICATE_SCORE = 0.9  # a probable duplicate of an existing record goes to the review queue


@dataclass
class RowPlan:
    row_number: int
    action: str  # create | update | skip
    data: dict
    errors: list = field(default_factory=list)  # [(field, message)]
    warnings: list = field(default_factory=list)
    existing: object = None
    duplicates: list = field(default_factory=list)  # [(score, reasons, facts)]
    values: list = field(default_factory=list, repr=False)
    deferred: bool = False  # repeats a row of the same batch that is not saved yet: planned again after it

    @property
    def label(self) -> str:
        d = self.data
        name = d.get("name") or f"{d.get('family_name', '')} {d.get('given_name', '')}".strip()
        return f"{name}（{d['company_name']}）" if d.get("company_name") else name


class Planner:
    """Plans the rows of one import job, a batch at a time; remembers the file's match keys between batches."""

    def __init__(self, actor, job: ImportJob):
        self.actor, self.job = actor, job
        self.mapping = {int(k): v for k, v in job.mapping.items()}
        self.seen: dict[str, int] = {}  # match key → first row in this file

    def _key(self, data: dict) -> str:
        if self.job.match_on == "email":
            emails = data.get("emails") or []
            return japanese.normalize_email(emails[0]["value"]) if emails else ""
        if self.job.match_on == "phone":
            phones = data.get("phones") or []
            return japanese.parse_phone(phones[0]["value"]).digits if phones else ""
        return data.get("external_id", "")

    def _existing_person(self, key: str):
        if not key:
            return None
        people = Person.objects.visible_to(self.actor)
        if self.job.match_on == "external_id":
            return people.filter(external_id=key).first()
        kind = "email" if self.job.match_on == "email" else "phone"
        owners = ContactPoint.objects.filter(kind=kind, normalized=key).values("person_id")
        return people.filter(pk__in=owners).order_by("pk").first()

    def _existing_company(self, data: dict):
        companies = Company.objects.visible_to(self.actor)
        if data.get("corporate_number"):
            return companies.filter(corporate_number=data["corporate_number"]).first()
        return companies.filter(name_key=japanese.company_key(data["name"]),
                                legal_form=japanese.legal_form(data["name"])).first()  # fmt: skip

    def _existing_people(self, keys: set) -> dict:
        """match key → the person the actor can see, for a whole batch in one query."""
        if not keys:
            return {}
        people = Person.objects.visible_to(self.actor)
        if self.job.match_on == "external_id":  # `!= ""` lets the planner use the partial unique index
            return {p.external_id: p for p in people.filter(external_id__in=keys).exclude(external_id="")}
        kind = "email" if self.job.match_on == "email" else "phone"
        owners = dict(ContactPoint.objects.filter(kind=kind, normalized__in=keys).order_by("-person_id")
                      .values_list("normalized", "person_id"))  # fmt: skip
        found = people.in_bulk(set(owners.values()))
        return {key: found[pk] for key, pk in owners.items() if pk in found}

    def plan_many(self, batch) -> list[RowPlan]:
        """Plans for [(row_number, values)], with the lookups and duplicate checks done for the whole batch."""
        plans = []
        required = mapping_module.REQUIRED[self.job.kind]
        for row_number, values in batch:
            data, errors, warnings = mapping_module.map_row(values, self.mapping, kind=self.job.kind)
            plan = RowPlan(row_number, "create", data, list(errors), list(warnings), values=values)
            if not data.get(required):
                plan.action = "skip"
            plans.append(plan)
        live = [p for p in plans if p.action != "skip"]
        if self.job.kind == "company":
            for plan in live:
                plan.existing = self._existing_company(plan.data)
                plan.action = "update" if plan.existing else "create"
            return plans
        keys = {id(p): self._key(p.data) for p in live}
        existing = self._existing_people({k for k in keys.values() if k})
        hidden = set()
        if self.job.match_on == "external_id":
            missing = {k for k in keys.values() if k and k not in existing}
            hidden = set(Person.objects.filter(external_id__in=missing).exclude(external_id="")
                         .values_list("external_id", flat=True))  # fmt: skip
        in_batch = set()
        for plan in live:
            key = keys[id(plan)]
            if key and key in self.seen:
                message = f"ファイル内の {self.seen[key]} 行目と同じ相手です（更新として扱います）。"
                plan.warnings.append((self.job.match_on, message))
                plan.deferred = key in in_batch and key not in existing  # its first row is not saved yet
            elif key:
                self.seen[key] = plan.row_number
                in_batch.add(key)
            if key in hidden:
                plan.action = "skip"
                plan.errors.append(("external_id", "この外部IDは、あなたが見られないレコードで使われています。"))
            elif key in existing:
                plan.action, plan.existing = "update", existing[key]
        creates = [p for p in live if p.action == "create" and not p.deferred]
        names = {japanese.company_key(p.data["company_name"]) for p in creates if p.data.get("company_name")}
        companies = {c.name_key: c for c in Company.objects.visible_to(self.actor).filter(name_key__in=names)}
        items = [(p.data, companies.get(japanese.company_key(p.data.get("company_name") or "-"))) for p in creates]
        for plan, found in zip(creates, dedup.people_duplicates_many(self.actor, items, min_score=DUPLICATE_SCORE),
                               strict=True):  # fmt: skip
            plan.duplicates = found
            if found:
                names = "、".join(f"{d[2].label} (#{d[2].id})" for d in found[:3])
                message = f"既存の {names} と重複している可能性があります（確認キューに入ります）。"
                plan.warnings.append(("family_name", message))
        return plans
