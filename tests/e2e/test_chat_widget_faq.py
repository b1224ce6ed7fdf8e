"""The chat widget suggests FAQ articles while the visitor types, on a customer's page with a strict CSP: the best
public article of the site's brand shows up, opens in a new tab, and its opening is counted."""

import time

from kizuna.support.models import Article, Channel, FaqBrand
from kizuna.support.services import knowledge as service
from tests.conftest import make_user
from tests.e2e.test_chat_widget_flow import customer_site


def test_typing_a_question_offers_the_faq_answer_and_counts_the_open(page, shot, transactional_db):
    admin = make_user("kb-admin", "admin")
    server, origin = customer_site(page.base_url)
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        chat = Channel.objects.create(
            kind="chat", name="通販サイト", slug="shop", settings={"allowed_origins": [origin]}
        )
        brand = service.save_brand(actor=admin, data={"name": "サンプル通販", "slug": "sample"})
        FaqBrand.objects.filter(pk=brand.pk).update(chat_channel=chat)
        article = service.create_article(actor=admin, data={
            "title": "荷物が届かないとき", "audience": "public",
            "body": "追跡番号で運送会社の配達状況をご確認ください。再配達の依頼が必要な場合があります。"})  # fmt: skip
        service.create_article(actor=admin, data={"title": "請求書の再発行", "audience": "public",
                                                  "body": "請求書の再発行はサポート窓口で承ります。"})  # fmt: skip
        page.goto(origin + "/")
        widget = page.locator("#kizuna-chat")
        widget.locator("button.toggle").click()
        widget.locator("textarea").fill("注文した荷物が届かないのですが")
        link = widget.locator("a.faq-link").first
        link.wait_for()
        assert link.inner_text() == "荷物が届かないとき"
        shot(page, "chat-widget-faq")
        with page.context.expect_page() as opened:
            link.click()
        opened.value.wait_for_load_state()
        assert "荷物が届かないとき" in opened.value.title()
        for _ in range(50):  # the count arrives with the click's request
            if Article.objects.get(pk=article.pk).chat_opens:
                break
            time.sleep(0.1)
        assert Article.objects.get(pk=article.pk).chat_opens == 1
        widget.locator("textarea").fill("")
        widget.locator("section.faq").wait_for(state="hidden")
        assert violations == []
    finally:
        server.shutdown()
        server.server_close()
