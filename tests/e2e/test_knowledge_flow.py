"""An agent writes a reply in a real Chromium: the related articles appear under the reply box, one click inserts
the suggested article at the cursor (a static script, no inline code under the CSP), and the public FAQ of the
brand finds the same article from a long question."""

import re

from playwright.sync_api import expect

from kizuna.support.models import Channel
from kizuna.support.services import knowledge
from kizuna.support.services.intake import Sender, receive
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_suggested_article_is_inserted_into_the_reply(page, shot, transactional_db):
    from kizuna.accounts import services as accounts

    team = accounts.get_or_create_team(actor=None, name="カスタマーサポート")
    agent = make_user("kobayashi", "member", team, display_name="小林 由美")
    admin = make_user("admin", "admin", team)
    channel = Channel.objects.create(kind="email", name="サポート窓口", slug="mail", team=team)
    knowledge.save_brand(actor=admin, data={"name": "絆機器", "slug": "kiki"})
    knowledge.create_article(actor=agent, data={"title": "電源が入らないときの確認手順", "audience": "public",
                                                "body": "電源コードと主電源スイッチを確認してください。"})  # fmt: skip
    knowledge.create_article(actor=agent, data={"title": "請求書の再発行", "body": "窓口で再発行します。"})
    sender = Sender(name="佐藤 花子", email="hanako@example.jp")
    body = "昨日から電源が入りません。どうすればよいですか。"
    ticket = receive(channel=channel, sender=sender, subject="装置の電源が入りません", body_text=body).ticket
    login(page, "kobayashi")

    page.goto(page.base_url + ticket.get_absolute_url())
    expect(page.locator("#kb-suggest-list")).to_contain_text("電源が入らないときの確認手順")
    page.fill("#reply-body", "佐藤 花子 様\n\n")
    page.click("#kb-suggest-list .kb-insert >> nth=0")
    expect(page.locator("#reply-body")).to_have_value(re.compile("佐藤 花子 様\n\n電源コードと主電源スイッチ"))
    shot(page, "knowledge-reply-suggestions")

    page.goto(page.base_url + "/faq/kiki/?q=" + "装置の電源が入らないのですが、どうしたらいいでしょうか")
    expect(page.locator("#faq-results")).to_contain_text("電源が入らないときの確認手順")
    assert "請求書の再発行" not in page.inner_text("#faq-results")  # internal article stays inside
    shot(page, "knowledge-public-faq")
