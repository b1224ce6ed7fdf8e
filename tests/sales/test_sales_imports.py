"""Import and export of products and deals: CP932 and UTF-8 CSV and xlsx, row-numbered Japanese errors, nothing
written for a bad row and nothing silently dropped; exported files import back."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.sales import imports, imports_deals
from kizuna.sales.models import Deal, Product
from tests.factories import company


def csv_bytes(text: str, encoding: str) -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


PRODUCTS = """品番,品名,単位,単価（税抜）,消費税率,販売中
JIG-100,検査治具Ａ,台,"120,000",10,はい
TEA-8,緑茶（贈答用）①,箱,1235,軽減,はい
BAD-1,壊れた行,個,百円,10,はい
,品番なし,個,100,10,はい
TAX-5,税率違い,個,100,5%,はい
JIG-100,重複,台,1,10,はい
"""


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8"])
def test_product_csv_in_every_encoding_with_row_errors(cast, encoding):
    result = imports.import_products(actor=cast.admin, content=csv_bytes(PRODUCTS, encoding), filename="p.csv")
    assert (result.created, result.failed) == (2, 4)
    tea = Product.objects.get(code="TEA-8")
    assert (tea.name, tea.unit_price, tea.tax_rate) == ("緑茶（贈答用）①", 1235, "8")
    assert Product.objects.get(code="JIG-100").unit_price == 120000
    errors = {e.row: e.message for e in result.errors}
    assert set(errors) == {4, 5, 6, 7}
    assert "単価" in errors[4] and "品番を入力してください" in errors[5] and "消費税率" in errors[6]
    assert "2行目と重複" in errors[7]
    assert result.errors[0].values["品名"] == "壊れた行"  # the row's values are shown back: nothing is lost
    assert AuditEvent.objects.filter(action="import", object_type="sales.product").count() == 1


def test_product_reimport_updates_and_dry_run_writes_nothing(cast):
    imports.import_products(actor=cast.admin, content=csv_bytes(PRODUCTS, "utf-8"), filename="p.csv")
    text = "品番,単価\nJIG-100,130000\nTEA-8,1235\nNEW-1,10\n"
    dry = imports.import_products(actor=cast.admin, content=text.encode(), filename="p.csv", dry_run=True)
    assert (dry.updated, dry.unchanged, dry.failed, dry.dry_run) == (1, 1, 1, True)  # NEW-1 has no 品名
    assert Product.objects.get(code="JIG-100").unit_price == 120000
    done = imports.import_products(actor=cast.admin, content=text.encode(), filename="p.csv")
    assert done.updated == 1 and Product.objects.get(code="JIG-100").unit_price == 130000


def test_product_export_round_trip_csv_cp932_and_xlsx(cast):
    imports.import_products(actor=cast.admin, content=csv_bytes(PRODUCTS, "cp932"), filename="p.csv")
    sjis = imports.export_products(actor=cast.admin, fmt="csv", encoding="cp932")
    assert sjis.content.decode("cp932").splitlines()[0] == "品番,品名,単位,単価（税抜）,消費税率,販売中"
    book = imports.export_products(actor=cast.admin, fmt="xlsx")
    rows = list(load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("JIG-100", "検査治具Ａ", "台", "120000", "10")
    Product.objects.all().delete()
    back = imports.import_products(actor=cast.admin, content=book.content, filename="products.xlsx")
    assert back.created == 2 and Product.objects.get(code="TEA-8").tax_rate == "8"


def test_unreadable_files_are_refused_with_the_reason(cast):
    with pytest.raises(ValidationFailed, match="品番"):
        imports.import_products(actor=cast.admin, content="コード番号,価格\nA,1\n".encode(), filename="p.csv")
    with pytest.raises(ValidationFailed, match="xls"):
        imports.import_products(actor=cast.admin, content=b"\xd0\xcf\x11\xe0", filename="p.xls")
    with pytest.raises(PermissionDenied):
        imports.import_products(actor=cast.readonly, content=b"", filename="p.csv")


def _deals_csv():
    return """案件名,会社名,法人番号,ステージ,金額,受注予定日,引合元,失注理由,担当者
検査治具更新,㈱山田製作所,,提案,300万,2026/12/25,展示会,,owner
ライン増設,,7000012050002,リード,"1,200,000",令和8年3月31日,紹介,,
失注案件,山田製作所株式会社,,失注,10万,,,価格で負けた,owner
理由なし失注,株式会社山田製作所,,失注,10万,,,,owner
宛先不明,存在しない商事,,リード,1,,,,
曖昧,田中工業,,リード,1,,,,
"""


def test_deal_import_matches_companies_stages_and_reports_rows(cast):
    yamada = company(cast.owner, "株式会社山田製作所")
    nta = company(cast.owner, "国税庁", corporate_number="7000012050002")
    company(cast.owner, "株式会社田中工業")
    company(cast.owner, "有限会社田中工業")
    result = imports_deals.import_deals(actor=cast.owner, content=csv_bytes(_deals_csv(), "cp932"), filename="d.csv")
    assert result.created == 3, result.errors
    first = Deal.objects.get(title="検査治具更新")
    assert (first.company, first.stage.name, first.amount, str(first.expected_close_on), first.source) == (
        yamada,
        "提案",
        3_000_000,
        "2026-12-25",
        "trade_show",
    )
    assert first.stage_changes.count() == 1  # it starts in 提案, no move recorded at import
    assert Deal.objects.get(title="ライン増設").company == nta
    lost = Deal.objects.get(title="失注案件")
    assert (lost.stage.name, lost.lost_reason) == ("失注", "価格で負けた")
    errors = {e.row: e.message for e in result.errors}
    assert set(errors) == {5, 6, 7}
    assert "失注理由" in errors[5] and "見つかりません" in errors[6] and "2件" in errors[7]
    assert not Deal.objects.filter(title__in=["理由なし失注", "宛先不明", "曖昧"]).exists()


def test_deal_export_and_reimport_updates_by_id(cast):
    company(cast.owner, "株式会社山田製作所")
    imports_deals.import_deals(actor=cast.owner, content=csv_bytes(_deals_csv(), "utf-8"), filename="d.csv")
    export = imports_deals.export_deals(actor=cast.owner, fmt="xlsx")
    book = load_workbook(io.BytesIO(export.content))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["ID", "案件名", "会社名", "法人番号", "パイプライン", "ステージ"]
    sheet.cell(row=2, column=header.index("金額（税抜）") + 1, value="400万")
    out = io.BytesIO()
    book.save(out)
    result = imports_deals.import_deals(actor=cast.owner, content=out.getvalue(), filename="d.xlsx")
    assert (result.created, result.updated, result.failed) == (0, 1, 0), result.errors
    assert Deal.objects.get(title="検査治具更新").amount == 4_000_000


def test_import_pages(cast):
    c = Client()
    c.force_login(cast.admin)
    upload = io.BytesIO(csv_bytes(PRODUCTS, "cp932"))
    upload.name = "products.csv"
    page = c.post("/sales/settings/products/import/", {"file": upload, "encoding": "auto"}).content.decode()
    assert "新規 2 件" in page and "エラー 4 件" in page and "壊れた行" in page
    r = c.get("/sales/settings/products/export/?format=xlsx")
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.xlsx"')
    assert c.get("/sales/deals/export/?format=csv&encoding=cp932").status_code == 200
    assert c.get("/sales/deals/import/").status_code == 200
