"""Search over people and companies: what each record contributes to the index, and the one search
service used by the header box, /api/v1/search and `kizuna search`."""

from dataclasses import dataclass

from django.core import signing
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils.html import escape, format_html

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
# A person's sensitive contact points (mobile, home phone, personal e-mail) are indexed in a document of their
# own, searched only for readers who may see them unmasked (core.permissions.sensitive_reach).
PERSON_SENSITIVE = "person.sensitive"
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


def index_person_documents(rows) -> None:
    """Bulk: [(person, contact points, company)] into both of a person's documents."""
    rows = list(rows)
    custom = custom_fields.searchable(PERSON)
    search.index_many(PERSON, [(p.pk, person_fields(p, points, company, custom)) for p, points, company in rows])
    sensitive = [(p.pk, person_sensitive_fields(points, p.unparsed_values)) for p, points, _ in rows]
    search.index_many(PERSON_SENSITIVE, [(pk, fields) for pk, fields in sensitive if fields])
    search.remove_many(PERSON_SENSITIVE, [pk for pk, fields in sensitive if not fields])


def company_fields(company: Company, custom=None) -> list[str]:
    return [company.name_search, company.name_key, company.phone_digits, company.corporate_number,
            *custom_fields.search_texts(company, custom)]  # fmt: skip


def index_person(person: Person) -> None:
    if person.deleted_at:
        search.remove(PERSON, person.pk)
        search.remove(PERSON_SENSITIVE, person.pk)
        return
    points = list(person.contact_points.all())
    search.index(PERSON, person.pk, person_fields(person, points))
    if sensitive := person_sensitive_fields(points, person.unparsed_values):
        search.index(PERSON_SENSITIVE, person.pk, sensitive)
    else:
        search.remove(PERSON_SENSITIVE, person.pk)


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
            index_person_documents((p, points.get(p.pk, []), companies.get(p.company_id)) for p in chunk)
        else:
            custom = custom_fields.searchable(COMPANY)
            search.index_many(kind, [(c.pk, company_fields(c, custom)) for c in chunk])
        total += len(chunk)
        last = chunk[-1].pk
        if progress:
            progress(total)


def person_match(query: str, user=None) -> Q:
    """People whose name, reading, company or contact points contain the query; a sensitive contact point
    counts only for people whose sensitive values `user` may read."""
    match = Q(pk__in=search.matching_ids(PERSON, query))
    reach = sensitive_reach(user, PERSON) if user is not None else None
    if reach is not None:
        match |= Q(pk__in=search.matching_ids(PERSON_SENSITIVE, query)) & reach
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


COUNT_CAP = 1000  # beyond this many matches `total` reports the cap and `is_estimate`
TIER_PROBE = 300  # a rank tier with at most this many name/reading rows is read by id, a bigger one by recency
TIER_IDS = 2000  # up to this many, a big tier's ids screen the recency walk in Python
WALK_CHUNK = 512  # the recency walk's first chunk; each next one is 4 times bigger, up to 16 times


def _prefix(field: str, q: str) -> Q:
    """`field` starts with q: a range its index serves (code-point order, as on SQLite and C collations)
    plus the exact check. Ranking and filtering both use this one predicate, so they always agree."""
    match = Q(**{f"{field}__startswith": q})
    if ord(q[-1]) < 0x10FFFF:
        match &= Q(**{f"{field}__gte": q, f"{field}__lt": q[:-1] + chr(ord(q[-1]) + 1)})
    return match


def _any(fields, make) -> Q:
    out = Q()
    for field in fields:
        out |= make(field)
    return out


@dataclass
class _Plan:
    """One record type's query: the rows `user` may see, how a match is confirmed, and the rank tiers
    (0: a name field equals the key, 1: starts with it, 2: any other match)."""

    model: type
    visible: object  # QuerySet: Model.objects.visible_to(user)
    docs: object  # QuerySet of the SearchDocuments that contain the query
    confirm: Q  # the same match, checked row by row
    fields: tuple[str, ...]  # the indexed name/reading columns
    key: str  # the normalized query they are compared with

    def exact(self) -> Q:
        return _any(self.fields, lambda f: Q(**{f: self.key}))

    def prefix(self) -> Q:
        return _any(self.fields, lambda f: _prefix(f, self.key))

    def tier(self, rank: int) -> Q:
        if rank == 0:
            return self.exact()
        if rank == 1:
            return self.prefix() & ~self.exact()
        return self.confirm & ~self.exact() & ~self.prefix()

    def ranked(self, qs):
        rank = Case(When(self.exact(), then=Value(0)), When(self.prefix(), then=Value(1)), default=Value(2))
        return qs.annotate(rank=rank).order_by("rank", "-updated_at", "-pk")


