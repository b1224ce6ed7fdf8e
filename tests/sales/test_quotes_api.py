"""/api/v1/products and /api/v1/quotes: shapes, ETag/If-Match, versions, status and the PDF; the negative set."""

from unittest import mock

import pytest

from kizuna.sales.models import Quote
from kizuna.timeline.models import Attachment
from tests.sales import quote_helpers as h

P = "/api/v1/products"
Q = "/api/v1/quotes"


@pytest.fixture
def deal(cast):
    h.issuer()
    h.products(cast.admin)
    return h.deal(cast.owner)


def test_products_crud_with_etag(cast, api):
    admin = api(cast.admin)
    r = admin.post(P, {"code": "A-1", "name": "ボルト", "unit": "本", "unit_price": 120, "tax_rate": "10"})
    assert r.status_code == 201, r.content
    pid, etag = r.json()["id"], r["ETag"]
    assert admin.get(f"{P}?q=ボルト").json()["items"][0]["code"] == "A-1"
    assert admin.patch(f"{P}/{pid}", {"unit_price": 130}).status_code == 428
    r = admin.patch(f"{P}/{pid}", {"unit_price": 130}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["unit_price"] == 130 and r["ETag"] != etag
    assert admin.patch(f"{P}/{pid}", {"unit_price": 140}, headers={"If-Match": etag}).status_code == 412
    r = admin.post(P, {"code": "A-1", "name": "重複", "tax_rate": "10"})
    assert r.status_code == 422 and "すでに使われています" in r.json()["error"]["fields"]["code"][0]
    assert admin.post(P, {"code": "A-2", "name": "x", "tax_rate": "5"}).status_code == 422
    assert api(cast.readonly).post(P, {"code": "B", "name": "x"}).status_code == 403
    assert api(None).get(P).status_code == 401
    assert api(cast.readonly).get(f"{P}/{pid}").status_code == 200


def test_quote_create_read_update_version_status_pdf(cast, api, deal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    owner = api(cast.owner)
    body = {
        "deal": deal.pk,
        "discount": 1000,
        "lines": [{"name": "据付工事", "unit_price": 10000}, {"name": "弁当", "unit_price": 5000, "tax_rate": "8"}],
    }
    r = owner.post(Q, body)
    assert r.status_code == 201, r.content
    quote = r.json()
    assert (quote["subtotal"], quote["tax"], quote["total"]) == (14000, 1306, 15306)
    assert [(x["rate"], x["discount"], x["tax"]) for x in quote["rates"]] == [("10", 667, 933), ("8", 333, 373)]
    qid, etag = quote["id"], r["ETag"]
    r = owner.patch(f"{Q}/{qid}", {"notes": "納期ご相談"}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["notes"] == "納期ご相談"
    etag = r["ETag"]
    r = owner.post(f"{Q}/{qid}/status", {"status": "accepted"}, headers={"If-Match": etag})
    assert r.status_code == 409
    r = owner.post(f"{Q}/{qid}/status", {"status": "sent"}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["status"] == "sent"
    assert owner.patch(f"{Q}/{qid}", {"notes": "x"}, headers={"If-Match": r["ETag"]}).status_code == 409
    r = owner.post(f"{Q}/{qid}/revisions")
    assert r.status_code == 201 and r.json()["revision"] == 2 and r.json()["first"] == qid
    listed = owner.get(f"{Q}?deal={deal.pk}").json()["items"]
    assert [x["display_number"] for x in listed] == [f"{quote['number']}-2"]
    assert len(owner.get(f"{Q}?deal={deal.pk}&latest=false").json()["items"]) == 2
    pdf = owner.get(f"{Q}/{qid}/pdf")  # the PDF filed when it was sent; reading writes nothing
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert Attachment.objects.count() == 1
    new_id = owner.get(f"{Q}?deal={deal.pk}").json()["items"][0]["id"]
    with mock.patch("kizuna.sales.quote_pdf.render_pdf", return_value=pdf.content):
        assert owner.post(f"{Q}/{new_id}/pdf").status_code == 200  # issuing the new version files it
        assert api(cast.readonly).post(f"{Q}/{new_id}/pdf").status_code == 200  # a reader: nothing filed
    assert Attachment.objects.count() == 2


def test_quote_negative_set(cast, api, deal):
    quote_id = api(cast.owner).post(Q, {"deal": deal.pk}).json()["id"]
    assert api(None).get(f"{Q}/{quote_id}").status_code == 401
    assert api(cast.outsider).get(f"{Q}/{quote_id}").status_code == 404
    assert api(cast.outsider).post(Q, {"deal": deal.pk}).status_code == 404
    assert api(cast.readonly).get(f"{Q}/{quote_id}").status_code == 200
    assert api(cast.readonly).post(f"{Q}/{quote_id}/revisions").status_code == 403
    assert api(cast.owner).client.put(f"{Q}/{quote_id}", headers=api(cast.owner).headers).status_code == 405
    r = api(cast.owner).post(Q, {"deal": deal.pk, "registration_number": "T1234567890123"})
    assert r.status_code == 422 and "registration_number" in r.json()["error"]["fields"]
    assert Quote.objects.count() == 1
