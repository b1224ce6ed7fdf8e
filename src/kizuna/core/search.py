"""The search index: exact substring search over normalized text, identical on SQLite and PostgreSQL.

Every searchable record has one SearchDocument:
- `text`: its normalized fields joined by newlines; `private_text`: fields only some readers may match on
  (a person's mobile number); `names`: the fields a result is ranked by (exact, then prefix matches first),
  each between newlines;
- `tokens`: every distinct 1- and 2-character gram of `text` and of `private_text`, and markers for the first
  one and two characters and the whole value of each name, each encoded as an ASCII word that starts with the
  record type's code, so that every type has posting lists of its own. SQLite indexes them with FTS5, PostgreSQL
  with a GIN index over to_tsvector('simple', tokens).

A document's id is its place in recency order: it is given a new id whenever its record's `updated_at` moves
(`stamp`), so the newest matching records are the highest ids. FTS5 walks a posting list from its highest rowid
and stops at a LIMIT; PostgreSQL walks the (object_type, id) index backwards, or reads the GIN index when few
match. A query's candidates hold every gram of the query; `LIKE '%q%'` on the stored text confirms each one, so
recall is exact by construction and both databases return the same rows in the same order.
"""

import hashlib
import zlib
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import BooleanField, CharField, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact

from . import japanese
from .bulkinsert import insert_rows
from .models import SearchDocument

MAX_QUERY_GRAMS = 6  # enough to narrow any query; LIKE confirms the rest
COUNT_CAP = 1000  # totals are exact up to here; beyond it they are reported as "1,000+"
WALK_WINDOW = 5_000  # PostgreSQL: ids of a type's newest documents read in order before its GIN index is asked
CODES = {"person": "p", "company": "c", "activity": "a"}  # token prefixes: each type has its own posting lists
EXACT, PREFIX, OTHER = 0, 1, 2  # rank tiers: a name equals the key, starts with it, any other match


def normalize_query(query: str) -> str:
    return japanese.search_text(query)


def grams(text: str) -> set[str]:
    """Every distinct 1- and 2-character gram inside each line (lines are fields: no gram crosses them)."""
    out: set[str] = set()
    for line in text.split("\n"):
        out.update(line)
        out.update(line[i : i + 2] for i in range(len(line) - 1))
    return out


@lru_cache(maxsize=64)
def type_code(object_type: str) -> str:
    return CODES.get(object_type) or f"t{zlib.crc32(object_type.encode()):x}t"


@lru_cache(maxsize=400_000)
def token(gram: str, kind: str, object_type: str) -> str:
    """('田中', 'g', 'person') → 'pg7530g4e2d': letters and digits only, so no tokenizer splits or folds it.
    kind: g = a gram of the text, s = of the private text, h = the head of a name."""
    return type_code(object_type) + "".join(f"{kind}{ord(ch):x}" for ch in gram)


def exact_token(name: str, object_type: str) -> str:
    return f"{type_code(object_type)}x{hashlib.blake2b(name.encode(), digest_size=8).hexdigest()}"


def document_text(fields) -> str:
    return "\n".join(f for f in fields if f)


def _names(names) -> str:
    names = [n for n in names if n]
    return "\n" + "\n".join(names) + "\n" if names else ""


@dataclass
class Document:
    """What a record contributes: its fields, the names it is ranked by (also in `fields`), private fields."""

    object_id: int
    fields: list
    names: tuple = ()
    private: tuple = ()
    stamp: object = None  # the record's updated_at: the document moves to the front when it changes

    def row(self, object_type: str) -> tuple:
        text, private = document_text(self.fields), document_text(self.private)
        names = [n for n in self.names if n]
        words = {token(g, "g", object_type) for g in grams(text)}
        words |= {token(g, "s", object_type) for g in grams(private)}
        for name in names:
            words |= {token(name[:1], "h", object_type), token(name[:2], "h", object_type)}
            words.add(exact_token(name, object_type))
        return text, _names(names), private, " ".join(sorted(words)), self.stamp


COLUMNS = ["text", "names", "private_text", "tokens", "stamp"]


