"""Products (商品マスタ): the catalog quote and deal lines are picked from. Roles grant actions on the object type
"product" (設定 → ロール); every write is audited; codes are unique (a deleted product keeps its code until it is
restored or renamed)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit, records
from kizuna.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from kizuna.core.japanese import nfkc
from kizuna.core.permissions import has_perm
from kizuna.core.schemas import fits_bigint
from kizuna.core.services import Errors, text
from kizuna.sales.money import parse_yen

from ..models import Product, TaxRate

FIELDS = ["code", "name", "unit", "unit_price", "tax_rate", "active"]
_TRUE = {"1", "true", "yes", "on", "はい", "○", "〇", "販売中", "有効"}
_FALSE = {"0", "false", "no", "off", "いいえ", "×", "", "販売終了", "停止", "無効"}
_RATE_WORDS = {
    "10": TaxRate.STANDARD, "10%": TaxRate.STANDARD, "標準": TaxRate.STANDARD,
    "8": TaxRate.REDUCED, "8%": TaxRate.REDUCED, "軽減": TaxRate.REDUCED, "8%(軽減税率)": TaxRate.REDUCED,
    "8%軽減": TaxRate.REDUCED, "※8%": TaxRate.REDUCED, "0": TaxRate.EXEMPT, "0%": TaxRate.EXEMPT,
    "非課税": TaxRate.EXEMPT, "対象外": TaxRate.EXEMPT, "不課税": TaxRate.EXEMPT, "非課税・対象外": TaxRate.EXEMPT,
}  # fmt: skip


def products_visible_to(user, *, deleted: bool = False):
    if not has_perm(user, "product", "view"):
        return Product.objects.none()
    return Product.objects.deleted() if deleted else Product.objects.alive()


def get_product_for_user(user, pk, *, for_write: bool = False, deleted: bool = False) -> Product:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not fits_bigint(pk):
        raise NotFound()
    product = products_visible_to(user, deleted=deleted).filter(pk=pk).first()
    if product is None:
        raise NotFound()
    if for_write and not has_perm(user, "product", "edit"):
        raise PermissionDenied()
    return product


def parse_tax_rate(value) -> str | None:
    """'10', '10%', '8%（軽減税率）', '軽減', '非課税' → a TaxRate value; None when it is none of them."""
    key = nfkc(str(value if value is not None else "")).replace(" ", "").replace("（", "(").replace("）", ")")
    if key in TaxRate.values:
        return key
    return _RATE_WORDS.get(key) or _RATE_WORDS.get(key.removesuffix("税率"))


def parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    key = nfkc(str(value if value is not None else "")).strip().lower()
    return True if key in _TRUE else False if key in _FALSE else None


def clean(data: dict, *, current: Product | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None or "code" in data:
        out["code"] = nfkc(text(data, "code", 60, errors, required=True, label=_("品番")))
    if current is None or "name" in data:
        out["name"] = text(data, "name", 200, errors, required=True, label=_("品名"))
    if current is None or "unit" in data:
        out["unit"] = text(data, "unit", 20, errors) or _("個")
    if current is None or "unit_price" in data:
        price = parse_yen(data.get("unit_price"))
        if price is None:
            errors.add("unit_price", _("単価は0以上の金額（円）で入力してください（例: 12000、1.2万）。"))
        out["unit_price"] = price or 0
    if current is None or "tax_rate" in data:
        rate = parse_tax_rate(data.get("tax_rate") if data.get("tax_rate") not in (None, "") else "10")
        if rate is None:
            errors.add("tax_rate", _("消費税率は 10（標準）・8（軽減）・0（非課税）のいずれかです。"))
        out["tax_rate"] = rate or TaxRate.STANDARD
    if current is None or "active" in data:
        active = parse_bool(data.get("active", True))
        if active is None:
            errors.add("active", _("販売中は「はい」か「いいえ」で入力してください。"))
        out["active"] = True if active is None else active
    code = out.get("code")
    if code:
        taken = Product.objects.filter(code=code)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            errors.add("code", _("品番「%(code)s」はすでに使われています。") % {"code": code})
    errors.raise_if_any()
    return out


def _code_taken(code: str) -> ValidationFailed:
    return ValidationFailed(field_errors={"code": [_("品番「%(code)s」はすでに使われています。") % {"code": code}]})


def create_product(*, actor, data: dict) -> Product:
    if not has_perm(actor, "product", "create"):
        raise PermissionDenied()
    values = clean(data)
    try:
        with transaction.atomic():
            product = Product.objects.create(**values, created_by=actor, updated_by=actor)
            audit.record(actor=actor, action="create", obj=product,
                         changes=audit.diff({}, records.snapshot(product, FIELDS)))  # fmt: skip
    except IntegrityError:  # the same code saved by someone else a moment ago
        raise _code_taken(values["code"]) from None
    return product


def update_product(*, actor, product: Product, data: dict, expected_version=None) -> dict:
    if not has_perm(actor, "product", "edit"):
        raise PermissionDenied()
    records.check_version(product, expected_version)
    values = clean(data, current=product)
    try:
        with transaction.atomic():
            current = records.lock(product)
            records.check_version(current, expected_version)
            before = records.snapshot(current, FIELDS)
            for key, value in values.items():
                setattr(product, key, value)
            product.version = current.version
            changes = audit.diff(before, records.snapshot(product, FIELDS))
            if not changes:
                return {}
            records.touch(product, actor)
            product.save()
            audit.record(actor=actor, action="update", obj=product, changes=changes)
    except IntegrityError:
        raise _code_taken(values.get("code", product.code)) from None
    return changes


def delete_product(*, actor, product: Product, expected_version=None) -> None:
    if not has_perm(actor, "product", "delete"):
        raise PermissionDenied()
    with transaction.atomic():
        current = records.lock(product)
        records.check_version(current, expected_version)
        product.version = current.version
        product.deleted_at = timezone.now()
        product.deleted_by = actor if getattr(actor, "pk", None) else None
        records.touch(product, actor)
        product.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at", "updated_by"])
        audit.record(actor=actor, action="delete", obj=product)


def restore_product(*, actor, product: Product) -> None:
    if not has_perm(actor, "product", "delete"):
        raise PermissionDenied()
    with transaction.atomic():
        product.deleted_at = None
        product.deleted_by = None
        records.touch(product, actor)
        product.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at", "updated_by"])
        audit.record(actor=actor, action="restore", obj=product)
