"""Reading people and companies into the small records the matcher compares, in batches, and how many
records of the database share a value (the frequencies a pair judged outside the full scan is weighed by)."""

from collections import Counter

from django.db.models import Count

from kizuna.core import japanese

from ..models import Company, ContactPoint, Employment, Person
from .linkage import Frequencies
from .matching import CompanyFacts, PersonFacts, personal_emails, workplace_key

_PERSON_COLUMNS = (
    "id", "external_id", "family_name", "given_name", "name_search", "kana_search",
    "company__name", "company__name_key", "company__legal_form", "postcode", "city", "street", "birthday",
)  # fmt: skip


OFFICE = ContactPoint.Label.OFFICE
MOBILE_PREFIXES = ("070", "080", "090")


def _postcode(value: str) -> str:
    return "".join(ch for ch in japanese.nfkc(value) if ch.isdigit())


def _iso(day) -> str:
    """A date or the ISO text a form sent, as ISO text."""
    return day.isoformat() if hasattr(day, "isoformat") else str(day or "")


def _person(row) -> PersonFacts:
    pk, external_id, family, given, name, reading, company_name, company_key, form, postcode, city, street, day = row
    label = f"{family} {given}".strip() + (f"（{company_name}）" if company_name else "")
    return PersonFacts(
        id=pk, label=label, external_id=external_id, name=name, reading=reading, company=company_key or "",
        company_form=form or "", postcode=_postcode(postcode), address=_address(city, street), birthday=_iso(day),
    )  # fmt: skip


def _address(city: str, street: str) -> str:
    return japanese.search_text(f"{city or ''}{street or ''}")


def _add_departments(facts: dict[int, PersonFacts], ids) -> None:
    """The department of each person's current post at their current company."""
    jobs = Employment.objects.current().filter(person_id__in=ids).exclude(department="")
    # The primary post wins over a concurrent one (兼務), the newest over an older one: the last row is kept.
    for person_id, department in jobs.order_by("is_primary", "id").values_list("person_id", "department"):
        facts[person_id].department = japanese.search_text(department)


def _add_points(facts: dict[int, PersonFacts], ids) -> None:
    points = ContactPoint.objects.filter(person_id__in=ids).values_list("person_id", "kind", "label", "normalized")
    for person_id, kind, label, normalized in points.iterator(chunk_size=5000):
        p = facts[person_id]
        if kind == ContactPoint.Kind.EMAIL:
            p.emails.add(normalized)
        elif label == ContactPoint.Label.MOBILE or (label != OFFICE and normalized.startswith(MOBILE_PREFIXES)):
            p.mobiles.add(normalized)
        elif label != ContactPoint.Label.FAX:
            p.phones.add(normalized)  # an office line, even a 090 one, is shared by the people there
    for p in facts.values():  # frozen: the empty ones share one object (memory at a million people)
        p.mobiles, p.phones, p.emails = frozenset(p.mobiles), frozenset(p.phones), frozenset(p.emails)


def people_facts(queryset=None, *, batch: int = 20000, progress=None):
    """PersonFacts for every live person of `queryset`, streamed in id order (memory: one batch of rows)."""
    qs = (queryset if queryset is not None else Person.objects.alive()).order_by("pk")
    last, done = 0, 0
    while True:
        rows = list(qs.filter(pk__gt=last).values_list(*_PERSON_COLUMNS)[:batch])
        if not rows:
            return
        facts = {row[0]: _person(row) for row in rows}
        _add_points(facts, list(facts))
        _add_departments(facts, list(facts))
        yield from facts.values()
        last = rows[-1][0]
        done += len(rows)
        if progress:
            progress(done)


def person_facts_from_data(data: dict, *, company: Company | None = None) -> PersonFacts:
    """Facts of a person not saved yet (a form or API body), for the warning shown before saving."""
    family = japanese.strip_honorific(str(data.get("family_name") or ""))
    given = japanese.strip_honorific(str(data.get("given_name") or ""))
    facts = PersonFacts(
        id=0,
        name=japanese.search_text(family + given),
        reading=japanese.reading_key(str(data.get("family_name_kana") or "") + str(data.get("given_name_kana") or "")),
        company=company.name_key if company else "",
        company_form=company.legal_form if company else "",
        department=japanese.search_text(str(data.get("department") or "")),
        postcode=_postcode(str(data.get("postcode") or "")),
        address=_address(str(data.get("city") or ""), str(data.get("street") or "")),
        birthday=_iso(data.get("birthday")),
    )  # fmt: skip
    for entry in data.get("emails") or []:
        value = entry.get("value") if isinstance(entry, dict) else entry
        if value and japanese.is_valid_email(str(value)):
            facts.emails.add(japanese.normalize_email(str(value)))
    for entry in data.get("phones") or []:
        value = entry.get("value") if isinstance(entry, dict) else entry
        phone = japanese.parse_phone(str(value or ""))
        label = entry.get("label") if isinstance(entry, dict) else None
        if phone.valid:
            mobile = label == "mobile" or (label != OFFICE and phone.is_mobile)
            (facts.mobiles if mobile else facts.phones).add(phone.digits)
    return facts


