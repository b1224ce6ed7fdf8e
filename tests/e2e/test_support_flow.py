"""An agent answers a ticket in a real Chromium: the reply box filled from a macro (variables replaced), sent, then
the ticket resolved with a call reason from the two-level taxonomy."""

import re

from playwright.sync_api import expect

from kizuna.support.models import Channel, Macro, Message, Ticket
from kizuna.support.services import reasons
from kizuna.support.services.intake import Sender, receive
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_reply_with_a_macro_and_resolve_with_a_call_reason(page, shot, transactional_db):
    from kizuna.accounts import services as accounts

    team = accounts.get_or_create_team(actor=None, name="カスタマーサポート")
    make_user("kobayashi", "member", team, display_name="小林 由美")
    channel = Channel.objects.create(kind="email", name="サポート窓口", slug="mail", team=team)
    reasons.seed_default()
    Macro.objects.create(
        name="お礼（初回返信）", body="{{お客様名}} 様\n\n担当の{{担当者名}}です。（{{問い合わせ番号}}）\n"
    )
    sender = Sender(name="佐藤 花子", email="hanako@example.jp")
    ticket = receive(channel=channel, sender=sender, subject="請求書の再発行のお願い",
                     body_text="先月分の請求書を再発行してください。").ticket  # fmt: skip
    login(page, "kobayashi")

    page.goto(page.base_url + "/support/")
    page.click("text=請求書の再発行のお願い")
    page.wait_for_load_state("load")  # htmx has bound the macro menu's change event (a busy machine is slow to)
    page.select_option("#macro-select", label="お礼（初回返信）")
    expect(page.locator("#reply-body")).to_have_value(re.compile("佐藤 花子 様"), timeout=15_000)
    body = page.input_value("#reply-body")
    assert "担当の小林 由美です。" in body and f"#{ticket.number}" in body
    page.fill("#reply-body", body + "本日再発行し、郵送いたしました。")
    page.click("#send-reply")
    page.wait_for_selector(".msg-out")
    assert "本日再発行し" in page.inner_text(".conversation")

    page.select_option("#status-select", "resolved")
    page.select_option("#reason-select", label="請求書の再発行")
    shot(page, "support-ticket-before-resolve")
    page.click("#status-submit")
    page.wait_for_selector("#ticket-status:has-text('解決')")
    assert "請求・支払い / 請求書の再発行" in page.inner_text("#ticket-reason")
    shot(page, "support-ticket-resolved")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED and ticket.call_reason.name == "請求書の再発行"
    assert Message.objects.filter(ticket=ticket, direction="out", author__username="kobayashi").exists()
