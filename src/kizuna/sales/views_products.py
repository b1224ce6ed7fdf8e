"""設定 → 商品 (the product catalog: list, form, delete, CSV/xlsx import and export) and the deals' import and
export. Writes go through sales.services.products, sales.imports and sales.imports_deals."""

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import has_perm

from . import forms_quotes as forms
from . import imports, imports_deals
from .models import TaxRate
from .services import products as services

ENCODING_CHOICES = (
    ("utf-8-sig", _l("UTF-8（BOM付き・Excel向け）")),
    ("cp932", _l("Shift_JIS（CP932）")),
    ("utf-8", "UTF-8"),
)


def _context(request, **extra) -> dict:
    return {"nav": "settings", "rates": TaxRate.choices, "encodings": ENCODING_CHOICES,
            "can_edit": has_perm(request.user, "product", "edit"), **extra}  # fmt: skip


@page_view
@require_GET
def product_list(request):
    if not has_perm(request.user, "product", "view"):
        raise PermissionDenied()
    q = request.GET.get("q", "").strip()[:100]
    qs = services.products_visible_to(request.user)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    products = list(qs.order_by("code")[:500])
    return render(request, "sales/products/list.html", _context(request, products=products, q=q))


def _form(request, product=None):
    errors, status = {}, 200
    if request.method == "POST":
        data = forms.posted_product(request.POST)
        try:
            if product is None:
                product = services.create_product(actor=request.user, data=data)
                messages.success(request, _("商品「%(name)s」を登録しました。") % {"name": product.name})
            else:
                services.update_product(actor=request.user, product=product, data=data,
                                        expected_version=request.POST.get("version") or None)  # fmt: skip
                messages.success(request, _("商品「%(name)s」を保存しました。") % {"name": product.name})
            return redirect("sales:product_list")
        except ValidationFailed as exc:
            errors, status = exc.field_errors or {"": [exc.message]}, 422
        except StaleVersion:
            errors, status = (
                {"": [_("ほかの人がこの商品を先に変更しました。内容を確かめてもう一度保存してください。")]},
                409,
            )
            product.refresh_from_db()
        form = data
    elif product is not None:
        form = {key: getattr(product, key) for key in [*forms.PRODUCT_FIELDS, "active"]}
    else:
        form = {"code": "", "name": "", "unit": _("個"), "unit_price": "", "tax_rate": TaxRate.STANDARD, "active": True}
    return render(request, "sales/products/form.html", _context(request, product=product, form=form, errors=errors),
                  status=status)  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def product_new(request):
    if not has_perm(request.user, "product", "create"):
        raise PermissionDenied()
    return _form(request)


@page_view
@require_http_methods(["GET", "POST"])
def product_edit(request, pk: int):
    return _form(request, services.get_product_for_user(request.user, pk, for_write=True))


@page_view
@require_POST
def product_delete(request, pk: int):
    product = services.get_product_for_user(request.user, pk, for_write=True)
    services.delete_product(actor=request.user, product=product)
    messages.success(request, _("商品「%(name)s」を削除しました。") % {"name": product.name})
    return redirect("sales:product_list")


def _download(export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _export(request, run):
    try:
        return _download(run(actor=request.user, fmt=request.GET.get("format", "csv"),
                             encoding=request.GET.get("encoding", "utf-8-sig")))  # fmt: skip
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
        return None


@page_view
@require_GET
def product_export(request):
    return _export(request, imports.export_products) or redirect("sales:product_list")


def _import_page(request, *, run, template: str, context: dict):
    result, errors, status = None, {}, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors, status = {"file": [_("ファイルを選んでください。")]}, 422
        else:
            try:
                result = run(actor=request.user, content=upload.read(imports.MAX_BYTES + 1), filename=upload.name,
                             encoding=request.POST.get("encoding", "auto"),
                             dry_run=request.POST.get("dry_run") == "on")  # fmt: skip
            except ValidationFailed as exc:
                errors, status = exc.field_errors or {"": [exc.message]}, 422
    return render(request, template, {**context, "result": result, "errors": errors}, status=status)


@page_view
@require_http_methods(["GET", "POST"])
def product_import(request):
    if not has_perm(request.user, "product", "import"):
        raise PermissionDenied()
    return _import_page(request, run=imports.import_products, template="sales/products/import.html",
                        context=_context(request, kind="product"))  # fmt: skip


@page_view
@require_GET
def deal_export(request):
    return _export(request, imports_deals.export_deals) or redirect("sales:deal_list")


@page_view
@require_http_methods(["GET", "POST"])
def deal_import(request):
    if not has_perm(request.user, "deal", "import"):
        raise PermissionDenied()
    return _import_page(request, run=imports_deals.import_deals, template="sales/products/import.html",
                        context={"nav": "deals", "kind": "deal", "encodings": ENCODING_CHOICES,
                                 "columns": [label for label, _key in imports_deals.DEAL_COLUMNS]})  # fmt: skip
