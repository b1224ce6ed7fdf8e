"""Search over people and companies: what each record contributes to the index, and the one search
service used by the header box, /api/v1/search and `kizuna search`."""

from dataclasses import dataclass

from django.core import signing
from django.db.models import Q
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _

from kizuna.accounts import ratelimit
from kizuna.core import audit, japanese, search
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.permissions import can_view_sensitive, is_active_user, sensitive_reach
from kizuna.core.visibility import viewer_for
from kizuna.customfields import access as custom_fields

from .masking import is_sensitive, masked_value
from .models import Company, ContactPoint, Person

PERSON, COMPANY = "person", "company"
TYPES = (PERSON, COMPANY)
# A person's sensitive contact points (mobile, home phone, personal e-mail) are the private part of the person's
# document, matched only for readers who may see them unmasked (core.permissions.sensitive_reach).
_CURSOR_SALT = "kizuna.search"


def person_fields(person: Person, points=None, company: Company | None = None, custom=None) -> list[str]:
    """`custom`: the searchable custom fields (kizuna.customfields), when the caller read them once for many."""
    points = person.contact_points.all() if points is None else points
    company = person.company if company is None and person.company_id else company
    fields = [person.name_search, person.kana_search, *custom_fields.search_texts(person, custom)]
    if company is not None:
        fields += [company.name_search, company.name_key]
    for point in points:
        if not is_sensitive(point):
            fields += _point_fields(point)
    return fields


def _point_fields(point: ContactPoint) -> list[str]:
    """An e-mail is found by its Unicode and its punycode domain alike (新星.example.co.jp, xn--efvpj...)."""
    fields = [japanese.search_text(point.normalized)]
    if point.punycode and point.punycode != point.normalized:
        fields.append(japanese.search_text(point.punycode))
    return fields


def person_sensitive_fields(points, unparsed=()) -> list[str]:
    """Sensitive contact points, and the values kept unparsed (要確認): those may be a mobile number or a private
    address nobody could classify, so only readers who may see sensitive values find a person by them."""
    fields = [f for point in points if is_sensitive(point) for f in _point_fields(point)]
    return fields + [japanese.search_text(str(entry.get("value", ""))) for entry in unparsed or ()]


def person_document(person: Person, points=None, company: Company | None = None, custom=None) -> search.Document:
    points = list(person.contact_points.all()) if points is None else points
    return search.Document(
        person.pk,
        person_fields(person, points, company, custom),
        names=(person.name_search, person.kana_search),
        private=tuple(person_sensitive_fields(points, person.unparsed_values)),
        stamp=person.updated_at,
    )


def index_person_documents(rows) -> None:
    """Bulk: [(person, contact points, company)], oldest first."""
    custom = custom_fields.searchable(PERSON)  # read once for the batch
    search.index_many(PERSON, [person_document(p, points, company, custom) for p, points, company in rows])


def company_fields(company: Company, custom=None) -> list[str]:
    return [company.name_search, company.name_key, company.phone_digits, company.corporate_number,
            *custom_fields.search_texts(company, custom)]  # fmt: skip


def company_document(company: Company, custom=None) -> search.Document:
    fields = company_fields(company, custom)
    return search.Document(company.pk, fields, names=(company.name_key,), stamp=company.updated_at)


def index_person(person: Person) -> None:
    if person.deleted_at:
        search.remove(PERSON, person.pk)
        return
    doc = person_document(person)
    search.index(PERSON, person.pk, doc.fields, names=doc.names, private=doc.private, stamp=doc.stamp)


def index_company(company: Company) -> None:
    if company.deleted_at:
        search.remove(COMPANY, company.pk)
    else:
        doc = company_document(company)
        search.index(COMPANY, company.pk, doc.fields, names=doc.names, stamp=doc.stamp)


def reindex(kind: str, *, batch: int = 5000, progress=None) -> int:
    """Rebuild the index for one type, in batches (memory stays flat), least recently updated first so that
    the documents' order is the records' recency order."""
    model = Person if kind == PERSON else Company
    qs = model.objects.alive().order_by("updated_at", "pk")
    total, after = 0, None
    while True:
        page = qs if after is None else qs.filter(Q(updated_at__gt=after[0]) | Q(updated_at=after[0], pk__gt=after[1]))
        chunk = list(page[:batch])
        if not chunk:
            return total
        if kind == PERSON:
            ids = [p.pk for p in chunk]
            points: dict[int, list] = {}
            for point in ContactPoint.objects.filter(person_id__in=ids):
                points.setdefault(point.person_id, []).append(point)
            companies = Company.objects.in_bulk({p.company_id for p in chunk if p.company_id})
            index_person_documents((p, points.get(p.pk, []), companies.get(p.company_id)) for p in chunk)
        else:
            custom = custom_fields.searchable(COMPANY)
            search.index_many(kind, [company_document(c, custom) for c in chunk])
        total += len(chunk)
        after = (chunk[-1].updated_at, chunk[-1].pk)
        if progress:
            progress(total)


