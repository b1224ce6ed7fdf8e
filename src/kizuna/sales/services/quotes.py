"""Quotes (見積書): create, change a draft, new version, status, issuer settings. Every write is one transaction
with its audit row; a quote is reached through its deal (visible deal → visible quote; editable deal → writable
quote). Totals are worked out by sales.tax (one rounding per tax rate per document)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.models import Company, Person
from kizuna.core import audit, records
from kizuna.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from kizuna.core.japanese import parse_japanese_date
from kizuna.core.permissions import can_write_record
from kizuna.core.services import Errors, text
from kizuna.sales.money import parse_yen

from .. import tax
from ..models import Deal, Product, Quote, QuoteIssuer, QuoteLine, QuoteSequence, TaxRate
from .products import parse_tax_rate

FIELDS = [
    "title", "status", "issued_on", "valid_until", "customer_name", "customer_department", "customer_person",
    "customer_person_name", "issuer_name", "issuer_postcode", "issuer_address", "issuer_phone", "issuer_contact",
    "registration_number", "delivery_terms", "delivery_place", "payment_terms", "notes", "discount", "subtotal",
    "tax", "total",
]  # fmt: skip
EDITABLE = [
    "title", "issued_on", "valid_until", "customer_name", "customer_department", "customer_person",
    "issuer_contact", "registration_number", "delivery_terms", "delivery_place", "payment_terms", "notes",
    "discount", "lines",
]  # fmt: skip
LINE_FIELDS = ["product", "code", "name", "unit", "quantity", "unit_price", "discount", "tax_rate"]
MAX_LINES = 200
MAX_QUANTITY = Decimal("9999999999.99")
TRANSITIONS = {
    Quote.Status.DRAFT: (Quote.Status.SENT,),
    Quote.Status.SENT: (Quote.Status.ACCEPTED, Quote.Status.REJECTED),
    Quote.Status.ACCEPTED: (),
    Quote.Status.REJECTED: (),
}


# --- reading ------------------------------------------------------------------------------------------------------
def get_quote_for_user(user, pk, *, for_write: bool = False, deleted: bool = False) -> Quote:
    """The quote through its deal (hidden deal: 404). For reading, the addressee is as `user` may see it: a company
    or person hidden from them reads as the placeholder (`quote.masked`), on the page, in the API and the PDF."""
    quote = records.get_for_user(Quote, user, pk, deleted=deleted)
    if for_write:
        if not can_write_record(user, quote.deal):
            raise PermissionDenied()
        return quote
    return mask_for(user, quote)


def hidden_parts(user, quote: Quote) -> set[str]:
    """ "company" and/or "person" when the quote's company or addressee is hidden from `user`."""
    hidden = set()
    if not Company.objects.visible_to(user).filter(pk=quote.deal.company_id).exists():
        hidden.add("company")
    if quote.customer_person_id and not Person.objects.visible_to(user).filter(pk=quote.customer_person_id).exists():
        hidden.add("person")
    return hidden


def mask_for(user, quote: Quote) -> Quote:
    from kizuna.core.visibility import placeholder

    hidden = hidden_parts(user, quote)
    if "company" in hidden:
        quote.customer_name, quote.customer_department = placeholder(Company), ""
    if "person" in hidden:
        quote.customer_person_name = placeholder(Person)
    quote.masked = bool(hidden)
    return quote


def quotes_of(user, deal):
    return Quote.objects.visible_to(user).filter(deal=deal).order_by("-id")


# --- numbering ----------------------------------------------------------------------------------------------------
def next_number(*, year: int, prefix: str) -> str:
    """The next number of `year` ("Q-2026-000123"). Call it inside the transaction that saves the quote: the
    UPDATE takes the sequence row's lock until the commit, so concurrent quotes queue for it (PostgreSQL) or for
    the database write lock (SQLite) and never get the same number."""
    with transaction.atomic():
        if not QuoteSequence.objects.filter(year=year).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    QuoteSequence.objects.create(year=year, last=1)
            except IntegrityError:  # created by a concurrent first quote of the year
                QuoteSequence.objects.filter(year=year).update(last=F("last") + 1)
        last = QuoteSequence.objects.get(year=year).last
    return f"{prefix}-{year}-{last:06d}"


# --- issuer settings ----------------------------------------------------------------------------------------------
def get_issuer() -> QuoteIssuer:
    issuer = QuoteIssuer.objects.order_by("pk").first()
    return issuer or QuoteIssuer(pk=1)


# --- cleaning -----------------------------------------------------------------------------------------------------
def _date(data: dict, key: str, errors: Errors, label: str):
    raw = data.get(key)
    if isinstance(raw, datetime.date):
        return raw
    value = parse_japanese_date(str(raw or "")) if raw not in (None, "") else None
    if value is None:
        errors.add(key, _("%(label)sの日付を入力してください（例: 2026/4/1、令和8年4月1日）。") % {"label": label})
    return value


