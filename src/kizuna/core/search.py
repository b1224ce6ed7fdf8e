"""The search index: exact substring search over normalized text, identical on SQLite and PostgreSQL.

Every searchable record has one SearchDocument: its normalized fields joined by newlines (`text`) and
every distinct 1- and 2-character gram of them, each encoded as an ASCII token (`tokens`). SQLite
indexes the tokens with FTS5, PostgreSQL with a GIN index over to_tsvector('simple', tokens). A query
is normalized the same way; its candidates hold every gram of the query, then `text LIKE %q%` confirms
each one. So 1- and 2-character queries (林, 田中), which trigram indexes cannot serve, use the index,
and recall is exact by construction; both databases return the same rows.
"""

from functools import lru_cache

from django.db import connection, transaction
from django.db.models import BooleanField, CharField, Exists, F, Func, OuterRef, Value
from django.db.models.expressions import RawSQL

from . import japanese
from .bulkinsert import insert_rows
from .models import SearchDocument

MAX_QUERY_GRAMS = 6  # enough to narrow any query; LIKE confirms the rest


def normalize_query(query: str) -> str:
    return japanese.search_text(query)


def grams(text: str) -> set[str]:
    """Every distinct 1- and 2-character gram inside each line (lines are fields: no gram crosses them)."""
    out: set[str] = set()
    for line in text.split("\n"):
        out.update(line)
        out.update(line[i : i + 2] for i in range(len(line) - 1))
    return out


@lru_cache(maxsize=200_000)
def token(gram: str) -> str:
    """'田中' → 'g7530g4e2d': letters and digits only, so no tokenizer splits or folds it."""
    return "".join(f"g{ord(ch):x}" for ch in gram)


def document_text(fields) -> str:
    return "\n".join(f for f in fields if f)


def _tokens(text: str) -> str:
    return " ".join(map(token, grams(text)))


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


def index(object_type: str, object_id: int, fields) -> None:
    """(Re)index one record. Services call it inside their transaction."""
    text = document_text(fields)
    with transaction.atomic():
        doc = SearchDocument.objects.filter(object_type=object_type, object_id=object_id).first()
        if doc is not None and doc.text == text:
            return
        if doc is None:
            doc = SearchDocument(object_type=object_type, object_id=object_id)
        doc.text, doc.tokens = text, _tokens(text)
        doc.save()
        _fts_write([(doc.pk, doc.tokens)])


def index_many(object_type: str, rows) -> int:
    """Bulk (re)index [(object_id, fields), ...] for imports, demo data and `kizuna reindex`."""
    rows = list(rows)
    with transaction.atomic():
        old = SearchDocument.objects.filter(object_type=object_type, object_id__in=[i for i, _ in rows])
        _fts_delete(list(old.values_list("pk", flat=True)))
        old.delete()
        values = []
        for object_id, fields in rows:
            text = document_text(fields)
            values.append((object_type, object_id, text, _tokens(text)))
        ids = insert_rows(SearchDocument, ["object_type", "object_id", "text", "tokens"], values)
        _fts_write([(pk, row[3]) for pk, row in zip(ids, values, strict=True)])
    return len(values)


def remove_many(object_type: str, object_ids) -> None:
    ids = list(SearchDocument.objects.filter(object_type=object_type, object_id__in=list(object_ids)).values_list(
        "pk", flat=True))  # fmt: skip
    if ids:
        with transaction.atomic():
            _fts_delete(ids)
            SearchDocument.objects.filter(pk__in=ids).delete()


def remove(object_type: str, object_id: int) -> None:
    with transaction.atomic():
        ids = list(
            SearchDocument.objects.filter(object_type=object_type, object_id=object_id).values_list("pk", flat=True)
        )
        _fts_delete(ids)
        SearchDocument.objects.filter(pk__in=ids).delete()


def _query_tokens(q: str) -> list[str]:
    if len(q) == 1:
        return [token(q)]
    bigrams = sorted({q[i : i + 2] for i in range(len(q) - 1)})
    return [token(g) for g in bigrams[:MAX_QUERY_GRAMS]]


class _GramMatch(Func):
    """PostgreSQL: to_tsvector('simple', tokens) @@ to_tsquery('simple', %s), the indexed expression."""

    output_field = BooleanField()

    def __init__(self, tsquery: str):
        super().__init__(F("tokens"), Value(tsquery))

    def as_sql(self, compiler, connection, **extra):
        tokens, tokens_params = compiler.compile(self.source_expressions[0])
        query, query_params = compiler.compile(self.source_expressions[1])
        return f"to_tsvector('simple', {tokens}) @@ to_tsquery('simple', {query})", [*tokens_params, *query_params]


def matching_documents(object_type: str, query: str):
    """SearchDocuments whose text contains the normalized query (none for an empty query)."""
    q = normalize_query(query)
    if not q:
        return SearchDocument.objects.none()
    tokens = _query_tokens(q)
    docs = SearchDocument.objects.all()
    if connection.vendor == "sqlite":
        candidates = RawSQL("SELECT rowid FROM core_search_fts WHERE core_search_fts MATCH %s", [" AND ".join(tokens)])
        # `+object_type` (a no-op for SQLite) keeps the planner from walking every document of the type
        # through the unique index: it reads the FTS hits by rowid and stops at a LIMIT.
        unindexed = Func(F("object_type"), template="+%(expressions)s", output_field=CharField())
        docs = docs.alias(type_unindexed=unindexed).filter(type_unindexed=object_type)
        docs = docs.filter(pk__in=candidates)
    else:
        # The GIN index's own expression in the outer WHERE, so that PostgreSQL reads the index (a bitmap)
        # rather than computing to_tsvector for row after row of an `id IN (...)` subquery under a LIMIT.
        docs = docs.filter(_GramMatch(" & ".join(tokens)), object_type=object_type)
    return docs.filter(text__contains=q)  # LIKE '%q%' confirms each candidate: exact recall


def matching_ids(object_type: str, query: str):
    return matching_documents(object_type, query).values("object_id")


def contains(object_type: str, query: str, outer: str = "pk") -> Exists:
    """Per-row check that a record's document contains the normalized query: a lookup on the unique
    (object_type, object_id) index, for scans that walk another index (most recently updated first)
    and stop after a page. Same rows as `matching_documents`, which is the cheaper way when few match."""
    q = normalize_query(query)
    docs = SearchDocument.objects.filter(object_type=object_type, object_id=OuterRef(outer))
    return Exists(docs.filter(text__contains=q) if q else docs.none())


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
