"""Quote and product pages: the deal's section, the draft form with line rows, the quote page, status and versions,
設定 → 見積書 and 設定 → 商品 — through the real middleware (CSRF, sessions)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kizuna.core.models import AuditEvent
from kizuna.sales.models import Product, Quote, QuoteIssuer
from tests.sales import quote_helpers as h

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")  # fmt: skip


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def deal(cast):
    h.issuer()
    h.products(cast.admin)
    return h.deal(cast.owner)


def test_quote_flow_from_the_deal_page(cast, deal):
    c = client_for(cast.owner)
    page = c.get(f"/sales/deals/{deal.pk}/")
    assert page.status_code == 200 and "見積書を作成" in page.content.decode()
    r = c.post(f"/sales/deals/{deal.pk}/quotes/new/")
    quote = Quote.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/sales/quotes/{quote.pk}/edit/"
    form = c.get(r["Location"]).content.decode()
    assert 'name="line-1-code"' in form and 'list="product-codes"' in form and "JIG-100" in form
    r = c.post(f"/sales/quotes/{quote.pk}/edit/", {
        "version": quote.version, "title": "検査治具更新のお見積り", "customer_name": "株式会社山田製作所",
        "issued_on": "2026/4/1", "valid_until": "2026/4/30", "discount": "",
        "line-1-code": "JIG-100", "line-1-quantity": "3", "line-1-tax_rate": "",
        "line-2-code": "TEA-8", "line-2-quantity": "2", "line-2-tax_rate": "",  # 自動: the product's 8%
        "line-3-quantity": "1", "line-3-tax_rate": "",  # a blank row
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    quote.refresh_from_db()
    assert quote.lines.count() == 2 and quote.total == 3013
    detail = c.get(f"/sales/quotes/{quote.pk}/").content.decode()
    for text in ("¥3,013", "8%対象（軽減税率）", "※", "T7000012050002", "提出済みにする"):
        assert text in detail, text
    assert c.get("/sales/quotes/line-row/?n=5").content.decode().count('name="line-5-name"') == 1
    # a stale form is refused with a message, nothing lost
    r = c.post(f"/sales/quotes/{quote.pk}/edit/", {"version": 1, "title": "古い", "customer_name": "x",
                                                    "issued_on": "2026/4/1", "valid_until": "2026/4/30"})  # fmt: skip
    assert r.status_code == 409 and "先に変更しました" in r.content.decode()
    r = c.post(f"/sales/quotes/{quote.pk}/status/", {"status": "sent", "version": quote.version})
    assert r.status_code == 302 and Quote.objects.get(pk=quote.pk).status == "sent"
    assert c.get(f"/sales/quotes/{quote.pk}/edit/").status_code == 302  # sent: read-only
    r = c.post(f"/sales/quotes/{quote.pk}/revise/")
    assert r.status_code == 302 and Quote.objects.filter(number=quote.number).count() == 2
    assert "見積書" in c.get(f"/sales/deals/{deal.pk}/quotes/").content.decode()
    assert f"{quote.number}-2" in c.get("/sales/quotes/?status=draft").content.decode()  # the newest version


def test_bad_quote_form_keeps_what_was_typed(cast, deal):
    c = client_for(cast.owner)
    c.post(f"/sales/deals/{deal.pk}/quotes/new/")
    quote = Quote.objects.get()
    r = c.post(f"/sales/quotes/{quote.pk}/edit/", {
        "version": quote.version, "title": "件名", "customer_name": "株式会社山田製作所", "issued_on": "2026/4/1",
        "valid_until": "2026/4/30", "registration_number": "T7000012050003",
        "line-1-name": "特注治具", "line-1-quantity": "1", "line-1-unit_price": "百円", "line-1-tax_rate": "10",
    })  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 422 and "チェックディジット" in page and "1行目: 単価" in page
    assert 'value="特注治具"' in page and 'value="百円"' in page


def test_access_to_quote_pages(cast, deal):
    client_for(cast.owner).post(f"/sales/deals/{deal.pk}/quotes/new/")
    quote = Quote.objects.get()
    assert client_for(cast.outsider).get(f"/sales/quotes/{quote.pk}/").status_code == 404
    assert client_for(cast.readonly).get(f"/sales/quotes/{quote.pk}/").status_code == 200
    assert client_for(cast.readonly).get(f"/sales/quotes/{quote.pk}/edit/").status_code == 403
    assert client_for(cast.readonly).post(f"/sales/deals/{deal.pk}/quotes/new/").status_code == 403
    assert Client().get(f"/sales/quotes/{quote.pk}/").status_code == 302  # to the login page


def test_issuer_settings_validate_and_store_the_seal(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = client_for(cast.admin)
    assert client_for(cast.owner).get("/sales/settings/quotes/").status_code == 403
    base = {"name": "株式会社絆テック", "postcode": "1000001", "validity_days": "30", "number_prefix": "Q"}
    r = c.post("/sales/settings/quotes/", base | {"registration_number": "T7000012050009"})
    assert r.status_code == 422 and "チェックディジット" in r.content.decode()
    seal = SimpleUploadedFile("seal.png", PNG, "image/png")
    r = c.post(
        "/sales/settings/quotes/",
        base | {"registration_number": "ｔ7000012050002", "validity_days": "14", "number_prefix": "MT", "seal": seal},
    )
    assert r.status_code == 302
    issuer = QuoteIssuer.objects.get()
    assert (issuer.registration_number, issuer.postcode, issuer.number_prefix) == ("T7000012050002", "100-0001", "MT")
    assert c.get("/sales/settings/quotes/seal/").getvalue() == PNG
    assert AuditEvent.objects.filter(action="quote_issuer.update").count() == 1


def test_product_pages(cast):
    c = client_for(cast.admin)
    r = c.post("/sales/settings/products/new/", {"code": "P-1", "name": "ボルト", "unit": "本", "unit_price": "1.2万",
                                                 "tax_rate": "10", "active": "on"})  # fmt: skip
    assert r.status_code == 302 and Product.objects.get(code="P-1").unit_price == 12000
    r = c.post("/sales/settings/products/new/", {"code": "P-1", "name": "重複", "tax_rate": "10"})
    assert r.status_code == 422 and "すでに使われています" in r.content.decode()
    page = c.get("/sales/settings/products/?q=ボルト").content.decode()
    assert "P-1" in page and "¥12,000" in page
    assert client_for(cast.readonly).get("/sales/settings/products/new/").status_code == 403
