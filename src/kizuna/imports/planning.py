"""What each row of an import would do, before anything is written: map the row, find the record it updates
(by external_id, e-mail or phone, among the records the importer can see, a whole batch per query), notice rows
repeating an earlier one of the file, and look for probable duplicates of existing people. Reads only."""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.models import Company, ContactPoint, Employment, Person
from kizuna.core import japanese

from . import mapping as mapping_module
from .models import ImportJob

DUPLICATE_SCORE = 0.9  # a probable duplicate of an existing record goes to the review queue
# Single values an update may not overwrite unless the user chose "file wins" for them: the file's value is
# taken only where the record has none. The address is one value (its parts go together).
SINGLE_VALUES = {
    "person": ("family_name", "given_name", "family_name_kana", "given_name_kana", "birthday", "address"),
    "company": ("name_kana", "corporate_number", "industry", "website", "phone", "address"),
}
ADDRESS = ("postcode", "prefecture", "city", "street")
CONFLICT_LABELS = {"address": "住所", "birthday": "生年月日", **mapping_module.FIELD_LABELS}


def _same(kept, given) -> bool:
    folded = [japanese.collapse_spaces(japanese.nfkc(str(v or ""))) for v in (kept, given)]
    return folded[0] == folded[1] or (folded[0].replace(" ", "") == folded[1].replace(" ", ""))


def settle_conflicts(record, data: dict, *, kind: str, file_wins=()) -> list[tuple[str, str]]:
    """Take out of `data` the single values that would overwrite a different value of `record`, unless the
    user let the file win for that field; return them as (field, Japanese message) for the dry run."""
    conflicts = []
    for name in SINGLE_VALUES[kind]:
        keys = ADDRESS if name == "address" else (name,)
        given = {key: data[key] for key in keys if data.get(key)}
        if not given:
            continue
        kept = {key: getattr(record, key) for key in keys}
        kept = {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in kept.items()}
        if not any(kept.values()) or all(_same(kept[key], value) for key, value in given.items()):
            continue
        if name in file_wins:
            for key in keys:  # the whole address from the file, not a mix of two
                data.setdefault(key, "")
            continue
        for key in keys:
            data.pop(key, None)
        shown = " ".join(str(v) for v in kept.values() if v)
        written = " ".join(map(str, given.values()))
        message = _(
            "%(field)sがファイル（%(written)s）と登録済み（%(shown)s）で違います。"
            "登録済みの値を残します（ファイルの値にするには、列の対応で「ファイルを優先」を選んでください）。"
        ) % {"field": CONFLICT_LABELS.get(name, name), "written": written, "shown": shown}
        conflicts.append((name, message))
    return conflicts


_PERSON_VALUES = ("family_name", "given_name", "family_name_kana", "given_name_kana", "external_id", "birthday",
                  *ADDRESS)  # fmt: skip


def _point_key(kind: str, value: str) -> str:
    return japanese.normalize_email(value) if kind == "email" else japanese.parse_phone(value).digits


def changes_nothing(person: Person, data: dict) -> bool:
    """True when updating `person` with the row's data would change nothing (the app's own export read back)."""
    for key in _PERSON_VALUES:
        if data.get(key) and not _same(getattr(person, key) if key != "birthday" else (
                person.birthday.isoformat() if person.birthday else ""), data[key]):  # fmt: skip
            return False
    if data.get("notes") and data["notes"].strip() not in (person.notes or ""):
        return False
    if data.get("custom"):  # custom fields' cells are typed by the service: taken as a change
        return False
    if set(data.get("tags") or ()) - {tag.name for tag in person.tags.all()}:
        return False
    have = {(p.kind, p.normalized) for p in person.contact_points.all()}
    have |= {(e.get("kind"), str(e.get("value"))) for e in person.unparsed_values or []}
    for kind, key in (("email", "emails"), ("phone", "phones")):
        for entry in data.get(key) or ():
            value = str(entry["value"])
            if (kind, _point_key(kind, value)) not in have and (kind, value) not in have:
                return False
    if name := data.get("company_name"):
        jobs = getattr(person, "current_jobs", None)  # read for the whole batch by the planner
        if jobs is None:
            jobs = person.employments.alive().current().select_related("company")
        job = next((j for j in jobs if japanese.company_key(j.company.name) == japanese.company_key(name)), None)
        if job is None or any(data.get(k) and not _same(getattr(job, k), data[k]) for k in ("department", "title")):
            return False
    return True


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
    unchanged: bool = False  # matches a record that already holds every value of the row

    @property
    def label(self) -> str:
        d = self.data
        name = d.get("name") or f"{d.get('family_name', '')} {d.get('given_name', '')}".strip()
        return f"{name}（{d['company_name']}）" if d.get("company_name") else name


