"""FAQ gaps: the call reasons customers ask about most that no article answers. A reason is covered when an
article is linked to it (Article.call_reasons), or when an article ranks well (BM25 at or above RELEVANT) for the
reason's name together with the subjects of its recent tickets. Counts follow ticket visibility."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from kizuna.core.japanese.tokens import terms

from ..models import Article, CallReason, Ticket
from . import kb_search

RELEVANT = 10.0  # a BM25 score at or above this means the article talks about the same things (a hint: links decide)
SAMPLE_SUBJECTS = 20


@dataclass
class Gap:
    reason: CallReason
    tickets: int
    linked: int
    best_article: Article | None
    best_score: float

    @property
    def is_gap(self) -> bool:
        return not self.linked and (self.best_article is None or self.best_score < RELEVANT)


def faq_gaps(user, *, days: int = 90, limit: int = 30, only_gaps: bool = True) -> list[Gap]:
    since = timezone.now() - timedelta(days=days)
    tickets = Ticket.objects.visible_to(user).filter(created_at__gte=since, call_reason__isnull=False)
    counts = list(tickets.values("call_reason").annotate(n=Count("pk")).order_by("-n", "call_reason")[: limit * 3])
    reasons = CallReason.objects.select_related("parent").in_bulk([c["call_reason"] for c in counts])
    articles = Article.objects.visible_to(user)
    linked = dict(
        articles.filter(call_reasons__in=list(reasons)).values("call_reasons").annotate(n=Count("pk"))
        .values_list("call_reasons", "n")
    )  # fmt: skip
    out = []
    for row in counts:
        reason = reasons.get(row["call_reason"])
        if reason is None:
            continue
        best, score = None, 0.0
        if not linked.get(reason.pk):
            subjects = tickets.filter(call_reason=reason).order_by("-created_at").values_list("subject", flat=True)
            text = " ".join([reason.name, str(reason.parent.name if reason.parent_id else ""),
                             *subjects[:SAMPLE_SUBJECTS]])  # fmt: skip
            scored = kb_search.bm25(articles, "", limit=1, text_terms=_distinct(terms(text)))
            if scored:
                best, score = articles.filter(pk=scored[0][0]).first(), scored[0][1]
        gap = Gap(reason, row["n"], linked.get(reason.pk, 0), best, score)
        if gap.is_gap or not only_gaps:
            out.append(gap)
        if len(out) >= limit:
            break
    return out


def _distinct(words: list[str]) -> list[str]:
    """Each word once: twenty subjects saying 納期 should not outweigh the reason's own name."""
    return list(dict.fromkeys(words))