def _company(row) -> CompanyFacts:
    pk, name, key, legal, kana, number, phone, postcode, prefecture = row
    return CompanyFacts(
        id=pk, label=name, key=key, legal_form=legal, reading=japanese.reading_key(kana), corporate_number=number,
        phone=phone, postcode=_postcode(postcode), prefecture=prefecture,
    )  # fmt: skip


_COMPANY_COLUMNS = (
    "id", "name", "name_key", "legal_form", "name_kana", "corporate_number", "phone_digits", "postcode", "prefecture",
)  # fmt: skip


def company_facts(queryset=None, *, batch: int = 20000, progress=None):
    qs = (queryset if queryset is not None else Company.objects.alive()).order_by("pk")
    last, done = 0, 0
    while True:
        rows = list(qs.filter(pk__gt=last).values_list(*_COMPANY_COLUMNS)[:batch])
        if not rows:
            return
        yield from map(_company, rows)
        last = rows[-1][0]
        done += len(rows)
        if progress:
            progress(done)


def company_facts_from_data(data: dict) -> CompanyFacts:
    name = str(data.get("name") or "")
    phone = japanese.parse_phone(str(data.get("phone") or ""))
    return CompanyFacts(
        id=0, key=japanese.company_key(name), legal_form=japanese.legal_form(name),
        reading=japanese.reading_key(str(data.get("name_kana") or "")),
        corporate_number=japanese.normalize_corporate_number(str(data.get("corporate_number") or "")) or "",
        phone=phone.digits if phone.valid else "", postcode=_postcode(str(data.get("postcode") or "")),
        prefecture=japanese.normalize_prefecture(str(data.get("prefecture") or "")) or "",
    )  # fmt: skip


# --- frequencies from the database ----------------------------------------------------------------


class DatabaseFrequencies(Frequencies):
    """Frequencies counted in the database for the values of a few records about to be judged (the warning
    before saving, an import batch): one grouped query per field, for all the values at once. The records not
    saved yet count as one more holder of their values. Fields without an index to count by (postcode,
    address) have no table: their agreements weigh the model's average."""

    def __init__(self, kind: str, facts_list, *, unsaved: int = 1):
        super().__init__()
        alive = (Person if kind == "person" else Company).objects.alive()
        self.records = alive.count() + unsaved
        values: dict[str, dict[str, set]] = {}  # table -> value -> holders among the unsaved records
        for f in facts_list:
            for table, value in _frequency_values(kind, f):
                if value:
                    by_place = kind == "person" and table in _BY_WORKPLACE
                    holder = workplace_key(f) if by_place else getattr(f, "name", "")
                    values.setdefault(table, {}).setdefault(value, set()).add(holder)
        for table, column in _FREQUENCY_COLUMNS[kind].items():
            wanted = values.get(table, {})
            counts = self.counts.setdefault(table, Counter())
            for chunk in _chunks(sorted(wanted), 500):
                if column.startswith("points:"):
                    # Holders are counted by name, as the full scan does (Frequencies.add_holder).
                    rows = ContactPoint.objects.filter(normalized__in=chunk, person__deleted_at__isnull=True)
                    for value, name in rows.values_list("normalized", "person__name_search").distinct():
                        wanted[value].add(name)
                elif kind == "person" and table in _BY_WORKPLACE:
                    # A name's holders are counted once per workplace, as the full scan does (workplace_key).
                    rows = alive.filter(**{f"{column}__in": chunk}).values_list(
                        column, "company__name_key", "company__legal_form", "postcode"
                    )
                    for value, key, form, postcode in rows.distinct():
                        place = PersonFacts(
                            id=0, company=key or "", company_form=form or "", postcode=_postcode(postcode)
                        )
                        wanted[value].add(workplace_key(place))
                else:
                    rows = alive.filter(**{f"{column}__in": chunk}).values(column).annotate(n=Count("id"))
                    counts.update({row[column]: row["n"] + unsaved for row in rows})
            for value, holders in wanted.items():
                if column.startswith("points:") or (kind == "person" and table in _BY_WORKPLACE):
                    holders.discard(None)  # a record without a workplace may be any of the holders
                    counts[value] = max(len(holders), 1)
                else:
                    counts.setdefault(value, unsaved)


_BY_WORKPLACE = ("name", "reading")
_FREQUENCY_COLUMNS = {
    "person": {"name": "name_search", "reading": "kana_search", "company": "company__name_key",
               "phone": "points:phone", "mobile": "points:mobile", "email": "points:email"},
    "company": {"name": "name_key", "phone": "phone_digits"},
}  # fmt: skip


def _frequency_values(kind: str, f):
    if kind == "person":
        yield from (("name", f.name), ("reading", f.reading), ("company", f.company))
        yield from (("phone", n) for n in f.phones)
        yield from (("mobile", n) for n in f.mobiles)
        yield from (("email", e) for e in personal_emails(f.emails))
    else:
        yield from (("name", f.key), ("phone", f.phone))


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]
