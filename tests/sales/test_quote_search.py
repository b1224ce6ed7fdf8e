"""Quotes in the header search: by number, 件名, the deal's title and the company; the newest version of a number
only; never a quote of a deal the reader cannot see."""

from django.test import Client

from kizuna.core import search
from kizuna.sales import quote_search
from kizuna.sales import search as deal_search
from kizuna.sales.quote_search import search_quotes
from kizuna.sales.services import deals as deal_services
from kizuna.sales.services import quotes

from .quote_helpers import deal, issuer


def labels(user, query):
    return [r.label for r in search_quotes(user, query)]


def test_quotes_are_found_by_number_deal_and_company_newest_version_only(cast):
    issuer()
    jig = deal(cast.owner, title="第2工場 検査治具更新")
    quote = quotes.create_quote(
        actor=cast.owner, deal=jig, data={"title": "検査治具一式", "lines": [{"name": "治具", "unit_price": 1}]}
    )
    number = quote.number
    for query in (number, number[-4:], "治具一式", "第2工場", "山田", "山田製作所"):
        assert labels(cast.owner, query) == [f"{number} 検査治具一式"], query
    assert labels(cast.outsider, number) == []  # the deal is 営業1部's
    revised = quotes.new_revision(actor=cast.owner, quote=quote)
    assert labels(cast.owner, number) == [f"{number}-2 検査治具一式"]
    quotes.delete_quote(actor=cast.owner, quote=revised)
    assert labels(cast.owner, number) == [f"{number} 検査治具一式"]
    deal_services.update_deal(actor=cast.owner, deal=jig, data={"title": "第3工場 検査治具更新"})
    assert labels(cast.owner, "第3工場") == [f"{number} 検査治具一式"]
    client = Client()
    client.force_login(cast.owner)
    html = client.get(f"/search/quick/?q={number}").content.decode()
    assert "見積書" in html and quote.get_absolute_url() in html


def test_reindex_rebuilds_quote_and_deal_documents(cast):
    issuer()
    jig = deal(cast.owner, title="金型更新")
    quote = quotes.create_quote(actor=cast.owner, deal=jig, data={"lines": [{"name": "金型", "unit_price": 1}]})
    quotes.new_revision(actor=cast.owner, quote=quote)
    search.clear([quote_search.QUOTE, deal_search.DEAL])
    assert labels(cast.owner, "金型") == [] and deal_search.search_deals(cast.owner, "金型") == []
    assert quote_search.reindex(batch=1) == 1 and deal_search.reindex(batch=1) == 1  # the newest version only
    assert labels(cast.owner, "金型") == [f"{quote.number}-2 金型更新"]
    assert [r.id for r in deal_search.search_deals(cast.owner, "金型")] == [jig.pk]