def _fts_write(pairs) -> None:
    """[(document id, tokens)] into the SQLite FTS table (PostgreSQL indexes the column itself)."""
    if connection.vendor != "sqlite" or not pairs:
        return
    with connection.cursor() as cursor:
        cursor.executemany("INSERT OR REPLACE INTO core_search_fts(rowid, tokens) VALUES (%s, %s)", pairs)


def _fts_delete(ids) -> None:
    if connection.vendor != "sqlite" or not ids:
        return
    with connection.cursor() as cursor:
        cursor.executemany("DELETE FROM core_search_fts WHERE rowid = %s", [(i,) for i in ids])


def index(object_type: str, object_id: int, fields, *, names=(), private=(), stamp=None) -> None:
    """(Re)index one record. Services call it inside their transaction. A changed `stamp` (the record's
    updated_at) gives the document a new id, the newest; otherwise it keeps its place."""
    row = Document(object_id, list(fields), tuple(names), tuple(private), stamp).row(object_type)
    with transaction.atomic(savepoint=False):  # with the caller's write
        doc = SearchDocument.objects.filter(object_type=object_type, object_id=object_id).first()
        if doc is not None and stamp is not None and doc.stamp != stamp:
            _fts_delete([doc.pk])
            doc.delete()
            doc = None
        if doc is not None and (doc.text, doc.names, doc.private_text, doc.tokens) == row[:4]:
            return
        doc = doc or SearchDocument(object_type=object_type, object_id=object_id)
        doc.text, doc.names, doc.private_text, doc.tokens, doc.stamp = row
        doc.save()
        _fts_write([(doc.pk, doc.tokens)])


def index_many(object_type: str, docs) -> int:
    """Bulk (re)index [Document, ...] for imports, demo data and `kizuna reindex`, in the order given (oldest
    first: later documents rank as newer)."""
    docs = list(docs)
    with transaction.atomic(savepoint=False):
        old = SearchDocument.objects.filter(object_type=object_type, object_id__in=[d.object_id for d in docs])
        _fts_delete(list(old.values_list("pk", flat=True)))
        old.delete()
        values = [(object_type, d.object_id, *d.row(object_type)) for d in docs]
        ids = insert_rows(SearchDocument, ["object_type", "object_id", *COLUMNS], values)
        _fts_write([(pk, row[5]) for pk, row in zip(ids, values, strict=True)])
    return len(values)


def remove_many(object_type: str, object_ids) -> None:
    ids = list(SearchDocument.objects.filter(object_type=object_type, object_id__in=list(object_ids)).values_list(
        "pk", flat=True))  # fmt: skip
    if ids:
        with transaction.atomic(savepoint=False):
            _fts_delete(ids)
            SearchDocument.objects.filter(pk__in=ids).delete()


def remove(object_type: str, object_id: int) -> None:
    remove_many(object_type, [object_id])


def clear(object_types) -> None:
    """Drop every document of these types (before a rebuild)."""
    object_types = list(object_types)
    with transaction.atomic(savepoint=False):
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(object_types))
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM core_search_fts WHERE rowid IN "  # noqa: S608 - placeholders only
                    f"(SELECT id FROM core_searchdocument WHERE object_type IN ({marks}))",
                    object_types,
                )
        SearchDocument.objects.filter(object_type__in=object_types).delete()


# --- reading the index ------------------------------------------------------------------------------------
def _query_grams(q: str) -> list[str]:
    if len(q) == 1:
        return [q]
    return sorted({q[i : i + 2] for i in range(len(q) - 1)})[:MAX_QUERY_GRAMS]


class _GramMatch(Func):
    """PostgreSQL: to_tsvector('simple', tokens) @@ to_tsquery('simple', %s), the indexed expression."""

    output_field = BooleanField()

    def __init__(self, tsquery: str):
        super().__init__(F("tokens"), Value(tsquery))

    def as_sql(self, compiler, connection, **extra):
        tokens, tokens_params = compiler.compile(self.source_expressions[0])
        query, query_params = compiler.compile(self.source_expressions[1])
        return f"to_tsvector('simple', {tokens}) @@ to_tsquery('simple', {query})", [*tokens_params, *query_params]


def _expression(groups: list[list[str]]) -> str:
    """[[a, b], [c]] → '(a AND b) OR (c)' for FTS5, '(a & b) | (c)' for to_tsquery."""
    both, either = (" AND ", " OR ") if connection.vendor == "sqlite" else (" & ", " | ")
    return either.join(f"({both.join(group)})" for group in groups)


