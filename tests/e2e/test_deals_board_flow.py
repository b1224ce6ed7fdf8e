"""The deal board in a real Chromium: a deal made from the capture line appears on the board, is dragged to the
next stage (htmx, static/sales/board.js) and moved on with the keyboard fallback; the columns' totals follow."""

from kizuna.sales.models import Deal
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_capture_a_deal_then_drag_it_on_the_board(page, shot, transactional_db):
    user = make_user("yamamoto", "member", display_name="山本 翔")
    factories.company(user, "株式会社山田製作所")
    login(page, "yamamoto")

    page.keyboard.press("n")
    page.keyboard.type("#山田製作所 $検査治具更新 300万 !月末 工場長が乗り気")
    page.wait_for_selector("#capture-result .capture-plan:has-text('検査治具更新')")
    page.click("#capture-result button:has-text('保存')")
    page.wait_for_selector("#capture-result .capture-saved:has-text('商談を作成')")
    deal = Deal.objects.get(title="検査治具更新")

    page.click("nav.mainnav summary >> text=営業")
    page.click("nav.mainnav >> text=商談")
    page.click("a.button:has-text('ボード')")
    card = f"#deal-card-{deal.pk}"
    lead = page.locator(".board-column[aria-label='リード']")
    assert "¥3,000,000" in lead.inner_text() and deal.title in lead.inner_text()

    page.drag_and_drop(card, ".board-column[aria-label='ヒアリング']")
    page.wait_for_selector(f".board-column[aria-label='ヒアリング'] {card}")
    page.wait_for_selector(".flash:has-text('ヒアリング')")
    assert Deal.objects.get(pk=deal.pk).stage.name == "ヒアリング"
    assert "¥3,000,000" in page.inner_text(".board-column[aria-label='ヒアリング'] header")
    shot(page, "deal-board-after-drag")

    page.focus(f"{card} button[aria-label='提案に進める']")
    page.keyboard.press("Enter")
    page.wait_for_selector(f".board-column[aria-label='提案'] {card}")
    assert Deal.objects.get(pk=deal.pk).stage.name == "提案"

    page.click(f"{card} a.deal-title")
    history = page.inner_text("main")
    assert "リード → ヒアリング" in history and "ヒアリング → 提案" in history and "工場長が乗り気" in history
    shot(page, "deal-page")
