"""Builders for the quote tests: an issuer, a deal with a company and a person, products — all through services."""

from kizuna.sales.models import QuoteIssuer
from kizuna.sales.services import deals as deal_services
from kizuna.sales.services import products as product_services
from tests.factories import company, person


def issuer(**data) -> QuoteIssuer:
    values = {"name": "株式会社絆テック", "postcode": "100-0001", "address": "東京都千代田区千代田1-1",
              "phone": "03-1234-5678", "registration_number": "T7000012050002", "validity_days": 30} | data  # fmt: skip
    return QuoteIssuer.objects.create(pk=1, updated_at="2026-01-01T00:00:00Z", **values)


def deal(actor, title="検査治具更新", **data):
    acme = company(actor, "株式会社山田製作所")
    return deal_services.create_deal(actor=actor, data={"title": title, "company": acme.pk, **data})


def contact(actor, deal_obj):
    p = person(actor, "山田", "太郎", company=deal_obj.company.pk)
    deal_services.set_deal_contacts(actor=actor, deal=deal_obj, contacts=[{"person": p.pk, "role": "decision_maker"}])
    return p


def products(actor):
    return [
        product_services.create_product(actor=actor, data={"code": "JIG-100", "name": "検査治具A", "unit": "台",
                                                            "unit_price": 105, "tax_rate": "10"}),
        product_services.create_product(actor=actor, data={"code": "TEA-8", "name": "緑茶（贈答用）", "unit": "箱",
                                                            "unit_price": 1235, "tax_rate": "8"}),
    ]  # fmt: skip
