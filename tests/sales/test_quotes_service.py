"""Quote services: drafts from a deal, totals, numbering, versions (old ones read-only), status, the timeline
filing of the PDF, and who may do what — each write with its audit row."""

import shutil
import subprocess
from unittest import mock

import pytest

from kizuna.core.exceptions import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.sales.models import Quote, QuoteSequence
from kizuna.sales.services import quote_documents
from kizuna.sales.services import quotes as services
from kizuna.timeline.models import ActivityLink, Attachment
from tests.sales import quote_helpers as h


@pytest.fixture
def setup(cast):
    h.issuer()
    deal = h.deal(cast.owner)
    return deal, h.products(cast.admin)


def lines(products):
    jig, tea = products
    return [{"product": jig.pk, "quantity": 3}, {"product": tea.pk, "quantity": 2}]


def test_draft_from_deal_with_product_lines_totals_and_audit(cast, setup):
    deal, products = setup
    quote = services.create_quote(actor=cast.owner, deal=deal, data={"lines": lines(products), "discount": 0})
    assert quote.number.startswith("Q-") and quote.revision == 1 and quote.status == "draft"
    assert quote.customer_name == "株式会社山田製作所" and quote.issuer_name == "株式会社絆テック"
    assert quote.registration_number == "T7000012050002" and quote.title == deal.title
    assert (quote.valid_until - quote.issued_on).days == 30
    got = [(ln.code, ln.name, ln.unit, ln.unit_price, ln.tax_rate) for ln in quote.lines.all()]
    assert got == [("JIG-100", "検査治具A", "台", 105, "10"), ("TEA-8", "緑茶（贈答用）", "箱", 1235, "8")]
    # 10%: 315 → 31; 8%: 2,470 → 197
    assert (quote.subtotal, quote.tax, quote.total) == (2785, 228, 3013)
    row = AuditEvent.objects.for_object(quote).get()
    assert row.action == "create" and len(row.changes["lines"][1]) == 2


def test_code_only_line_takes_the_product(cast, setup):
    deal, _products = setup
    quote = services.create_quote(actor=cast.owner, deal=deal, data={"lines": [{"code": "TEA-8", "quantity": 1}]})
    line = quote.lines.get()
    assert (line.name, line.unit_price, line.tax_rate, line.product.code) == ("緑茶（贈答用）", 1235, "8", "TEA-8")


def test_numbers_follow_each_other_per_year(cast, setup):
    deal, _ = setup
    first = services.create_quote(actor=cast.owner, deal=deal, data={"issued_on": "2026/4/1"})
    second = services.create_quote(actor=cast.owner, deal=deal, data={"issued_on": "2026-05-01"})
    other_year = services.create_quote(actor=cast.owner, deal=deal, data={"issued_on": "令和9年1月5日"})
    assert (first.number, second.number, other_year.number) == ("Q-2026-000001", "Q-2026-000002", "Q-2027-000001")


def test_numbering_takes_the_row_lock_before_reading(db):
    """The increment is one UPDATE … SET last = last + 1 issued before the read, so a concurrent transaction waits
    on the row (PostgreSQL) or the write lock (SQLite) instead of reading the same value; a concurrent first
    quote of the year that wins the insert makes the loser increment."""
    QuoteSequence.objects.create(year=2030, last=41)
    assert services.next_number(year=2030, prefix="Q") == "Q-2030-000042"
    QuoteSequence.objects.create(year=2031, last=1)  # a concurrent first quote of 2031 committed its row ...
    real_filter, calls = QuoteSequence.objects.filter, []

    def late(*args, **kwargs):  # ... after our UPDATE found no row to increment
        calls.append(kwargs)
        return QuoteSequence.objects.none() if len(calls) == 1 else real_filter(*args, **kwargs)

    with mock.patch.object(QuoteSequence.objects, "filter", side_effect=late):
        assert services.next_number(year=2031, prefix="Q") == "Q-2031-000002"


def test_bad_input_is_refused_with_every_reason_and_nothing_written(cast, setup):
    deal, _products = setup
    bad_lines = [{"name": "", "quantity": "0"}, {"product": 999999},
                 {"name": "x", "unit_price": 100, "discount": 200, "tax_rate": "5"}]  # fmt: skip
    bad = {"valid_until": "2020/1/1", "issued_on": "2026/4/1", "registration_number": "T7000012050003",
           "discount": "たくさん", "lines": bad_lines}  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        services.create_quote(actor=cast.owner, deal=deal, data=bad)
    fields = exc.value.field_errors
    assert {"valid_until", "registration_number", "discount", "lines.1", "lines.2", "lines.3"} <= set(fields)
    assert any("チェックディジット" in m for m in fields["registration_number"])
    assert any("値引が金額を超えています" in m for m in fields["lines.3"])
    assert not Quote.objects.exists() and not QuoteSequence.objects.exists()


def test_missing_issuer_is_a_clear_error(cast):
    deal = h.deal(cast.owner)
    with pytest.raises(ValidationFailed, match="発行者"):
        services.create_quote(actor=cast.owner, deal=deal)


def test_update_draft_replaces_lines_and_recomputes_with_version_check(cast, setup):
    deal, products = setup
    quote = services.create_quote(actor=cast.owner, deal=deal, data={"lines": lines(products)})
    changes = services.update_quote(actor=cast.owner, quote=quote, expected_version=1,
                                    data={"discount": 1000, "lines": [{"name": "据付工事", "unit_price": 10000},
                                                                      {"name": "弁当", "unit_price": 5000,
                                                                       "tax_rate": "8"}]})  # fmt: skip
    assert {"discount", "lines", "total"} <= set(changes)
    quote.refresh_from_db()
    assert (quote.subtotal, quote.tax, quote.total, quote.version) == (14000, 1306, 15306, 2)
    with pytest.raises(StaleVersion):
        services.update_quote(actor=cast.owner, quote=quote, data={"notes": "x"}, expected_version=1)