def person_match(query: str, user=None) -> Q:
    """People whose name, reading, company or contact points contain the query; a sensitive contact point
    counts only for people whose sensitive values `user` may read."""
    match = Q(pk__in=search.matching_ids(PERSON, query))
    reach = sensitive_reach(user, PERSON) if user is not None else None
    if reach is not None:
        match |= Q(pk__in=search.matching_ids(PERSON, query, private=True)) & reach
    return match


def company_match(query: str) -> Q:
    """Companies whose index text contains the query, or its legal-form-free key
    (山田製作所株式会社 finds 株式会社山田製作所)."""
    matches = Q(pk__in=search.matching_ids(COMPANY, query))
    key = japanese.company_key(query)
    if key and key != japanese.search_text(query):
        matches |= Q(pk__in=search.matching_ids(COMPANY, key))
    return matches


@dataclass
class Result:
    type: str
    id: int
    external_id: str
    label: str
    detail: str
    url: str
    matched: str = ""  # the field that matched: name, reading, company, email, phone, corporate_number
    highlight: str = ""  # that field's value, HTML-escaped, with the matching part in <mark>
    parts: tuple[str, str, str] = ("", "", "")  # the same value unescaped: (before, match, after)


class Total(int):
    """A result count that may stop at COUNT_CAP (`is_estimate`): it is still a plain int for callers."""

    is_estimate: bool = False

    def __new__(cls, value: int, is_estimate: bool = False):
        total = super().__new__(cls, value)
        total.is_estimate = is_estimate
        return total

    @property
    def display(self) -> str:
        """'12', '1,000+': what the header box, the API (`total_display`) and the CLI show."""
        return f"{int(self):,}{'+' if self.is_estimate else ''}"


COUNT_CAP = 1000  # beyond this many matches of a type `total` reports the cap and `is_estimate`


def _search(user, kind: str, query: str) -> search.Search:
    """One record type's query: the records `user` may see, what matches, and the key names are ranked by."""
    q = japanese.search_text(query)
    if kind == PERSON:
        visible = Person.objects.visible_to(user)
        reach = sensitive_reach(user, PERSON)  # a mobile or personal e-mail matches only where it shows unmasked
        in_reach = None if reach is None else visible.filter(reach)
        return search.Search(PERSON, [q], q, visible, in_reach)
    key = japanese.company_key(query) or q  # 山田製作所株式会社 also finds 株式会社山田製作所
    needles = [q] if key == q else [q, key]
    return search.Search(COMPANY, needles, key, Company.objects.visible_to(user))


def _records(user, kind: str, ids) -> dict:
    if kind == PERSON:
        return Person.objects.visible_to(user).select_related("company").in_bulk(ids)
    return Company.objects.visible_to(user).in_bulk(ids)


def search_records(user, query: str, *, type: str | None = None, limit: int = 20, cursor: str | None = None):
    """(total, results, next_cursor). Results: exact and prefix name/reading matches first, then the most
    recently updated. `total` counts at most COUNT_CAP per type; past that it is a `Total` whose
    `is_estimate` is true ("1,000+"). The cursor is a signed offset; paging visits every match exactly once.
    No query reads every match: the index yields the newest matches first and stops (core.search.Search)."""
    if type not in (None, "", *TYPES):
        raise ValidationFailed(field_errors={"type": [_("type は person か company です。")]})
    if not 1 <= limit <= 100:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜100 で指定してください。")]})
    offset = 0
    if cursor:
        try:
            offset = int(signing.loads(cursor, salt=_CURSOR_SALT))
        except (signing.BadSignature, ValueError, TypeError):
            raise ValidationFailed(field_errors={"cursor": [_("不正な値です。")]}) from None
        if offset < 0:
            raise ValidationFailed(field_errors={"cursor": [_("不正な値です。")]})
    if not japanese.search_text(query):
        return Total(0), [], None
    guard_contact_probe(user, query)
    ranked, total, estimate = [], 0, False
    for kind in TYPES if not type else (type,):
        count, more, rows = _search(user, kind, query).top(offset + limit + 1, COUNT_CAP)
        total, estimate = total + count, estimate or more
        ranked += [(tier, -doc, kind, object_id) for tier, doc, object_id in rows]
    ranked.sort()  # rank tier, then newest first across both types
    wanted = ranked[offset : offset + limit]
    ids = {kind: [oid for _, _, k, oid in wanted if k == kind] for kind in TYPES}
    records = {kind: _records(user, kind, ids[kind]) if ids[kind] else {} for kind in TYPES}
    page = [(tier, doc, kind, records[kind][oid]) for tier, doc, kind, oid in wanted if oid in records[kind]]
    viewer = viewer_for(user)
    viewer.prime_related([obj for _, _, kind, obj in page if kind == PERSON], "company")
    results = [_result(kind, obj, viewer) for _, _, kind, obj in page]
    _highlight(results, page, query, user)
    next_cursor = signing.dumps(offset + limit, salt=_CURSOR_SALT) if len(ranked) > offset + limit else None
    return Total(total, estimate), results, next_cursor


PROBE_SCOPE = "search_contact"  # settings.KIZUNA_RATE_LIMITS key: searches by phone digits or e-mail per user


