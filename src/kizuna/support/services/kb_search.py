"""Finding knowledge articles.

Two engines, one entry point (`rank`):
- **BM25 over Sudachi terms** for questions: each article's terms and their counts live in `ArticleTerm` (one row per
  article and term, indexed by term), so the same SQL serves SQLite and PostgreSQL. A query reads the rows of its
  terms for the readable articles, and BM25 (k1=1.2, b=0.75) is computed over them in Python.
- **The shared substring index** (`core.search`, the header search's engine) for what has no term of its own: one or
  two characters, a part of a word (プリン), a model number fragment. It is also how articles join the header
  search (`contacts.search.register_source`).
"""

import math
from collections import Counter
from dataclasses import dataclass

from django.db.models import Avg, Count, Exists, OuterRef

from kizuna.contacts.search import Result
from kizuna.core import japanese, search
from kizuna.core.japanese.tokens import terms
from kizuna.core.permissions import Visibility

from ..models import Article, ArticleTerm

ARTICLE = "article"
K1, B = 1.2, 0.75
MAX_QUERY_TERMS = 48
RARE, RARE_MIN = 0.05, 50  # a term in at most 5% of the articles (or 50) selects candidates


@dataclass
class Hit:
    article: Article
    score: float


def article_text(article: Article) -> str:
    # The title counts twice: a question about 保証期間 should find the article called 保証期間 first.
    return f"{article.title}\n{article.title}\n{article.body}"


def index_article(article: Article) -> None:
    """Write the article's terms (BM25) and its document in the substring index; a deleted article leaves both."""
    ArticleTerm.objects.filter(article=article).delete()
    if article.deleted_at:
        search.remove(ARTICLE, article.pk)
        return
    counts = Counter(terms(article_text(article)))
    ArticleTerm.objects.bulk_create(
        [ArticleTerm(article=article, term=t, tf=min(n, 32767)) for t, n in counts.items()], batch_size=500
    )
    Article.objects.filter(pk=article.pk).update(token_count=sum(counts.values()))
    article.token_count = sum(counts.values())
    title = japanese.search_text(article.title)
    search.index(ARTICLE, article.pk, [title, japanese.search_text(article.body)], names=(title,),
                 stamp=article.updated_at)  # fmt: skip


def reindex(progress=None, *, batch: int = 500) -> int:
    done = 0
    qs = Article.objects.alive().order_by("updated_at", "pk")
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = list(Article.objects.filter(pk__in=ids[start : start + batch]).order_by("updated_at", "pk"))
        ArticleTerm.objects.filter(article__in=chunk).delete()
        rows, docs = [], []
        for article in chunk:
            counts = Counter(terms(article_text(article)))
            rows += [ArticleTerm(article=article, term=t, tf=min(n, 32767)) for t, n in counts.items()]
            article.token_count = sum(counts.values())
            title = japanese.search_text(article.title)
            docs.append(search.Document(article.pk, [title, japanese.search_text(article.body)], names=(title,),
                                        stamp=article.updated_at))  # fmt: skip
        ArticleTerm.objects.bulk_create(rows, batch_size=2000)
        Article.objects.bulk_update(chunk, ["token_count"], batch_size=500)
        search.index_many(ARTICLE, docs)
        done += len(chunk)
        if progress:
            progress(done)
    return done


def corpus_stats() -> tuple[int, float]:
    """(number of live articles, their average length in terms): BM25's corpus statistics, over every article
    (one reader's view would make scores differ between readers for the same article)."""
    stats = Article.objects.alive().aggregate(n=Count("pk"), avgdl=Avg("token_count"))
    return stats["n"] or 0, float(stats["avgdl"] or 0) or 1.0


def bm25(candidates, query: str, *, limit: int = 10, text_terms=None) -> list[tuple[int, float]]:
    """[(article id, score)] best first, over the articles of `candidates` (a queryset the reader may see).

    Postings are read rarest term first. The articles holding a rare term (df at most RARE of the corpus) are the
    candidates; the common terms' postings are then read for those candidates only, so a question full of everyday
    words (確認, 使う, 場合) does not read most of the table. An article that shares only common words with the
    question is left out: its score would be near zero anyway. When every term is common, all are read."""
    wanted = Counter(text_terms if text_terms is not None else terms(query))
    if not wanted:
        return []
    query_terms = [t for t, _n in wanted.most_common(MAX_QUERY_TERMS)]
    n_docs, avgdl = corpus_stats()
    if not n_docs:
        return []
    df = dict(ArticleTerm.objects.filter(term__in=query_terms).values("term").annotate(n=Count("pk"))
              .values_list("term", "n"))  # fmt: skip
    if not df:
        return []
    idf = {t: math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) for t, d in df.items()}
    limit_df = max(RARE_MIN, int(n_docs * RARE))
    rare = [t for t in df if df[t] <= limit_df] or list(df)
    holders = ArticleTerm.objects.filter(term__in=rare, article_id__in=candidates.values("pk")).values("article_id")
    rows = ArticleTerm.objects.filter(term__in=list(df), article_id__in=holders).values_list(
        "article_id", "term", "tf", "article__token_count")  # fmt: skip
    scores: dict[int, float] = {}
    for article_id, term, tf, length in rows:
        norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * (length or 0) / avgdl))
        scores[article_id] = scores.get(article_id, 0.0) + idf[term] * norm * wanted[term]
    return sorted(scores.items(), key=lambda kv: (-kv[1], -kv[0]))[:limit]


def substring(candidates, query: str, *, limit: int = 10) -> list[int]:
    q = japanese.search_text(query)
    if not q:
        return []
    _total, _more, hits = search.Search(ARTICLE, [q], q, candidates).top(limit, cap=limit)
    return [object_id for _tier, _doc, object_id in hits]


def rank(candidates, query: str, *, limit: int = 10) -> list[Hit]:
    """Questions by BM25; what BM25 cannot place (no term, or too few hits) is filled from the substring index."""
    scored = bm25(candidates, query, limit=limit)
    ids = [pk for pk, _s in scored]
    if len(ids) < limit:
        ids += [pk for pk in substring(candidates, query, limit=limit) if pk not in ids][: limit - len(ids)]
    found = candidates.select_related("category").in_bulk(ids)
    score_of = dict(scored)
    return [Hit(found[pk], score_of.get(pk, 0.0)) for pk in ids if pk in found]


def public_articles(brand=None):
    """The articles of the public FAQ: for the public, seen by every agent (a private or team article is a draft),
    not deleted, and on this brand (or on every brand)."""
    qs = Article.objects.alive().filter(audience=Article.Audience.PUBLIC, visibility=Visibility.PUBLIC)
    if brand is not None:
        through = Article.brands.through
        on_brand = Exists(through.objects.filter(article_id=OuterRef("pk"), faqbrand_id=brand.pk))
        qs = qs.filter(on_brand | ~Exists(through.objects.filter(article_id=OuterRef("pk"))))
    return qs


def search_articles(user, query: str, limit: int = 5) -> list[Result]:
    """The header search's group: articles the user may see, best match first."""
    if not japanese.search_text(query):
        return []
    out = []
    for hit in rank(Article.objects.visible_to(user), query, limit=limit):
        a = hit.article
        detail = " · ".join(x for x in (a.category.name if a.category_id else "", a.get_audience_display()) if x)
        out.append(Result(ARTICLE, a.pk, "", a.title, detail, a.get_absolute_url(), matched="title",
                          parts=(a.title, "", "")))  # fmt: skip
    return out
