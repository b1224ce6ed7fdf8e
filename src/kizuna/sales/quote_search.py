"""Quotes (見積書) in the header search: found by their number (Q-2026-0012, or just 0012), their 件名, the deal's
title and the company (the deal's, and the addressee as printed), for those who see the deal (Quote.objects
.visible_to). One document per quote number: its newest version."""

from kizuna.contacts.search import Result
from kizuna.core import japanese, search
from kizuna.core.visibility import viewer_for

from .models import Quote
from .money import format_yen

QUOTE = "quote"


def quote_fields(quote: Quote) -> list[str]:
    deal, company = quote.deal, quote.deal.company
    return [japanese.search_text(quote.display_number), japanese.search_text(quote.title),
            japanese.search_text(deal.title), japanese.search_text(quote.customer_name), company.name_search,
            company.name_key]  # fmt: skip


def _document(quote: Quote) -> search.Document:
    names = (japanese.search_text(quote.number), japanese.search_text(quote.display_number))
    return search.Document(quote.pk, quote_fields(quote), names=names, stamp=quote.updated_at)


def index_quote(quote: Quote) -> None:
    """Call after a quote is written: the newest live version of a number is indexed, any other version removed."""
    if quote.deleted_at or not quote.is_latest:
        search.remove(QUOTE, quote.pk)
    else:
        doc = _document(quote)
        search.index(QUOTE, quote.pk, doc.fields, names=doc.names, stamp=doc.stamp)


def index_number(number: str) -> None:
    """Every version of a number as it now stands (after a new version, or a deleted draft's predecessor)."""
    for quote in Quote.objects.filter(number=number).select_related("deal__company"):
        index_quote(quote)


def index_quotes_of(deal) -> None:
    """The deal's title or company changed: its quotes' documents follow."""
    for quote in Quote.objects.alive().filter(deal=deal, is_latest=True).select_related("deal__company"):
        index_quote(quote)


def reindex(progress=None, *, batch: int = 2000) -> int:
    from .search import by_recency

    done = 0
    for chunk in by_recency(Quote.objects.alive().filter(is_latest=True).select_related("deal__company"), batch):
        search.index_many(QUOTE, [_document(q) for q in chunk])
        done += len(chunk)
        if progress:
            progress(done)
    return done


def search_quotes(user, query: str, limit: int = 5) -> list[Result]:
    """Exact number first, then numbers starting with the query, then the newest; the matching part is shown."""
    q = japanese.search_text(query)
    if not q:
        return []
    visible = Quote.objects.visible_to(user)
    _, _, hits = search.Search(QUOTE, [q], q, visible).top(limit, cap=limit)
    found = visible.select_related("deal__company").in_bulk([object_id for _, _, object_id in hits])
    viewer = viewer_for(user)
    viewer.prime_related([quote.deal for quote in found.values()], "company")
    out = []
    for quote in (found[object_id] for _, _, object_id in hits if object_id in found):
        label = f"{quote.display_number} {quote.title}"
        detail = " · ".join([viewer.name(quote.deal.company), quote.get_status_display(), format_yen(quote.total)])
        span = search.find_span(label, q)
        parts = (label[: span[0]], label[span[0] : span[1]], label[span[1] :]) if span else (label, "", "")
        out.append(Result(QUOTE, quote.pk, "", label, detail, quote.get_absolute_url(),
                          matched="title" if span else "company", parts=parts))  # fmt: skip
    return out