def _plan(user, kind: str, query: str) -> _Plan:
    q = japanese.search_text(query)
    if kind == PERSON:
        visible = Person.objects.visible_to(user).select_related("company")
        docs, confirm = search.matching_documents(PERSON, q), Q(search.contains(PERSON, q))
        reach = sensitive_reach(user, PERSON)
        if reach is not None:  # a mobile or personal e-mail matches only where the reader sees it unmasked
            sensitive = search.matching_documents(PERSON_SENSITIVE, q)
            if reach:
                sensitive = sensitive.filter(object_id__in=Person.objects.filter(reach).values("pk"))
            docs |= sensitive
            confirm |= Q(search.contains(PERSON_SENSITIVE, q)) & reach
        return _Plan(Person, visible, docs, confirm, ("name_search", "kana_search"), q)
    key = japanese.company_key(query) or q
    docs, confirm = search.matching_documents(COMPANY, q), Q(search.contains(COMPANY, q))
    if key != q:  # 山田製作所株式会社 also finds 株式会社山田製作所
        docs |= search.matching_documents(COMPANY, key)
        confirm |= Q(search.contains(COMPANY, key))
    return _Plan(Company, Company.objects.visible_to(user), docs, confirm, ("name_key",), key)


def _recent(plan: _Plan, condition: Q, n: int, members: set | None = None) -> list:
    """The first `n` visible rows meeting `condition`, most recently updated first, read from the recency
    index in growing chunks, so that neither database's planner can trade this walk for a scan and sort of
    every match. With `members` (every id that can qualify) a chunk's ids are screened in Python first."""
    out: list = []
    newest_first = plan.visible.order_by("-updated_at", "-pk").values_list("pk", flat=True)
    start, size = 0, WALK_CHUNK
    while len(out) < n:
        chunk = list(newest_first[start : start + size])
        ids = chunk if members is None else [pk for pk in chunk if pk in members]
        if ids:
            rows = plan.visible.filter(condition, pk__in=ids).order_by("-updated_at", "-pk")
            out += rows[: n - len(out)]
        if len(chunk) < size:
            break
        start, size = start + size, min(size * 4, WALK_CHUNK * 16)
    return out


def _tier_rows(plan: _Plan, rank: int, n: int) -> list:
    """The first `n` visible, confirmed rows of rank tier 0 or 1, most recently updated first. A small tier is
    read through the name/reading indexes; a big one (田: thousands of 田中, 田村, ...) by recency."""
    condition = plan.tier(rank) & plan.confirm
    ids = list(plan.model.objects.filter(plan.tier(rank)).values_list("pk", flat=True)[:TIER_IDS])
    if len(ids) <= TIER_PROBE:
        return list(plan.visible.filter(condition, pk__in=ids).order_by("-updated_at", "-pk")[:n])
    return _recent(plan, condition, n, set(ids) if len(ids) < TIER_IDS else None)


def _top(plan: _Plan, n: int) -> tuple[Total, list]:
    """(count capped at COUNT_CAP, the first `n` matches as (rank, record)) in (rank, -updated_at, -pk) order.

    Few matches (≤ COUNT_CAP): their ids come from the gram index, then one ranked query over those ids.
    Many: each rank tier in turn is read in recency order and stops once `n` rows are found, so 田 (a third
    of all people) costs about what 田中製作 does. Both ways give the same rows in the same order."""
    seen = plan.visible.filter(pk=OuterRef("object_id")).values("pk")
    ids = list(plan.docs.filter(Exists(seen)).values_list("object_id", flat=True)[: TIER_IDS + 1])
    if len(ids) <= TIER_IDS:  # up to a few thousand rows one ranked query beats walking the recency index
        rows = plan.ranked(plan.visible.filter(pk__in=ids))[:n]
        total = Total(len(ids)) if len(ids) <= COUNT_CAP else Total(COUNT_CAP, is_estimate=True)
        return total, [(obj.rank, obj) for obj in rows]
    out = [(0, obj) for obj in _tier_rows(plan, 0, n)]
    if len(out) < n:
        out += [(1, obj) for obj in _tier_rows(plan, 1, n - len(out))]
    if len(out) < n:  # every other match, so more than COUNT_CAP - n rows: the recency walk meets them soon
        out += [(2, obj) for obj in _recent(plan, plan.tier(2), n - len(out))]
    return Total(COUNT_CAP, is_estimate=True), out


def search_records(user, query: str, *, type: str | None = None, limit: int = 20, cursor: str | None = None):
    """(total, results, next_cursor). Results: exact and prefix name/reading matches first, then the most
    recently updated. `total` counts at most COUNT_CAP per type; past that it is a `Total` whose
    `is_estimate` is true. The cursor is a signed offset; paging visits every match exactly once."""
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
        if offset < 0:
            raise ValidationFailed(field_errors={"cursor": ["不正な値です。"]})
    if not japanese.search_text(query):
        return Total(0), [], None
    guard_contact_probe(user, query)
    ranked, total, estimate = [], 0, False
    for kind in TYPES if not type else (type,):
        count, rows = _top(_plan(user, kind, query), offset + limit + 1)
        total, estimate = total + count, estimate or count.is_estimate
        ranked += [(rank, -obj.updated_at.timestamp(), kind, obj) for rank, obj in rows]
    ranked.sort(key=lambda row: row[:2])  # stable: people before companies on ties, as each type was ordered
    page = ranked[offset : offset + limit]
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
    for result, (_, _, kind, obj) in zip(results, page, strict=True):
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