def is_contact_probe(query: str) -> bool:
    """A query that looks for a phone number or an e-mail address rather than a name."""
    q = japanese.search_text(query)
    digits = sum(ch.isdigit() for ch in q)
    return "@" in q or (digits >= 3 and digits * 2 >= len(q))


def guard_contact_probe(user, query: str) -> None:
    """Searches by phone digits or e-mail are counted per user; past the limit they are refused (429) and the
    first refusal of each window is written to the audit log, so that probing for numbers shows."""
    if not is_active_user(user) or not is_contact_probe(query):
        return
    who = f"user:{user.pk}"
    wait = ratelimit.hit(PROBE_SCOPE, who)
    if not wait:
        return
    if ratelimit.increment(f"{PROBE_SCOPE}.audited", who, seconds=ratelimit.limit_for(PROBE_SCOPE).seconds) == 1:
        audit.record(actor=user, action="search.throttled", object_type="contacts.person",
                     changes={"query": [None, query[:100]]})  # fmt: skip
    raise ratelimit.RateLimited(wait)


def _result(kind: str, obj, viewer) -> Result:
    if kind == PERSON:
        detail = " ".join(x for x in (obj.reading, viewer.name(obj.company)) if x)
        return Result(PERSON, obj.pk, obj.external_id, obj.display_name, detail, obj.get_absolute_url())
    return Result(COMPANY, obj.pk, "", obj.name, obj.prefecture, obj.get_absolute_url())


# --- why a result matched ----------------------------------------------------------------------------
def _mark(result: Result, matched: str, value: str, q: str, normalize=None) -> bool:
    span = search.find_span(value, q, normalize)
    if span is None:
        return False
    start, end = span
    result.matched, result.parts = matched, (value[:start], value[start:end], value[end:])
    result.highlight = format_html("{}<mark>{}</mark>{}", *result.parts)
    return True


def _mark_any(result: Result, candidates, queries) -> bool:
    return any(_mark(result, matched, value, q, norm) for q in queries for matched, value, norm in candidates)


def _highlight(results: list[Result], page: list, query: str, user=None) -> None:
    """Fill `matched` and `highlight` for a page: name, then reading, company, e-mail and phone (one query
    for the contact points of people matched by none of the others)."""
    q = japanese.search_text(query)
    queries = [q] + ([key] if (key := japanese.company_key(query)) and key != q else [])
    people = []
    for result, (*_key, kind, obj) in zip(results, page, strict=True):
        if kind == COMPANY:
            digits = [("phone", obj.phone, japanese.phone_digits), ("corporate_number", obj.corporate_number, None)]
            fields = [("name", obj.name, None), ("reading", obj.name_kana, None), *digits]
            found = _mark_any(result, fields, queries)
        else:
            found = _mark_any(result, [("name", obj.display_name, None), ("reading", obj.reading, None)], [q])
            if not found and obj.company is not None and viewer_for(user).sees(obj.company):
                found = _mark_any(
                    result, [("company", obj.company.name, None), ("company", obj.company.name_kana, None)], [q]
                )
            if not found:
                people.append(result)
        if not found and kind == COMPANY:
            result.parts, result.highlight = (result.label, "", ""), escape(result.label)
    points: dict[int, list] = {}
    for point in ContactPoint.objects.filter(person_id__in=[r.id for r in people]) if people else []:
        points.setdefault(point.person_id, []).append(point)
    owners = {obj.pk: obj for _, _, kind, obj in page if kind == PERSON}
    for result in people:
        for point in points.get(result.id, []):
            candidates = [(point.kind, point.value, None), (point.kind, point.value, japanese.phone_digits)]
            if (
                _mark_any(result, candidates, [q])
                or _mark(result, point.kind, point.normalized, q)
                or (point.punycode and _mark(result, point.kind, point.punycode, q))
            ):
                if is_sensitive(point) and not can_view_sensitive(user, owners[result.id]):
                    masked = masked_value(point)  # say why it matched, not the number itself
                    result.parts, result.highlight = (masked, "", ""), escape(masked)
                break
        else:
            result.parts, result.highlight = (result.label, "", ""), escape(result.label)


# --- other record types (activities) ------------------------------------------------------------------
# Apps that depend on contacts add their records to the header search here (contacts imports none of them).
_SOURCES: dict[str, dict] = {}


def register_source(kind: str, *, title: str, search, reindex=None) -> None:
    """`search(user, query, limit) -> list[Result]` (visibility applied); `reindex(progress) -> int`."""
    _SOURCES[kind] = {"title": title, "search": search, "reindex": reindex}


def other_results(user, query: str, *, limit: int = 5) -> list[tuple[str, list]]:
    """[(group title, results)] from the registered sources, for the header box."""
    if not japanese.search_text(query):
        return []
    return [(source["title"], source["search"](user, query, limit)) for source in _SOURCES.values()]


def reindex_sources(progress=None) -> dict[str, int]:
    return {kind: source["reindex"](progress) for kind, source in _SOURCES.items() if source["reindex"]}
