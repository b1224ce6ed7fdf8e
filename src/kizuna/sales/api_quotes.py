"""/api/v1/products and /api/v1/quotes: the product catalog (keyset pages, ETag/If-Match) and quotes (create from
a deal, read, change a draft, new version, status, PDF). Everything goes through sales.services.products and
sales.services.quotes; a quote is reached through its deal (hidden deal → 404)."""

import datetime
from decimal import Decimal

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kizuna.core.api import ErrorOut, expected_version, set_etag
from kizuna.core.pagination import paginate
from kizuna.core.records import get_for_user
from kizuna.core.schemas import Bounded, Strict

from . import tax
from .models import Deal, Quote
from .services import products as product_services
from .services import quote_documents
from .services import quotes as quote_services

router = Router(tags=["sales"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 405, 409, 412, 422, 428)}


# --- products -----------------------------------------------------------------------------------------------------
class ProductOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    unit_price: int
    tax_rate: str
    active: bool
    version: int


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class ProductIn(Strict):
    code: str = Field(..., max_length=60)
    name: str = Field(..., max_length=200)
    unit: str = Field("", max_length=20)
    unit_price: int = Field(0, ge=0, le=10**15)
    tax_rate: str = Field("10", description="10, 8 (軽減税率) or 0 (非課税・対象外)", max_length=3)
    active: bool = True


class ProductPatch(Strict):
    code: str | None = Field(None, max_length=60)
    name: str | None = Field(None, max_length=200)
    unit: str | None = Field(None, max_length=20)
    unit_price: int | None = Field(None, ge=0, le=10**15)
    tax_rate: str | None = Field(None, max_length=3)
    active: bool | None = None


class ProductListParams(Bounded):
    q: str = Field("", max_length=100, description="part of the code or the name")
    active: bool | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


def _products(user):
    return product_services.products_visible_to(user)


@router.get("/products", response={200: ProductPage, **ERRORS})
def list_products(request: HttpRequest, params: Query[ProductListParams]):
    qs = _products(request.user)
    if params.q.strip():
        q = params.q.strip()
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if params.active is not None:
        qs = qs.filter(active=params.active)
    return paginate(qs, sort="code", cursor=params.cursor, limit=params.limit)


@router.post("/products", response={201: ProductOut, **ERRORS})
def create_product(request: HttpRequest, response: HttpResponse, payload: ProductIn):
    product = product_services.create_product(actor=request.user, data=payload.dict())
    set_etag(response, product)
    return Status(201, product)


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def get_product(request: HttpRequest, response: HttpResponse, product_id: int):
    product = product_services.get_product_for_user(request.user, product_id)
    set_etag(response, product)
    return product


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
def patch_product(request: HttpRequest, response: HttpResponse, product_id: int, payload: ProductPatch):
    product = product_services.get_product_for_user(request.user, product_id, for_write=True)
    version = expected_version(request, product)
    product_services.update_product(actor=request.user, product=product, data=payload.dict(exclude_unset=True),
                                    expected_version=version)  # fmt: skip
    set_etag(response, product)
    return product


@router.delete("/products/{product_id}", response={204: None, **ERRORS})
def delete_product(request: HttpRequest, product_id: int):
    product = product_services.get_product_for_user(request.user, product_id, for_write=True)
    product_services.delete_product(
        actor=request.user, product=product, expected_version=expected_version(request, product)
    )
    return Status(204, None)


# --- quotes -------------------------------------------------------------------------------------------------------
class LineIO(Strict):
    product: int | None = Field(None, description="a product id: its code, name, unit, price and rate by default")
    code: str = Field("", max_length=60)
    name: str = Field("", max_length=200)
    unit: str = Field("", max_length=20)
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=12, decimal_places=2)
    unit_price: int | None = Field(None, ge=0, le=10**15)
    discount: int = Field(0, ge=0, le=10**15)
    tax_rate: str | None = Field(None, max_length=3, description="10, 8 (軽減税率) or 0")


class QuoteLineOut(Schema):
    product: int | None = Field(None, alias="product_id")
    code: str
    name: str
    unit: str
    quantity: Decimal
    unit_price: int
    discount: int
    tax_rate: str
    amount: int


