"""Search over people and companies: what each record contributes to the index, and the one search
service used by the header box, /api/v1/search and `kizuna search`."""

from dataclasses import dataclass

from django.core import signing
from django.db.models import Case, IntegerField, Q, Value, When

from kizuna.core import japanese, search
from kizuna.core.exceptions import ValidationFailed

from .models import Company, ContactPoint, Person

PERSON, COMPANY = "person", "company"
TYPES = (PERSON, COMPANY)
_CURSOR_SALT = "kizuna.search"


def person_fields(person: Person, points=None, company: Company | None = None) -> list[str]:
    points = person.contact_points.all() if points is None else points
    company = person.company if company is None and person.company_id else company
    fields = [person.name_search, person.kana_search]
    if company is not None:
        fields += [company.name_search, company.name_key]
    for point in points:
        fields.append(japanese.search_text(point.normalized))
    return fields


def company_fields(company: Company) -> list[str]:
    return [company.name_search, company.name_key, company.phone_digits, company.corporate_number]


def index_person(person: Person) -> None:
    if person.deleted_at:
        search.remove(PERSON, person.pk)
    else:
        search.index(PERSON, person.pk, person_fields(person))


def index_company(company: Company) -> None:
    if company.deleted_at:
        search.remove(COMPANY, company.pk)
    else:
        search.index(COMPANY, company.pk, company_fields(company))


def reindex(kind: str, *, batch: int = 5000, progress=None) -> int:
    """Rebuild the index for one type, in batches (memory stays flat)."""
    model = Person if kind == PERSON else Company
    qs = model.objects.alive().order_by("pk")
    total, last = 0, 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:batch])
        if not chunk:
            return total
        if kind == PERSON:
            ids = [p.pk for p in chunk]
            points: dict[int, list] = {}
            for point in ContactPoint.objects.filter(person_id__in=ids):
                points.setdefault(point.person_id, []).append(point)
            companies = Company.objects.in_bulk({p.company_id for p in chunk if p.company_id})
            rows = [(p.pk, person_fields(p, points.get(p.pk, []), companies.get(p.company_id))) for p in chunk]
        else:
            rows = [(c.pk, company_fields(c)) for c in chunk]
        search.index_many(kind, rows)
        total += len(chunk)
        last = chunk[-1].pk
        if progress:
            progress(total)


@dataclass
class Result:
    type: str
    id: int
    external_id: str
    label: str
    detail: str
    url: str


def _rank(q: str, *fields: str):
    """0 for an exact match on any of `fields`, 1 for a prefix match, 2 otherwise."""
    exact, prefix = Q(), Q()
    for field in fields:
        exact |= Q(**{field: q})
        prefix |= Q(**{f"{field}__startswith": q})
    return Case(When(exact, then=Value(0)), When(prefix, then=Value(1)), default=Value(2), output_field=IntegerField())


def person_match(query: str) -> Q:
    return Q(pk__in=search.matching_ids(PERSON, query))


def _people(user, query: str):
    q = japanese.search_text(query)
    qs = Person.objects.visible_to(user).filter(person_match(query))
    return qs.annotate(rank=_rank(q, "name_search", "kana_search")).select_related("company")


def company_match(query: str) -> Q:
    """Companies whose index text contains the query, or its legal-form-free key
    (山田製作所株式会社 finds 株式会社山田製作所)."""
    matches = Q(pk__in=search.matching_ids(COMPANY, query))
    key = japanese.company_key(query)
    if key and key != japanese.search_text(query):
        matches |= Q(pk__in=search.matching_ids(COMPANY, key))
    return matches


def _companies(user, query: str):
    key = japanese.company_key(query) or japanese.search_text(query)
    return Company.objects.visible_to(user).filter(company_match(query)).annotate(rank=_rank(key, "name_key"))


def search_records(user, query: str, *, type: str | None = None, limit: int = 20, cursor: str | None = None):
    """(total, results, next_cursor). Results: exact and prefix name/reading matches first, then recently touched."""
    if type not in (None, "", *TYPES):
        raise ValidationFailed(field_errors={"type": ["type は person か company です。"]})
    if not 1 <= limit <= 100:
        raise ValidationFailed(field_errors={"limit": ["limit は 1〜100 で指定してください。"]})
    offset = 0
    if cursor:
        try:
            offset = int(signing.loads(cursor, salt=_CURSOR_SALT))
        except (signing.BadSignature, ValueError, TypeError):
            raise ValidationFailed(field_errors={"cursor": ["不正な値です。"]}) from None
    if not japanese.search_text(query):
        return 0, [], None
    ranked = []
    total = 0
    for kind in TYPES if not type else (type,):
        qs = _people(user, query) if kind == PERSON else _companies(user, query)
        total += qs.count()
        for obj in qs.order_by("rank", "-updated_at", "-pk")[: offset + limit]:
            ranked.append((obj.rank, -obj.updated_at.timestamp(), _result(kind, obj)))
    ranked.sort(key=lambda row: row[:2])
    results = [row[2] for row in ranked[offset : offset + limit]]
    next_cursor = signing.dumps(offset + limit, salt=_CURSOR_SALT) if offset + limit < total else None
    return total, results, next_cursor


def _result(kind: str, obj) -> Result:
    if kind == PERSON:
        detail = " ".join(x for x in (obj.reading, obj.company.name if obj.company else "") if x)
        return Result(PERSON, obj.pk, obj.external_id, obj.display_name, detail, obj.get_absolute_url())
    return Result(COMPANY, obj.pk, "", obj.name, obj.prefecture, obj.get_absolute_url())