def test_versions_old_ones_are_read_only(cast, setup):
    deal, products = setup
    first = services.create_quote(actor=cast.owner, deal=deal, data={"lines": lines(products)})
    services.set_status(actor=cast.owner, quote=first, status="sent")
    with pytest.raises(Conflict, match="提出済み"):
        services.update_quote(actor=cast.owner, quote=first, data={"notes": "x"})
    second = services.new_revision(actor=cast.owner, quote=first)
    first.refresh_from_db()
    assert (second.number, second.revision, second.first_id, second.status) == (first.number, 2, first.pk, "draft")
    assert second.display_number == f"{first.number}-2" and not first.is_latest and second.is_latest
    assert second.lines.count() == 2 and second.total == first.total
    services.update_quote(actor=cast.owner, quote=second, data={"notes": "値引を反映"})
    with pytest.raises(Conflict, match="古い版"):
        services.set_status(actor=cast.owner, quote=first, status="accepted")
    third = services.new_revision(actor=cast.owner, quote=first)  # from an old version: copies the newest
    assert third.revision == 3 and third.first_id == first.pk and third.notes == "値引を反映"
    services.delete_quote(actor=cast.owner, quote=third)
    assert Quote.objects.get(pk=second.pk).is_latest
    assert AuditEvent.objects.filter(action="quote.revise").count() == 2


def test_status_transitions(cast, setup):
    deal, _ = setup
    quote = services.create_quote(actor=cast.owner, deal=deal)
    with pytest.raises(Conflict):
        services.set_status(actor=cast.owner, quote=quote, status="accepted")
    services.set_status(actor=cast.owner, quote=quote, status="sent")
    services.set_status(actor=cast.owner, quote=quote, status="accepted")
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.sent_at and quote.decided_at
    assert AuditEvent.objects.filter(action="quote.status").count() == 2


def test_access_follows_the_deal(cast, setup):
    deal, _ = setup
    quote = services.create_quote(actor=cast.owner, deal=deal)
    assert services.get_quote_for_user(cast.teammate, quote.pk) == quote
    with pytest.raises(NotFound):
        services.get_quote_for_user(cast.outsider, quote.pk)
    with pytest.raises(PermissionDenied):
        services.get_quote_for_user(cast.readonly, quote.pk, for_write=True)
    with pytest.raises(PermissionDenied):
        services.create_quote(actor=cast.readonly, deal=deal)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils installs with `make test`")
def test_pdf_is_japanese_and_filed_once_per_state_on_the_deal_timeline(cast, setup, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    deal, products = setup
    person = h.contact(cast.owner, deal)
    data = {"lines": lines(products), "customer_person": person.pk, "delivery_terms": "受注後2週間"}
    quote = services.create_quote(actor=cast.owner, deal=deal, data=data)
    pdf = quote_documents.issue(actor=cast.owner, quote=quote)
    (tmp_path / "q.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "q.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    flat = "".join(text.split())
    expected_texts = ("御見積書", "株式会社山田製作所", "山田太郎様", "検査治具A", "緑茶（贈答用）※", "10%対象",
                      "8%対象", "T7000012050002", "¥3,013", "有効期限", "受注後2週間", quote.number)  # fmt: skip
    for expected in expected_texts:
        assert expected in flat, expected
    link = ActivityLink.objects.get(object_type="deal", object_id=deal.pk)
    attachment = Attachment.objects.get(activity=link.activity)
    assert attachment.content_type == "application/pdf" and attachment.name == f"{quote.number}.pdf"
    quote.refresh_from_db()
    with mock.patch("kizuna.sales.quote_pdf.render_pdf", side_effect=AssertionError("rendered again")):
        assert quote_documents.pdf_of(quote) == pdf  # the filed PDF is what a later reader gets
        assert quote_documents.issue(actor=cast.owner, quote=quote) == pdf  # the same state: not filed again
    assert ActivityLink.objects.filter(object_type="deal", object_id=deal.pk).count() == 1
    with mock.patch("kizuna.sales.quote_pdf.render_pdf", return_value=pdf):  # one real rendering is enough
        services.update_quote(actor=cast.owner, quote=quote, data={"notes": "再発行"})
        quote_documents.issue(actor=cast.readonly, quote=quote)  # a reader gets the PDF; nothing is filed
        assert ActivityLink.objects.filter(object_type="deal", object_id=deal.pk).count() == 1
        quote_documents.send(actor=cast.owner, quote=quote)
    assert ActivityLink.objects.filter(object_type="deal", object_id=deal.pk).count() == 2
    assert Quote.objects.get(pk=quote.pk).status == "sent"


def test_privacy_disclose_and_erase_the_addressee(cast, setup):
    from kizuna.sales import privacy_quotes

    deal, _ = setup
    person = h.contact(cast.owner, deal)
    quote = services.create_quote(actor=cast.owner, deal=deal, data={"customer_person": person.pk})
    assert quote.customer_person_name == "山田 太郎"
    shown = privacy_quotes.disclose([person.pk])["sales_quotes"]
    assert [(q["number"], q["addressed_to"]) for q in shown] == [(quote.number, "山田 太郎")]
    _own, mentions = privacy_quotes.audit([person.pk])
    assert AuditEvent.objects.filter(mentions).filter(object_id=str(quote.pk)).exists()
    assert privacy_quotes.erase(cast.admin, [person.pk], lambda v: v) == {"sales_quotes": 1}
    quote.refresh_from_db()
    assert quote.customer_person is None and quote.customer_person_name == ""
