"""An administrator adds a webhook under 設定, a person is added, the worker sends it to a real receiver on
127.0.0.1 and the delivery shows in the log."""

from standardwebhooks.webhooks import Webhook

from kizuna.contacts import services as contacts
from tests.conftest import make_user
from tests.e2e.conftest import login, run_worker
from tests.webhooks.conftest import Receiver


def test_a_subscription_and_its_delivery_log(page, shot, settings, transactional_db):
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    receiver = Receiver()
    try:
        make_user("kanri", "admin", display_name="管理 太郎")
        member = make_user("suzuki", "member", display_name="鈴木 美咲")
        login(page, "kanri")
        page.click("nav.mainnav summary >> text=設定")  # the 設定 menu opens its first tab
        page.click("nav.mainnav details[open] .navmenu a >> nth=0")
        page.click("nav.tabs >> text=Webhook")
        page.click("text=Webhook を追加")
        page.fill("input[name=name]", "基幹システム連携")
        page.fill("input[name=url]", receiver.url)
        page.check("input[value='person.created']")
        shot(page, "webhook-new")
        page.click("button:has-text('作成')")
        secret = page.locator("#webhook-secret").inner_text()
        assert secret.startswith("whsec_") and "今回だけ" in page.content()

        contacts.create_person(actor=member, data={"family_name": "黒田", "given_name": "官兵衛"})
        for _ in range(2):  # the event dispatch, then the sender it enqueues
            run_worker()
        assert len(receiver.requests) == 1
        body = Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
        assert body["record"]["family_name"] == "黒田"

        page.goto(page.base_url + "/settings/webhooks/")
        page.click("a:has-text('基幹システム連携')")
        log = page.locator("#delivery-log")
        assert "person.created" in log.inner_text() and "成功" in log.inner_text() and "200" in log.inner_text()
        assert secret not in page.content()
        shot(page, "webhook-log")
        log.locator("a").first.click()
        assert "黒田" in page.locator("pre").inner_text()
        page.click("button:has-text('再送')")
        assert "再送を予約しました" in page.content()
        shot(page, "webhook-delivery")
    finally:
        receiver.close()