def _indexed(object_type: str, groups: list[list[str]], *, newest_first: bool = False, nested: bool = False):
    """The documents of `object_type` holding every token of at least one group, read through the index;
    `newest_first` also orders them by id, descending (on SQLite straight from the FTS5 posting lists).
    `nested`: the queryset goes inside another query (its tables get aliases, so no joined FTS5 table)."""
    # lower(object_type) (a no-op: types are lower case) keeps either planner from reading the type's index
    # beside the token index: the tokens already belong to the type.
    unindexed = Func(F("object_type"), function="LOWER", output_field=CharField())
    docs = SearchDocument.objects.alias(type_unindexed=unindexed).filter(type_unindexed=object_type)
    if connection.vendor == "sqlite" and nested:
        matching = RawSQL("SELECT rowid FROM core_search_fts WHERE core_search_fts MATCH %s", [_expression(groups)])
        return docs.filter(pk__in=matching)
    if connection.vendor == "sqlite":
        # FTS5 is the outer loop and yields rowids newest first, so a LIMIT stops the walk early.
        docs = docs.extra(
            tables=["core_search_fts"],
            where=["core_search_fts.rowid = core_searchdocument.id", "core_search_fts MATCH %s"],
            params=[_expression(groups)],
        )
        return docs.extra(order_by=["-core_search_fts.rowid"]) if newest_first else docs
    # The GIN index's own expression in the WHERE, so that PostgreSQL reads the index (a bitmap) rather than
    # computing to_tsvector row after row; ordering by id + 0 keeps it from walking the id index instead.
    docs = docs.filter(_GramMatch(_expression(groups)))
    return docs.order_by((F("id") + 0).desc()) if newest_first else docs


def matching_documents(object_type: str, query: str, *, private: bool = False):
    """SearchDocuments whose text (or, with `private`, private text) contains the normalized query."""
    q = normalize_query(query)
    if not q:
        return SearchDocument.objects.none()
    kind = "s" if private else "g"
    docs = _indexed(object_type, [[token(g, kind, object_type) for g in _query_grams(q)]], nested=True)
    return docs.filter(private_text__contains=q) if private else docs.filter(text__contains=q)


def matching_ids(object_type: str, query: str, *, private: bool = False):
    return matching_documents(object_type, query, private=private).values("object_id")


def _exists(records) -> Q:
    """The document's record is among `records`: a scalar subquery, which PostgreSQL runs per candidate row
    through the primary key; EXISTS would let it hash every record the reader may see (a million) first."""
    return Q(Exact(Subquery(records.filter(pk=OuterRef("object_id")).values("pk")[:1]), F("object_id")))


