"""The demo quotes: the demo's deals that reached 見積提出 carry numbered 見積書 with product lines, some in a second
version, sent on their day and decided with the deal."""

import random

from django.utils import timezone

from kizuna.sales import demo_deals, demo_quotes
from kizuna.sales.models import Deal, Quote, QuoteIssuer
from kizuna.sales.quote_search import search_quotes
from tests import factories


def test_demo_quotes_follow_the_demo_deals(cast):
    for n in range(6):
        factories.company(cast.owner, f"デモ工業{n}", visibility="team")
    demo_deals.load([cast.owner], random.Random(3))
    summary = demo_quotes.load([cast.admin, cast.owner], random.Random(3))
    assert summary.startswith("quotes ") and QuoteIssuer.objects.get().registration_number == "T4010001234567"
    quoted = Deal.objects.filter(stage_changes__to_stage__name="見積提出").distinct()
    assert quoted.exists() and set(Quote.objects.values_list("deal_id", flat=True)) == set(quoted.values_list(
        "pk", flat=True))  # fmt: skip
    for quote in Quote.objects.filter(is_latest=True).select_related("deal__stage"):
        assert quote.lines.filter(product__isnull=False).count() >= 2 and quote.total > quote.subtotal > 0
        kind = quote.deal.stage.kind
        assert quote.status == {"won": "accepted", "lost": "rejected", "open": "sent"}[kind]
        assert quote.issued_on <= timezone.localtime(quote.sent_at).date()
    assert len(set(Quote.objects.values_list("number", flat=True))) == quoted.count()  # one number per deal
    first = Quote.objects.order_by("pk").first()
    assert [r.id for r in search_quotes(cast.owner, first.number)]  # indexed as written
    assert demo_quotes.load([cast.admin, cast.owner], random.Random(3)).startswith("quotes 0")  # once per deal
