"""The board's columns in pages: the first cards per column, "もっと見る" (htmx, keyset cursor) for the next ones,
the column totals over every visible deal, and visibility kept on every page."""

import re

import pytest
from django.test import Client

from kizuna.sales import queries
from kizuna.sales.models import Stage
from kizuna.sales.services import deals as services
from tests.factories import company


def login(user):
    client = Client()
    client.force_login(user)
    return client


def _next_url(html: str) -> str | None:
    found = re.search(r'class="board-more[^"]*"><a href="[^"]*" hx-get="([^"]+)"', html)
    return found[1].replace("&amp;", "&") if found else None


@pytest.fixture
def lead_deals(cast, monkeypatch):
    monkeypatch.setattr(queries, "BOARD_PAGE", 2)
    acme = company(cast.owner, "株式会社ページ製作所")
    for n, amount in enumerate([500, 400, 300, 300, 100]):
        services.create_deal(actor=cast.owner, data={"title": f"ページ案件{n}", "company": acme.pk, "amount": amount})
    other = company(cast.outsider, "他社")
    services.create_deal(actor=cast.outsider, data={"title": "他部署の案件", "company": other.pk, "amount": 450,
                                                    "visibility": "private"})  # fmt: skip


def test_board_pages_a_column_with_keyset_more(cast, lead_deals):
    client = login(cast.teammate)
    page = client.get("/sales/board/").content.decode()
    assert "ページ案件0" in page and "ページ案件1" in page and "ページ案件2" not in page
    assert "他部署の案件" not in page
    lead = Stage.objects.get(pipeline__is_default=True, name="リード")
    column = re.search(rf'data-stage="{lead.pk}".*?</section>', page, re.S)[0]
    assert '<span class="count">5</span>' in column  # the total counts every visible deal, not the shown ones
    seen = re.findall(r"ページ案件(\d)", page)
    url = _next_url(page)
    assert "left=3" in url
    while url:
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        part = response.content.decode()
        assert "他部署の案件" not in part
        seen += re.findall(r"ページ案件(\d)", part)
        url = _next_url(part)
    # largest amount first; ties (300, 300) by the newer deal first; every card once
    assert seen == ["0", "1", "3", "2", "4"]


def test_more_refuses_a_bad_cursor_and_an_unknown_stage(cast, lead_deals):
    client = login(cast.teammate)
    lead = Stage.objects.get(pipeline__is_default=True, name="リード")
    url = f"/sales/board/stages/{lead.pk}/cards/"
    response = client.get(url + "?after=abc", HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "after" in response.content.decode()
    assert client.get(url).status_code == 200
    assert client.get("/sales/board/stages/999999/cards/", HTTP_HX_REQUEST="true").status_code == 404