def _quantity(raw, errors: Errors, key: str):
    try:
        value = Decimal(str(raw if raw not in (None, "") else "1").replace(",", "").strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0 or value > MAX_QUANTITY or value != round(value, 2):
        errors.add(key, _("数量は0より大きい数（小数は2桁まで）で入力してください。"))
        return Decimal(1)
    return value


def _lines(actor, raw, errors: Errors) -> list[dict]:
    if not isinstance(raw, list):
        errors.add("lines", _("明細の形式が正しくありません。"))
        return []
    if len(raw) > MAX_LINES:
        errors.add("lines", _("明細は%(n)s行までです。") % {"n": MAX_LINES})
        return []
    product_ids = [r.get("product") for r in raw if isinstance(r, dict) and r.get("product")]
    products = Product.objects.alive().in_bulk([int(p) for p in product_ids if str(p).isdigit()])
    # a line with a code and no name is that product's line (type the 品番, the rest fills in)
    codes = [str(r["code"]).strip() for r in raw if isinstance(r, dict) and r.get("code") and not r.get("name")
             and not r.get("product")]  # fmt: skip
    by_code = {p.code: p for p in Product.objects.alive().filter(code__in=codes)} if codes else {}
    out = []
    for i, row in enumerate(raw, start=1):
        key = f"lines.{i}"
        if not isinstance(row, dict):
            errors.add(key, _("%(n)s行目の明細の形式が正しくありません。") % {"n": i})
            continue
        product = None
        if not row.get("product") and not row.get("name") and str(row.get("code") or "").strip() in by_code:
            row = row | {"product": by_code[str(row["code"]).strip()].pk}
            products.setdefault(row["product"], by_code[str(row["code"]).strip()])
        if row.get("product"):
            product = products.get(int(row["product"])) if str(row["product"]).isdigit() else None
            if product is None:
                errors.add(key, _("%(n)s行目: 商品が見つかりません。") % {"n": i})
                continue
        filled = {k: row.get(k) for k in LINE_FIELDS if row.get(k) not in (None, "")}
        if product is not None:  # the product's values unless the line says otherwise
            filled = {"code": product.code, "name": product.name, "unit": product.unit,
                      "unit_price": product.unit_price, "tax_rate": product.tax_rate} | filled  # fmt: skip
        line = {"product": product, "position": i}
        line["code"] = text(filled, "code", 60, errors)
        line["name"] = text(filled, "name", 200, errors)
        if not line["name"]:
            errors.add(key, _("%(n)s行目: 品名を入力してください。") % {"n": i})
        line["unit"] = text(filled, "unit", 20, errors)
        line["quantity"] = _quantity(filled.get("quantity"), errors, key)
        for money_key, label in (("unit_price", _("単価")), ("discount", _("値引"))):
            value = parse_yen(filled.get(money_key))
            if value is None:
                errors.add(
                    key, _("%(n)s行目: %(label)sは0以上の金額（円）で入力してください。") % {"n": i, "label": label}
                )
            line[money_key] = value or 0
        rate = parse_tax_rate(filled.get("tax_rate", TaxRate.STANDARD))
        if rate is None:
            errors.add(key, _("%(n)s行目: 消費税率は 10・8（軽減）・0（非課税）のいずれかです。") % {"n": i})
        line["tax_rate"] = rate or TaxRate.STANDARD
        if line["discount"] > tax.line_amount(line["quantity"], line["unit_price"]):
            errors.add(key, _("%(n)s行目: 値引が金額を超えています。") % {"n": i})
        out.append(line)
    return out


def _clean(actor, deal: Deal, data: dict, *, current: Quote | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    unknown = set(data) - set(EDITABLE)
    if unknown:
        errors.add("", _("変更できない項目です: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    limits = {"title": 200, "customer_name": 200, "customer_department": 200, "issuer_contact": 100,
              "delivery_terms": 200, "delivery_place": 200, "payment_terms": 200, "notes": 5000}  # fmt: skip
    for key, limit in limits.items():
        if key in data:
            out[key] = text(data, key, limit, errors)
    for key in ("title", "customer_name"):
        if key in out and not out[key]:
            errors.add(key, _("%(label)sを入力してください。") % {"label": Quote._meta.get_field(key).verbose_name})
    for key in ("issued_on", "valid_until"):
        if key in data:
            out[key] = _date(data, key, errors, str(Quote._meta.get_field(key).verbose_name))
    issued = out.get("issued_on") or getattr(current, "issued_on", None)
    until = out.get("valid_until") or getattr(current, "valid_until", None)
    if issued and until and until < issued:
        errors.add("valid_until", _("有効期限は発行日より後の日付にしてください。"))
    if "registration_number" in data:
        try:
            out["registration_number"] = tax.normalize_registration_number(str(data.get("registration_number") or ""))
        except ValueError as exc:
            errors.add("registration_number", str(exc))
    if "customer_person" in data:
        raw = data.get("customer_person")
        person = None
        if raw not in (None, "", 0):
            pk = raw.pk if hasattr(raw, "pk") else raw
            person = Person.objects.visible_to(actor).filter(pk=pk).first() if str(pk).isdigit() else None
            if person is None:
                errors.add("customer_person", _("宛名の担当者が見つかりません。"))
        out["customer_person"] = person
        out["customer_person_name"] = person.display_name if person else ""
    if "discount" in data:
        discount = parse_yen(data.get("discount"))
        if discount is None:
            errors.add("discount", _("値引は0以上の金額（円）で入力してください。"))
        out["discount"] = discount or 0
    if "lines" in data:
        out["lines"] = _lines(actor, data.get("lines"), errors)
    lines = out.get("lines") if "lines" in out else list(current.lines.all()) if current else []
    discount = out.get("discount", getattr(current, "discount", 0))
    if discount and discount > tax.compute(lines).lines:
        errors.add("discount", _("値引が明細の合計を超えています。"))
    errors.raise_if_any()
    return out


def _write_lines(quote: Quote, lines: list[dict]) -> None:
    quote.lines.all().delete()
    QuoteLine.objects.bulk_create(QuoteLine(quote=quote, **line) for line in lines)


def _line_values(quote: Quote) -> list[str]:
    """The lines as the history shows them, one text each."""
    return [f"{ln.code} {ln.name} {ln.quantity}{ln.unit} × ¥{ln.unit_price:,} −¥{ln.discount:,} ({ln.tax_rate}%)"
            for ln in quote.lines.all()]  # fmt: skip


def _set_totals(quote: Quote, lines) -> None:
    totals = tax.compute(lines, quote.discount)
    quote.subtotal, quote.tax, quote.total = totals.subtotal, totals.tax, totals.total


# --- writing ------------------------------------------------------------------------------------------------------
def _require_deal_writer(actor, deal: Deal) -> None:
    if not can_write_record(actor, deal):
        raise PermissionDenied()


def create_quote(*, actor, deal: Deal, data: dict | None = None) -> Quote:
    """A draft for `deal`: addressee, issuer and terms default from the deal and the issuer settings."""
    _require_deal_writer(actor, deal)
    issuer = get_issuer()
    today = timezone.localdate()
    data = dict(data or {})
    defaults = {"title": deal.title, "customer_name": deal.company.name, "issued_on": today,
                "valid_until": today + datetime.timedelta(days=issuer.validity_days or 30),
                "notes": issuer.default_notes, "registration_number": issuer.registration_number,
                "issuer_contact": getattr(actor, "display_name", "") or str(actor)}  # fmt: skip
    if "lines" not in data:
        data["lines"] = [{"product": ln.product_id, "name": ln.name, "unit": ln.unit, "quantity": ln.quantity,
                          "unit_price": ln.unit_price, "discount": ln.discount, "tax_rate": ln.tax_rate}
                         for ln in deal.lines.all()]  # fmt: skip
    values = _clean(actor, deal, defaults | data)
    if not issuer.name:
        raise ValidationFailed(_("見積書の発行者（自社名）が未設定です。設定 → 見積書 で登録してください。"),
                               field_errors={"issuer": [_("見積書の発行者（自社名）が未設定です。")]})  # fmt: skip
    lines = values.pop("lines")
    with transaction.atomic():
        quote = Quote(
            deal=deal, number=next_number(year=values["issued_on"].year, prefix=issuer.number_prefix or "Q"),
            issuer_name=issuer.name, issuer_postcode=issuer.postcode, issuer_address=issuer.address,
            issuer_phone=issuer.phone, created_by=actor, updated_by=actor, **values,
        )  # fmt: skip
        _set_totals(quote, lines)
        quote.save()
        _write_lines(quote, lines)
        snapshot = records.snapshot(quote, FIELDS) | {"number": quote.number, "lines": _line_values(quote)}
        audit.record(actor=actor, action="create", obj=quote, changes=audit.diff({}, snapshot))
        _index(quote)
    return quote


def _require_editable(quote: Quote) -> None:
    if not quote.is_latest:
        raise Conflict(_("この見積書は古い版です。変更は最新の版で行ってください。"))
    if quote.status != Quote.Status.DRAFT:
        raise Conflict(_("提出済みの見積書は変更できません。新しい版を作ってください。"))


def update_quote(*, actor, quote: Quote, data: dict, expected_version=None) -> dict:
    """Change a draft (the newest version only); `lines`, when given, replace all the lines."""
    _require_deal_writer(actor, quote.deal)
    records.check_version(quote, expected_version)
    _require_editable(quote)
    values = _clean(actor, quote.deal, data, current=quote)
    lines = values.pop("lines", None)
    with transaction.atomic():
        current = records.lock(quote)
        records.check_version(current, expected_version)
        _require_editable(current)
        before = records.snapshot(current, FIELDS) | {"lines": _line_values(current)}
        for key, value in values.items():
            setattr(quote, key, value)
        quote.version = current.version
        if lines is not None:
            _write_lines(quote, lines)
        _set_totals(quote, list(quote.lines.all()))
        changes = audit.diff(before, records.snapshot(quote, FIELDS) | {"lines": _line_values(quote)})
        if not changes:
            return {}
        records.touch(quote, actor)
        quote.save()
        audit.record(actor=actor, action="update", obj=quote, changes=changes)
        _index(quote)
    return changes


def new_revision(*, actor, quote: Quote) -> Quote:
    """A new version of the quote's number: a copy of the newest version as a draft (revision + 1, today's date);
    the versions before it become read-only."""
    _require_deal_writer(actor, quote.deal)
    with transaction.atomic():
        latest = Quote.objects.select_for_update().filter(number=quote.number, is_latest=True).first()
        if latest is None:
            raise NotFound()
        lines = [{f: getattr(ln, f) for f in LINE_FIELDS} | {"position": ln.position} for ln in latest.lines.all()]
        Quote.objects.filter(pk=latest.pk).update(is_latest=False)
        today = timezone.localdate()
        copy = Quote(**{f.attname: getattr(latest, f.attname) for f in Quote._meta.concrete_fields
                        if f.name not in ("id", "version", "created_at", "updated_at", "created_by", "updated_by",
                                          "deleted_at", "deleted_by", "activity", "activity_version")})  # fmt: skip
        copy.revision = latest.revision + 1
        copy.first_id = latest.first_id or latest.pk
        copy.is_latest, copy.status, copy.sent_at, copy.decided_at = True, Quote.Status.DRAFT, None, None
        copy.valid_until = today + (latest.valid_until - latest.issued_on)
        copy.issued_on = today
        copy.created_by = copy.updated_by = actor
        copy.save()
        _write_lines(copy, lines)
        audit.record(actor=actor, action="quote.revise", obj=copy,
                     changes={"revision": [latest.revision, copy.revision], "from": [None, latest.pk]})  # fmt: skip
        _index_number(copy.number)
    return copy


def set_status(*, actor, quote: Quote, status: str, expected_version=None) -> dict:
    """draft → sent → accepted / rejected (the newest version only)."""
    _require_deal_writer(actor, quote.deal)
    if status not in Quote.Status.values:
        raise ValidationFailed(field_errors={"status": [_("状態が正しくありません。")]})
    with transaction.atomic():
        current = records.lock(quote)
        records.check_version(current, expected_version)
        if not current.is_latest:
            raise Conflict(_("この見積書は古い版です。状態は最新の版で変更してください。"))
        if status not in TRANSITIONS[current.status]:
            message = _("「%(from)s」から「%(to)s」には変更できません。") % {
                "from": current.get_status_display(), "to": Quote.Status(status).label}  # fmt: skip
            raise Conflict(message)
        quote.version = current.version
        quote.status = status
        now = timezone.now()
        if status == Quote.Status.SENT:
            quote.sent_at = now
        else:
            quote.decided_at = now
        records.touch(quote, actor)
        quote.save()
        changes = {"status": [current.status, status]}
        audit.record(actor=actor, action="quote.status", obj=quote, changes=changes)
    return changes


def delete_quote(*, actor, quote: Quote, expected_version=None) -> None:
    """Only a draft can be deleted; the version before it becomes the newest again."""
    _require_deal_writer(actor, quote.deal)
    _require_editable(quote)
    with transaction.atomic():
        current = records.lock(quote)
        records.check_version(current, expected_version)
        quote.version = current.version
        quote.deleted_at = timezone.now()
        quote.deleted_by = actor if getattr(actor, "pk", None) else None
        quote.is_latest = False
        records.touch(quote, actor)
        quote.save(update_fields=["deleted_at", "deleted_by", "is_latest", "version", "updated_at", "updated_by"])
        previous = (Quote.objects.alive().filter(number=quote.number).exclude(pk=quote.pk)
                    .order_by("-revision").first())  # fmt: skip
        if previous is not None:
            Quote.objects.filter(pk=previous.pk).update(is_latest=True)
        audit.record(actor=actor, action="delete", obj=quote)
        _index_number(quote.number)


def _index(quote: Quote) -> None:
    from ..quote_search import index_quote

    index_quote(quote)


def _index_number(number: str) -> None:
    from ..quote_search import index_number

    index_number(number)