class RateOut(Schema):
    rate: str
    lines: int
    discount: int
    taxable: int
    tax: int


class QuoteOut(Schema):
    id: int
    deal: int = Field(..., alias="deal_id")
    number: str
    revision: int
    display_number: str
    first: int | None = Field(None, alias="first_id")
    is_latest: bool
    editable: bool
    status: str
    title: str
    issued_on: datetime.date
    valid_until: datetime.date
    customer_name: str
    customer_department: str
    customer_person: int | None = Field(None, alias="customer_person_id")
    customer_person_name: str
    issuer_name: str
    issuer_postcode: str
    issuer_address: str
    issuer_phone: str
    issuer_contact: str
    registration_number: str
    delivery_terms: str
    delivery_place: str
    payment_terms: str
    notes: str
    discount: int
    subtotal: int
    tax: int
    total: int
    lines: list[QuoteLineOut]
    rates: list[RateOut]
    version: int


class QuoteListItem(Schema):
    id: int
    deal: int = Field(..., alias="deal_id")
    display_number: str
    revision: int
    is_latest: bool
    status: str
    title: str
    issued_on: datetime.date
    valid_until: datetime.date
    total: int
    version: int


class QuotePage(Schema):
    items: list[QuoteListItem]
    next_cursor: str | None


class QuoteIn(Strict):
    deal: int
    title: str | None = Field(None, max_length=200)
    issued_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    customer_name: str | None = Field(None, max_length=200)
    customer_department: str | None = Field(None, max_length=200)
    customer_person: int | None = None
    issuer_contact: str | None = Field(None, max_length=100)
    registration_number: str | None = Field(None, max_length=20)
    delivery_terms: str | None = Field(None, max_length=200)
    delivery_place: str | None = Field(None, max_length=200)
    payment_terms: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=5000)
    discount: int | None = Field(None, ge=0, le=10**15)
    lines: list[LineIO] | None = Field(None, max_length=quote_services.MAX_LINES,
                                       description="omitted: the deal's line items")  # fmt: skip


class QuotePatch(Strict):
    title: str | None = Field(None, max_length=200)
    issued_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    customer_name: str | None = Field(None, max_length=200)
    customer_department: str | None = Field(None, max_length=200)
    customer_person: int | None = None
    issuer_contact: str | None = Field(None, max_length=100)
    registration_number: str | None = Field(None, max_length=20)
    delivery_terms: str | None = Field(None, max_length=200)
    delivery_place: str | None = Field(None, max_length=200)
    payment_terms: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=5000)
    discount: int | None = Field(None, ge=0, le=10**15)
    lines: list[LineIO] | None = Field(None, max_length=quote_services.MAX_LINES, description="replaces all lines")


class QuoteStatusIn(Strict):
    status: str = Field(..., pattern="^(sent|accepted|rejected)$")


class QuoteListParams(Bounded):
    deal: int | None = None
    status: str | None = Field(None, max_length=10)
    latest: bool = Field(True, description="only the newest version of each number")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


def _data(payload: Strict, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial, exclude_none=not partial)
    data.pop("deal", None)
    if data.get("lines") is not None:
        data["lines"] = [{k: v for k, v in dict(line).items() if v is not None} for line in data["lines"]]
    return data


def _out(quote: Quote) -> dict:
    lines = list(quote.lines.all())
    totals = tax.compute(lines, quote.discount)
    quote.rates = [{"rate": r.rate, "lines": r.lines, "discount": r.discount, "taxable": r.taxable, "tax": r.tax}
                   for r in totals.rates]  # fmt: skip
    return quote


@router.get("/quotes", response={200: QuotePage, **ERRORS})
def list_quotes(request: HttpRequest, params: Query[QuoteListParams]):
    qs = Quote.objects.visible_to(request.user)
    if params.deal is not None:
        qs = qs.filter(deal=get_for_user(Deal, request.user, params.deal))
    if params.status:
        qs = qs.filter(status=params.status)
    if params.latest:
        qs = qs.filter(is_latest=True)
    return paginate(qs, sort="-id", cursor=params.cursor, limit=params.limit)