@dataclass
class Search:
    """One record type's query: documents containing any of `needles` in their text (or in their private text,
    for records in `reach`), of records in `visible`, ranked by `key` against their names."""

    object_type: str
    needles: list[str]  # normalized; `key` is one of them
    key: str | None  # None: no names to rank by, newest first only
    visible: object  # QuerySet of the records the reader sees
    reach: object = None  # QuerySet of the records whose private text the reader may match, or None

    def _groups(self, kind: str, q: str) -> list[str]:
        return [token(g, kind, self.object_type) for g in _query_grams(q)]

    def _match_groups(self) -> list[list[str]]:
        groups = [self._groups("g", q) for q in self.needles]
        if self.reach is not None:
            groups += [self._groups("s", q) for q in self.needles]
        return groups

    def _confirm(self) -> Q:
        match = Q()
        for q in self.needles:
            match |= Q(text__contains=q)
        if self.reach is not None:
            private = Q()
            for q in self.needles:
                private |= Q(private_text__contains=q)
            match |= private & _exists(self.reach)
        return match

    def _seen(self) -> Q:
        return _exists(self.visible)

    def _exact(self) -> Q:
        return Q(names__contains=f"\n{self.key}\n")

    def _prefix(self) -> Q:
        return Q(names__contains=f"\n{self.key}")

    def tier(self, names: str) -> int:
        """The same test as _exact/_prefix, in Python."""
        if self.key is None:
            return OTHER
        if f"\n{self.key}\n" in names:
            return EXACT
        return PREFIX if f"\n{self.key}" in names else OTHER

    def _tier_query(self, rank: int) -> tuple[list[list[str]], Q]:
        """(index token groups, confirming condition) of one rank tier."""
        if rank == EXACT:
            return [[exact_token(self.key, self.object_type)]], self._exact()
        if rank == PREFIX:
            head = [token(self.key[:2], "h", self.object_type)]
            return [head + self._groups("g", self.key)], self._prefix() & ~self._exact()
        return self._match_groups(), self._confirm() & (~self._prefix() if self.key is not None else Q())

    def _window(self):
        """PostgreSQL: the type's newest WALK_WINDOW ids, read newest first through the (object_type, id) index
        (the newest id is a subquery, so the walk costs no extra round trip)."""
        docs = SearchDocument.objects.filter(object_type=self.object_type)
        newest = Subquery(docs.order_by("-id").values("id")[:1])
        return docs.filter(id__gt=newest - WALK_WINDOW, id__lte=newest).order_by("-id")

    def _newest(self, rank: int, n: int) -> list[tuple[int, int]]:
        """The newest `n` visible documents of one rank tier, as (id, object id)."""
        groups, condition = self._tier_query(rank)
        fields = ("id", "object_id")
        indexed = _indexed(self.object_type, groups, newest_first=True).filter(condition, self._seen())
        if connection.vendor == "sqlite" or rank == EXACT:
            return list(indexed.values_list(*fields)[:n])
        # PostgreSQL: walk the type's newest documents by id, confirming each row; where the tier is too sparse
        # for that, its GIN bitmap holds few rows, sorted by id.
        rows = list(self._window().filter(condition, self._seen()).values_list(*fields)[:n])
        return rows if len(rows) == n else list(indexed.values_list(*fields)[:n])

    def _dense(self, cap: int) -> bool:
        """PostgreSQL: whether more than `cap` of the newest documents match, found by walking them (a GIN
        bitmap reads a common gram's whole posting list, however few rows the count needs)."""
        if connection.vendor == "sqlite":
            return False
        return len(self._window().filter(self._confirm(), self._seen()).values_list("id")[: cap + 1]) > cap

    def top(self, n: int, cap: int | None = None) -> tuple[int, bool, list[tuple[int, int, int]]]:
        """(matches counted up to `cap`, whether there are more, the first `n` as (tier, doc id, object id)) in
        (tier, newest first) order. Up to `cap` matches are read from the index and ranked at once; beyond
        that each tier is read newest first and stops after `n`, so no query touches every match."""
        cap = COUNT_CAP if cap is None else cap
        if not self._dense(cap):
            docs = _indexed(self.object_type, self._match_groups(), newest_first=False)
            docs = docs.filter(self._confirm(), self._seen())
            found = list(docs.values_list("id", "object_id", "names")[: cap + 1])
            if len(found) <= cap:
                ranked = sorted(((self.tier(names), -pk, oid) for pk, oid, names in found))
                return len(found), False, [(tier, -neg, oid) for tier, neg, oid in ranked[:n]]
        out: list[tuple[int, int, int]] = []
        for rank in (EXACT, PREFIX, OTHER) if self.key is not None else (OTHER,):
            if len(out) < n:
                out += [(rank, pk, oid) for pk, oid in self._newest(rank, n - len(out))]
        return cap, True, out


def find_span(value: str, q: str, normalize=None) -> tuple[int, int] | None:
    """(start, end) of the shortest stretch of `value`, as displayed, whose normalized form contains the
    normalized query `q` (髙橋 健 holds 高橋 at (0, 2); 03-1234-5678 holds 031234 at (0, 7)); None if absent."""
    normalize = normalize or getattr(japanese.search_text, "__wrapped__", japanese.search_text)
    if not value or not q:
        return None
    at = normalize(value).find(q)
    if at < 0:
        return None
    lengths = [len(normalize(value[:i])) for i in range(len(value) + 1)]
    start = max(i for i, n in enumerate(lengths) if n <= at)
    while start > 0 and q not in normalize(value[start:]):
        start -= 1
    for end in range(start + 1, len(value) + 1):
        if lengths[end] >= at + len(q) and q in normalize(value[start:end]):
            return start, end
    return None
