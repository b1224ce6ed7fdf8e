"""Demo quotes (core.demo, after the demo deals): the issuer (設定 → 見積書), a small product catalog of a machine
builder, and 見積書 with line items for the deals that reached 見積提出 — numbered, and versioned where the deal was
negotiated (a second version with a discount). Sent on the day the deal entered 見積提出; accepted for won deals,
not taken for lost ones. Everything goes through the quote services, with the clock at each step's day (as the
demo deals do)."""

from datetime import timedelta

from django.utils import timezone

from kizuna.core.permissions import is_admin

from .demo_deals import clock
from .models import Deal, DealStageChange, Product, Quote, QuoteIssuer, Stage
from .services import issuer as issuer_services
from .services import products as product_services
from .services import quotes as services

ISSUER = {"name": "株式会社絆テック", "postcode": "100-0005", "address": "東京都千代田区丸の内1-1-1 絆ビル8階",
          "phone": "03-5555-0100", "registration_number": "T4010001234567", "validity_days": 30,
          "default_notes": "本見積書の有効期限内にご発注ください。送料は当社負担です。"}  # fmt: skip
# code, name, unit, unit price (yen, tax-exclusive), tax rate
CATALOG = [
    ("JIG-200", "検査治具 標準型", "台", 480_000, "10"), ("JIG-210", "検査治具 特注設計", "式", 1_200_000, "10"),
    ("CAM-500", "画像検査ユニット", "台", 2_350_000, "10"), ("CNV-120", "ベルトコンベア 1.2m", "台", 380_000, "10"),
    ("MLD-300", "金型 改修", "式", 900_000, "10"), ("SET-001", "据付・調整作業", "人日", 65_000, "10"),
    ("TRN-001", "操作教育", "回", 50_000, "10"), ("MNT-100", "年間保守", "年", 360_000, "10"),
    ("BEN-008", "立会い時の弁当・飲料", "食", 1_080, "8"),
]  # fmt: skip
TERMS = [("受注後 6週間", "貴社 第2工場", "月末締め翌月末払い"), ("受注後 2か月", "貴社指定場所", "検収後 翌月末払い"),
         ("別途ご相談", "当社工場渡し", "月末締め翌々月10日払い")]  # fmt: skip
QUOTE_STAGE = "見積提出"


def _setup(admin) -> list[Product]:
    if not (QuoteIssuer.objects.order_by("pk").first() or QuoteIssuer()).name:
        issuer_services.update_issuer(actor=admin, data=ISSUER)
    products = []
    for code, name, unit, price, rate in CATALOG:
        product = Product.objects.alive().filter(code=code).first()
        products.append(product or product_services.create_product(actor=admin, data={
            "code": code, "name": name, "unit": unit, "unit_price": price, "tax_rate": rate}))  # fmt: skip
    return products


def _lines(products, rng, amount: int) -> list[dict]:
    """The deal's equipment, in a quantity that brings the quote near the deal's amount, plus the work around it."""
    main = rng.sample(products[:5], rng.randint(1, 2))
    share = amount * 0.85 / len(main)
    lines = [{"product": p.pk, "quantity": max(1, min(40, round(share / p.unit_price)))} for p in main]
    lines.append({"product": products[5].pk, "quantity": rng.choice([2, 3, 5])})  # 据付・調整
    if rng.random() < 0.5:
        lines.append({"product": products[6].pk, "quantity": 1})
    if rng.random() < 0.3:  # 軽減税率 8%: the document shows both rates
        lines.append({"product": products[8].pk, "quantity": rng.choice([6, 10, 12])})
    return lines


def load(users, rng) -> str:
    admin = next((u for u in users if u.is_superuser or is_admin(u)), None)
    if admin is None:
        return "quotes 0 (no administrator)"
    products = _setup(admin)
    counts = {"quotes": 0, "versions": 0}
    now = timezone.now()
    entered = dict(DealStageChange.objects.filter(to_stage__name=QUOTE_STAGE).values_list("deal_id", "at"))
    deals = (Deal.objects.alive().filter(pk__in=list(entered), quotes__isnull=True).select_related("stage", "owner")
             .order_by("pk"))  # fmt: skip
    for deal in deals:
        day = entered[deal.pk]
        delivery, place, payment = rng.choice(TERMS)
        with clock(day - timedelta(days=1)):
            quote = services.create_quote(actor=deal.owner, deal=deal, data={
                "lines": _lines(products, rng, deal.amount), "delivery_terms": delivery, "delivery_place": place,
                "payment_terms": payment})  # fmt: skip
        with clock(day):
            services.set_status(actor=deal.owner, quote=quote, status=Quote.Status.SENT)
        counts["quotes"] += 1
        negotiated = deal.stage.name != QUOTE_STAGE and rng.random() < 0.6
        if negotiated:  # 交渉: a second version with a discount of a few percent
            later = min(day + timedelta(days=rng.randint(3, 10)), now - timedelta(hours=2))
            with clock(later):
                quote = services.new_revision(actor=deal.owner, quote=quote)
                discount = (quote.subtotal * rng.choice([3, 5, 8]) // 100) // 1000 * 1000
                services.update_quote(actor=deal.owner, quote=quote, data={"discount": discount})
                services.set_status(actor=deal.owner, quote=quote, status=Quote.Status.SENT)
            counts["versions"] += 1
        if deal.stage.kind != Stage.Kind.OPEN:
            decided = Quote.Status.ACCEPTED if deal.stage.kind == Stage.Kind.WON else Quote.Status.REJECTED
            with clock(deal.closed_at or now):
                services.set_status(actor=deal.owner, quote=quote, status=decided)
    return f"quotes {counts['quotes']}, second versions {counts['versions']}, products {len(products)}"