@router.post("/quotes", response={201: QuoteOut, **ERRORS})
def create_quote(request: HttpRequest, response: HttpResponse, payload: QuoteIn):
    deal = get_for_user(Deal, request.user, payload.deal)
    quote = quote_services.create_quote(actor=request.user, deal=deal, data=_data(payload, partial=False))
    set_etag(response, quote)
    return Status(201, _out(quote_services.mask_for(request.user, quote)))


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS})
def get_quote(request: HttpRequest, response: HttpResponse, quote_id: int):
    quote = quote_services.get_quote_for_user(request.user, quote_id)
    set_etag(response, quote)
    return _out(quote)


@router.patch("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS})
def patch_quote(request: HttpRequest, response: HttpResponse, quote_id: int, payload: QuotePatch):
    """Change a draft (the newest version only); `lines`, when given, replace all lines."""
    quote = quote_services.get_quote_for_user(request.user, quote_id, for_write=True)
    version = expected_version(request, quote)
    quote_services.update_quote(actor=request.user, quote=quote, data=_data(payload, partial=True),
                                expected_version=version)  # fmt: skip
    set_etag(response, quote)
    return _out(quote_services.mask_for(request.user, quote))


@router.delete("/quotes/{quote_id}", response={204: None, **ERRORS})
def delete_quote(request: HttpRequest, quote_id: int):
    quote = quote_services.get_quote_for_user(request.user, quote_id, for_write=True)
    quote_services.delete_quote(actor=request.user, quote=quote, expected_version=expected_version(request, quote))
    return Status(204, None)


@router.post("/quotes/{quote_id}/revisions", response={201: QuoteOut, **ERRORS})
def revise_quote(request: HttpRequest, response: HttpResponse, quote_id: int):
    """A new version (a draft copy of the newest version); earlier versions become read-only."""
    quote = quote_services.get_quote_for_user(request.user, quote_id, for_write=True)
    copy = quote_services.new_revision(actor=request.user, quote=quote)
    set_etag(response, copy)
    return Status(201, _out(quote_services.mask_for(request.user, copy)))


@router.post("/quotes/{quote_id}/status", response={200: QuoteOut, **ERRORS})
def set_status(request: HttpRequest, response: HttpResponse, quote_id: int, payload: QuoteStatusIn):
    """sent (files the PDF on the deal's timeline), then accepted or rejected. If-Match, when sent, is checked;
    without it the transitions themselves guard (a quote moves forward only: 409 otherwise)."""
    quote = quote_services.get_quote_for_user(request.user, quote_id, for_write=True)
    version = expected_version(request, quote) if request.headers.get("If-Match") else None
    if payload.status == Quote.Status.SENT:
        quote_documents.send(actor=request.user, quote=quote, expected_version=version)
    else:
        quote_services.set_status(actor=request.user, quote=quote, status=payload.status, expected_version=version)
    set_etag(response, quote)
    return _out(quote_services.mask_for(request.user, quote))


def _pdf_response(quote: Quote, pdf: bytes) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote.display_number}.pdf"'
    return response


@router.get("/quotes/{quote_id}/pdf", response={200: None, **ERRORS})
def quote_pdf(request: HttpRequest, quote_id: int):
    """The 見積書 as PDF (the one filed on the deal's timeline for this state, if any). Writes nothing."""
    quote = quote_services.get_quote_for_user(request.user, quote_id)
    return _pdf_response(quote, quote_documents.pdf_of(quote))


@router.post("/quotes/{quote_id}/pdf", response={200: None, **ERRORS})
def issue_quote_pdf(request: HttpRequest, quote_id: int):
    """Issue the PDF: the first issue of each saved state is filed on the deal's timeline (an activity linked to
    the deal, the PDF attached). Readers who may not write the deal get the PDF; nothing is filed."""
    quote = quote_services.get_quote_for_user(request.user, quote_id)
    return _pdf_response(quote, quote_documents.issue(actor=request.user, quote=quote))
