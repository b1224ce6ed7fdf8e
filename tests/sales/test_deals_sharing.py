"""A private deal shared through the platform's /access API opens to the chosen user or team, with its quotes."""

from kizuna.core.models import AuditEvent
from kizuna.sales.services import deals as deal_services
from kizuna.sales.services import quotes as quote_services
from tests.factories import company

from .quote_helpers import issuer

API = "/api/v1"


def test_sharing_a_private_deal_opens_it_and_its_quotes_to_the_chosen_user_only(cast, api):
    issuer()
    acme = company(cast.owner, "株式会社山田製作所", visibility="public")
    deal = deal_services.create_deal(actor=cast.owner, data={"title": "極秘案件", "company": acme.pk,
                                                             "visibility": "private"})  # fmt: skip
    lines = [{"name": "治具", "unit_price": 1}]
    quote = quote_services.create_quote(actor=cast.owner, deal=deal, data={"lines": lines})
    outsider = api(cast.outsider)
    assert outsider.get(f"{API}/deals/{deal.pk}").status_code == 404
    assert api(cast.outsider).request("put", f"{API}/deals/{deal.pk}/access", {"shared_with": [cast.outsider.pk]},
                                      headers={"If-Match": deal.etag}).status_code == 404  # fmt: skip
    owner = api(cast.owner)
    got = owner.get(f"{API}/deals/{deal.pk}/access")
    assert got.status_code == 200 and got.json()["shared_with"] == []
    put = owner.request("put", f"{API}/deals/{deal.pk}/access", {"shared_with": [cast.outsider.pk]},
                        headers={"If-Match": got["ETag"]})  # fmt: skip
    assert put.status_code == 200, put.content
    assert put.json()["shared_with"] == [{"id": cast.outsider.pk, "name": str(cast.outsider)}]
    assert outsider.get(f"{API}/deals/{deal.pk}").status_code == 200
    assert outsider.get(f"{API}/quotes/{quote.pk}").status_code == 200  # a quote is read through its deal
    assert api(cast.teammate).get(f"{API}/deals/{deal.pk}").status_code == 404  # still private for the rest
    row = AuditEvent.objects.filter(action="share").latest("id")
    assert row.object_type == "sales.deal" and row.changes == {"shared_with": [[], [str(cast.outsider)]]}
