"""A member makes a quote from the deal page: lines by product code (one more row by htmx), the 税率別内訳 and ※ on the
quote page, 「PDFを発行」 files the PDF on the deal's timeline; no inline script or style is refused by the CSP."""

import re

from kizuna.sales.models import Quote
from kizuna.timeline.models import ActivityLink
from tests.conftest import make_user
from tests.e2e.conftest import login
from tests.sales import quote_helpers as h


def test_quote_from_the_deal_page(browser, live_server, shot, transactional_db, settings, tmp_path):
    from kizuna.accounts import services as accounts

    settings.MEDIA_ROOT = tmp_path
    team = accounts.get_or_create_team(actor=None, name="営業1部")
    admin = make_user("kanri", "admin", team)
    member = make_user("tanaka", "member", team, display_name="田中 一郎")
    h.issuer()
    h.products(admin)
    deal = h.deal(member)
    refused = []
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    login(page, "tanaka")
    page.goto(f"{live_server.url}/sales/deals/{deal.pk}/")
    page.click("#deal-quotes >> text=見積書を作成")
    page.wait_for_url(re.compile(r"/sales/quotes/\d+/edit/$"))
    page.fill("input[name=line-1-code]", "JIG-100")
    page.fill("input[name=line-1-quantity]", "3")
    page.fill("input[name=line-2-code]", "TEA-8")
    page.fill("input[name=line-2-quantity]", "2")
    page.click("#quote-lines .more-lines button")
    page.wait_for_selector("input[name=line-4-name]")
    page.fill("input[name=line-4-name]", "据付工事")
    page.fill("input[name=line-4-unit_price]", "1万")
    page.fill("#id_delivery_terms", "受注後2週間")
    shot(page, "quote-form")
    page.click("#quote-form button[type=submit]")
    page.wait_for_url(re.compile(r"/sales/quotes/\d+/$"))
    breakdown = page.inner_text("#quote-breakdown")
    assert "10%対象" in breakdown and "8%対象（軽減税率）" in breakdown
    assert "※" in page.inner_text("#quote-lines")
    quote = Quote.objects.get()
    assert quote.total == (315 + 10000) + 1031 + 2470 + 197  # 10%: 10,315 → 1,031; 8%: 2,470 → 197
    assert f"¥{quote.total:,}" in page.inner_text("main")
    shot(page, "quote-detail")
    with page.expect_download() as download:
        page.click("text=PDFを発行")
    assert download.value.suggested_filename == f"{quote.number}.pdf"
    assert ActivityLink.objects.filter(object_type="deal", object_id=deal.pk).count() == 1
    assert not refused, refused
    context.close()
