"""Import and export of products and deals: CSV (UTF-8 with or without BOM, CP932; the encoding is detected by the
import app's readers) and Excel (.xlsx).

Every data row is written through the same services as the forms (sales.services.*), one row at a time: a row
that fails is not written and is reported with its row number (as Excel numbers it), a Japanese reason and the
values it held, while the other rows go in. Nothing is dropped silently. An export's columns are the import's
headers, so an exported file can be edited and imported back (rows with an ID update that record)."""

import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop

from kizuna.contacts.exports import ENCODINGS, Export, ExportError, _csv, _xlsx
from kizuna.core import audit
from kizuna.core.exceptions import DomainError, PermissionDenied, ValidationFailed
from kizuna.core.japanese import nfkc
from kizuna.core.permissions import has_perm
from kizuna.imports.readers import ReadError, read_table

from .models import Product, TaxRate
from .services import products as product_services

MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 1000
FORMATS = ("csv", "xlsx")

# A file's headers are its format (an exported file imports back under any UI language): kept in Japanese, and
# catalogued with gettext_noop so the messages that name a column have their English meaning on record.
PRODUCT_COLUMNS = [
    (gettext_noop("品番"), "code"), (gettext_noop("品名"), "name"), (gettext_noop("単位"), "unit"),
    (gettext_noop("単価（税抜）"), "unit_price"), (gettext_noop("消費税率"), "tax_rate"),
    (gettext_noop("販売中"), "active"),
]  # fmt: skip
PRODUCT_ALIASES = {
    "code": ("品番", "商品コード", "コード", "型番", "code", "productcode", "sku"),
    "name": ("品名", "商品名", "名称", "name", "productname"),
    "unit": ("単位", "unit"),
    "unit_price": ("単価（税抜）", "単価", "税抜単価", "価格", "unitprice", "price"),
    "tax_rate": ("消費税率", "税率", "taxrate", "tax"),
    "active": ("販売中", "有効", "active"),
}


@dataclass
class RowError:
    row: int
    message: str
    values: dict = field(default_factory=dict)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    dry_run: bool = False

    @property
    def failed(self) -> int:
        return len(self.errors)

    def add_error(self, row: int, message: str, values: dict) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, message, values))


def header_key(value: str) -> str:
    return nfkc(value or "").lower().replace(" ", "").replace("(", "（").replace(")", "）").replace("_", "")


def map_headers(headers: list[str], aliases: dict) -> tuple[dict[int, str], list[str]]:
    """Column index → field for the headers that name one (first column wins); and the fields found twice."""
    lookup = {header_key(a): key for key, names in aliases.items() for a in names}
    lookup |= {header_key(k.replace("（", "(").replace("）", ")")): v for k, v in lookup.items()}
    mapping, seen = {}, set()
    for index, header in enumerate(headers):
        key = lookup.get(header_key(header))
        if key and key not in seen:
            mapping[index] = key
            seen.add(key)
    return mapping, sorted(seen)


def read_rows(content: bytes, filename: str, encoding: str, aliases: dict, required: dict, result: ImportResult):
    """Yield (row number, {field: value}, {header: value}); a file that cannot be read raises ValidationFailed.
    `required`: {field: its name for the message} of the columns the file must have."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed(field_errors={"file": [_("ファイルが大きすぎます（上限 20 MB）。")]})
    try:
        table = read_table(io.BytesIO(content), filename=filename, encoding=encoding or "auto", header_row=1)
    except ReadError as exc:
        raise ValidationFailed(exc.message, field_errors={"file": [exc.message]}) from None
    if table.format not in ("csv", "tsv", "xlsx"):
        table.close()
        raise ValidationFailed(field_errors={"file": [_("CSV か Excel（.xlsx）のファイルを選んでください。")]})
    result.encoding = table.encoding or "xlsx"
    mapping, found = map_headers(table.headers, aliases)
    missing = [str(label) for key, label in required.items() if key not in found]
    if missing:
        table.close()
        labels = "、".join(missing)
        message = _("見出し行に必要な列がありません: %(columns)s（1行目に見出しを置いてください）。") % {
            "columns": labels
        }
        raise ValidationFailed(message, field_errors={"file": [message]})
    try:
        with table:
            for number, values in table.rows:
                raw = {table.headers[i] or f"#{i + 1}": v for i, v in enumerate(values) if i < len(table.headers)}
                yield number, {key: values[i].strip() for i, key in mapping.items() if i < len(values)}, raw
    except ReadError as exc:  # a byte further in that the detected encoding cannot read: later rows are not read
        result.add_error(exc.row_number or 0, exc.message, {})
    for issue in table.row_errors:
        result.add_error(issue.row_number, issue.message, {})
    result.warnings.extend(str(w) for w in table.warnings)
    result.errors.sort(key=lambda e: e.row)


def error_text(exc: DomainError) -> str:
    """A service's error as one line: "単価: …" per field."""
    if not exc.field_errors:
        return exc.message
    return " ".join(f"{m}" for messages in exc.field_errors.values() for m in messages)


