"""Deals in the header search: found by their title and their company's name (1 character up), for those who
may see the deal (Deal.objects.visible_to)."""

from django.db.models import Q

from kizuna.contacts.search import Result
from kizuna.core import japanese, search
from kizuna.core.visibility import viewer_for

from .models import Deal
from .money import format_yen

DEAL = "deal"


def deal_fields(deal: Deal, company=None) -> list[str]:
    company = company or deal.company
    return [japanese.search_text(deal.title), company.name_search, company.name_key]


def index_deal(deal: Deal) -> None:
    if deal.deleted_at:
        search.remove(DEAL, deal.pk)
    else:
        search.index(DEAL, deal.pk, deal_fields(deal), names=(japanese.search_text(deal.title),),
                     stamp=deal.updated_at)  # fmt: skip
    from .quote_search import index_quotes_of

    index_quotes_of(deal)  # a quote is found by its deal's title and company too


def by_recency(qs, batch: int):
    """The rows of `qs` least recently updated first, in keyset batches (updated_at, pk): a reindex writes the
    documents in the records' recency order."""
    qs, after = qs.order_by("updated_at", "pk"), None
    while chunk := list(
        (qs if after is None else qs.filter(Q(updated_at__gt=after[0]) | Q(updated_at=after[0], pk__gt=after[1])))[
            :batch
        ]
    ):
        yield chunk
        after = (chunk[-1].updated_at, chunk[-1].pk)


def reindex(progress=None, *, batch: int = 2000) -> int:
    done = 0
    for chunk in by_recency(Deal.objects.alive().select_related("company"), batch):
        docs = [search.Document(d.pk, deal_fields(d), names=(japanese.search_text(d.title),), stamp=d.updated_at)
                for d in chunk]  # fmt: skip
        search.index_many(DEAL, docs)
        done += len(chunk)
        if progress:
            progress(done)
    return done


def search_deals(user, query: str, limit: int = 5) -> list[Result]:
    """Most recently changed first; the title is highlighted when it matched, else the company is named."""
    q = japanese.search_text(query)
    if not q:
        return []
    visible = Deal.objects.visible_to(user)
    _, _, hits = search.Search(DEAL, [q], None, visible).top(limit, cap=limit)
    found = visible.select_related("company", "stage").in_bulk([object_id for _, _, object_id in hits])
    out = []
    viewer = viewer_for(user)
    viewer.prime_related(found.values(), "company")
    for deal in (found[object_id] for _, _, object_id in hits if object_id in found):
        detail = f"{viewer.name(deal.company)} · {deal.stage.name} · {format_yen(deal.amount)}"
        span = search.find_span(deal.title, q) if q in japanese.search_text(deal.title) else None
        parts = (deal.title[: span[0]], deal.title[span[0] : span[1]], deal.title[span[1] :]) if span else (
            deal.title, "", "")  # fmt: skip
        out.append(Result(DEAL, deal.pk, "", deal.title, detail, deal.get_absolute_url(),
                          matched="title" if span else "company", parts=parts))  # fmt: skip
    return out
