"""The search index: exact substring search over normalized text, identical on SQLite and PostgreSQL.

Every searchable record has one SearchDocument (its normalized fields joined by newlines) and a
posting row per distinct 1- and 2-character gram of that text. A query is normalized the same way;
its candidates are the documents holding every bigram of the query (the unigram for a 1-character
query), then `text LIKE %q%` confirms each one. So 1- and 2-character queries (田中, 林), which
trigram indexes cannot serve, use the index, and every match is found: recall is exact by design.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef

from . import japanese
from .models import SearchDocument, SearchGram

MAX_QUERY_GRAMS = 4  # the rarest few bigrams narrow enough; LIKE confirms the rest


def normalize_query(query: str) -> str:
    return japanese.search_text(query)


def grams(text: str) -> set[str]:
    """Every distinct 1- and 2-character gram inside each line (lines are fields: no gram crosses them)."""
    out: set[str] = set()
    for line in text.split("\n"):
        out.update(line)
        out.update(line[i : i + 2] for i in range(len(line) - 1))
    return out


def document_text(fields) -> str:
    """Fields (already normalized) joined one per line; empty ones dropped."""
    return "\n".join(f for f in fields if f)


def index(object_type: str, object_id: int, fields) -> None:
    """(Re)index one record. Called by services inside their transaction."""
    text = document_text(fields)
    with transaction.atomic():
        doc, created = SearchDocument.objects.get_or_create(
            object_type=object_type, object_id=object_id, defaults={"text": text}
        )
        if not created:
            if doc.text == text:
                return
            doc.text = text
            doc.save(update_fields=["text"])
            doc.grams.all().delete()
        SearchGram.objects.bulk_create([SearchGram(gram=g, document=doc) for g in grams(text)])


def index_many(object_type: str, rows) -> int:
    """Bulk (re)index [(object_id, fields), ...] for imports and `kizuna reindex`."""
    from .bulkinsert import insert_many

    rows = list(rows)
    ids = [object_id for object_id, _ in rows]
    with transaction.atomic():
        SearchDocument.objects.filter(object_type=object_type, object_id__in=ids).delete()
        docs = [SearchDocument(object_type=object_type, object_id=i, text=document_text(f)) for i, f in rows]
        insert_many(SearchDocument, docs)
        postings = [SearchGram(gram=g, document_id=doc.pk) for doc in docs for g in grams(doc.text)]
        insert_many(SearchGram, postings, batch_size=20000)
    return len(docs)


def remove(object_type: str, object_id: int) -> None:
    SearchDocument.objects.filter(object_type=object_type, object_id=object_id).delete()


def _query_grams(q: str) -> list[str]:
    if len(q) == 1:
        return [q]
    bigrams = sorted({q[i : i + 2] for i in range(len(q) - 1)})
    return bigrams[:MAX_QUERY_GRAMS] if len(bigrams) > MAX_QUERY_GRAMS else bigrams


def matching_documents(object_type: str, query: str):
    """A queryset of SearchDocument ids whose text contains the normalized query (empty for an empty query)."""
    q = normalize_query(query)
    docs = SearchDocument.objects.filter(object_type=object_type)
    if not q:
        return docs.none()
    for gram in _query_grams(q):
        docs = docs.filter(Exists(SearchGram.objects.filter(document_id=OuterRef("pk"), gram=gram)))
    return docs.filter(text__contains=q)  # LIKE '%q%' (escaped) confirms each candidate: exact recall


def matching_ids(object_type: str, query: str):
    return matching_documents(object_type, query).values("object_id")