class _DryRun(Exception):
    pass


def import_products(*, actor, content: bytes, filename: str, encoding: str = "auto",
                    dry_run: bool = False) -> ImportResult:  # fmt: skip
    """Rows whose 品番 exists update that product (only the columns the file has); others create one."""
    if not (has_perm(actor, "product", "import") and has_perm(actor, "product", "create")):
        raise PermissionDenied(_("このロールには商品の取り込みの権限がありません。"))
    result = ImportResult(dry_run=dry_run)
    seen: dict[str, int] = {}
    try:
        with transaction.atomic():
            for number, data, raw in read_rows(
                content, filename, encoding, PRODUCT_ALIASES, {"code": _l("品番")}, result
            ):
                code = nfkc(data.get("code", "")).strip()
                if code and code in seen:
                    message = _("品番「%(code)s」は%(row)s行目と重複しています。") % {"code": code, "row": seen[code]}
                    result.add_error(number, message, raw)
                    continue
                seen[code] = number
                _product_row(actor, number, code, data, raw, result)
            audit.record(actor=actor, action="import", object_type="sales.product",
                         label=f"{filename} ({result.created + result.updated})",
                         changes={"created": [None, result.created], "updated": [None, result.updated],
                                  "errors": [None, result.failed], "dry_run": [None, dry_run]})  # fmt: skip
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return result


def _product_row(actor, number: int, code: str, data: dict, raw: dict, result: ImportResult) -> None:
    existing = Product.objects.filter(code=code).first() if code else None
    try:
        with transaction.atomic():
            if existing is None:
                product_services.create_product(actor=actor, data=data)
                result.created += 1
            elif existing.is_deleted:
                message = _("品番「%(code)s」の商品は削除済みです。ゴミ箱から戻すか別の品番にしてください。")
                raise ValidationFailed(message % {"code": code})
            elif product_services.update_product(actor=actor, product=existing, data=data):
                result.updated += 1
            else:
                result.unchanged += 1
    except DomainError as exc:
        result.add_error(number, error_text(exc), raw)


def _product_rows(actor):
    rates = {TaxRate.STANDARD: "10", TaxRate.REDUCED: "8", TaxRate.EXEMPT: "0"}
    for p in product_services.products_visible_to(actor).order_by("code").iterator(chunk_size=2000):
        yield {"code": p.code, "name": p.name, "unit": p.unit, "unit_price": p.unit_price,
               "tax_rate": rates.get(p.tax_rate, p.tax_rate),
               "active": _("はい") if p.active else _("いいえ")}  # fmt: skip


def write_table(columns, rows, *, fmt: str, encoding: str, name: str, actor, object_type: str) -> Export:
    """The rows as a file (the people/company exports' writers: formula cells escaped, CP932 gaps reported)."""
    if fmt not in FORMATS:
        raise ValidationFailed(field_errors={"format": [_("形式は csv か xlsx です。")]})
    if encoding not in ENCODINGS:
        message = _("文字コードは %(choices)s のいずれかです。") % {"choices": ", ".join(ENCODINGS)}
        raise ValidationFailed(field_errors={"encoding": [message]})
    if fmt == "csv":
        content, count = _csv(columns, rows, encoding)
        content_type = f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}"
    else:
        content, count = _xlsx(columns, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit.record(actor=actor, action="export", object_type=object_type, label=f"{name}.{fmt} ({count})",
                 changes={"format": [None, fmt], "encoding": [None, encoding if fmt == "csv" else "utf-8"],
                          "rows": [None, count]})  # fmt: skip
    return Export(content=content, rows=count, filename=f"kizuna-{name}.{fmt}", content_type=content_type)


def export_products(*, actor, fmt: str = "csv", encoding: str = "utf-8-sig") -> Export:
    if not has_perm(actor, "product", "export"):
        raise PermissionDenied(_("このロールには書き出しの権限がありません。"))
    return write_table(PRODUCT_COLUMNS, _product_rows(actor), fmt=fmt, encoding=encoding, name="products", actor=actor,
                 object_type="sales.product")  # fmt: skip


__all__ = ["ExportError", "ImportResult", "export_products", "import_products"]