class Planner:
    """Plans the rows of one import job, a batch at a time; remembers the file's match keys between batches."""

    def __init__(self, actor, job: ImportJob, headers: list[str] | None = None):
        self.actor, self.job, self.headers = actor, job, headers
        self.file_wins = set(job.file_wins or ())
        self.company_keys: set[str] = set()  # the companies of earlier batches' people (registered by then)
        self.mapping = {int(k): v for k, v in job.mapping.items()}
        self.seen: dict[str, int] = {}  # match key → first row in this file

    def key_of(self, data: dict) -> str:
        """The row's match key (external id, first e-mail or first phone, as the job matches)."""
        return self._key(data)

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
        people = Person.objects.visible_to(self.actor).prefetch_related(
            "tags", "contact_points",
            Prefetch("employments", Employment.objects.alive().current().select_related("company"), "current_jobs"),
        )  # what `changes_nothing` reads, for the whole batch  # fmt: skip
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
            data, errors, warnings = mapping_module.map_row(values, self.mapping, kind=self.job.kind,
                                                            headers=self.headers)  # fmt: skip
            plan = RowPlan(row_number, "create", data, list(errors), list(warnings), values=values)
            if not data.get(mapping_module.REQUIRED["company"] if data.get("record_kind") else required):
                plan.action = "skip"
            plans.append(plan)
        companies = [p for p in plans if p.action != "skip" and (self.job.kind == "company" or
                                                                  p.data.get("record_kind"))]  # fmt: skip
        live = [p for p in plans if p.action != "skip" and not p.data.get("record_kind")]
        if companies:
            for plan in companies:
                plan.existing = self._existing_company(plan.data)
                plan.action = "update" if plan.existing else "create"
                if plan.existing:
                    plan.warnings += settle_conflicts(plan.existing, plan.data, kind="company",
                                                      file_wins=self.file_wins)  # fmt: skip
                elif self.job.kind == "person" and japanese.company_key(plan.data["name"]) in self.company_keys:
                    plan.action = "update"  # the company an earlier person row of the file registers
        if self.job.kind == "company":
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
                message = _("ファイル内の %(row)s 行目と同じ相手です（更新として扱います）。") % {"row": self.seen[key]}
                plan.warnings.append((self.job.match_on, message))
                plan.deferred = key in in_batch and key not in existing  # its first row is not saved yet
            elif key:
                self.seen[key] = plan.row_number
                in_batch.add(key)
            if key in hidden:
                plan.action = "skip"
                plan.errors.append(("external_id", _("この外部IDは、あなたが見られないレコードで使われています。")))
            elif key in existing:
                plan.action, plan.existing = "update", existing[key]
                plan.warnings += settle_conflicts(plan.existing, plan.data, kind="person", file_wins=self.file_wins)
                if changes_nothing(plan.existing, plan.data):
                    plan.action, plan.unchanged = "skip", True
        self.company_keys |= {japanese.company_key(p.data["company_name"]) for p in live if p.data.get("company_name")}
        creates = [p for p in live if p.action == "create" and not p.deferred]
        names = {japanese.company_key(p.data["company_name"]) for p in creates if p.data.get("company_name")}
        companies = {c.name_key: c for c in Company.objects.visible_to(self.actor).filter(name_key__in=names)}
        items = [(p.data, companies.get(japanese.company_key(p.data.get("company_name") or "-"))) for p in creates]
        for plan, found in zip(creates, dedup.people_duplicates_many(self.actor, items, min_score=DUPLICATE_SCORE),
                               strict=True):  # fmt: skip
            plan.duplicates = found
            if found:
                names = "、".join(f"{d[2].label} (#{d[2].id})" for d in found[:3])
                message = _("既存の %(names)s と重複している可能性があります（確認キューに入ります）。") % {
                    "names": names
                }
                plan.warnings.append(("family_name", message))
        return plans
