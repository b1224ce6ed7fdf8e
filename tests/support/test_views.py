import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.support.models import CallReason, Macro, Message, Ticket
from kizuna.support.services import presence, reasons
from kizuna.support.services.intake import Sender, receive


@pytest.fixture
def ticket(channel):
    return receive(channel=channel, sender=Sender(name="佐藤 花子", email="hanako@example.jp"), subject="納期",
                   body_text="いつ届きますか").ticket  # fmt: skip


def login(client, user):
    client.force_login(user)
    return client


def test_inbox_queues_and_visibility(cast, client, ticket):
    page = login(client, cast.owner).get("/support/?queue=unassigned").content.decode()
    assert f"#{ticket.number}" in page and "未対応" in page
    assert f"#{ticket.number}" not in client.get("/support/?queue=mine").content.decode()
    assert f"#{ticket.number}" not in login(client, cast.outsider).get("/support/?queue=unassigned").content.decode()
    assert client.get("/support/?queue=nonsense&cursor=forged").status_code == 200  # bad input: the first page


def test_inbox_query_budget(cast, client, channel):
    for i in range(30):
        receive(channel=channel, sender=Sender(email=f"q{i}@example.jp"), body_text="質問")
    login(client, cast.owner)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/support/?queue=open").status_code == 200
    assert len(ctx.captured_queries) <= 12, [q["sql"][:120] for q in ctx.captured_queries]


def test_reply_with_a_macro_and_the_version_check(cast, client, ticket):
    Macro.objects.create(name="お礼", body="{{お客様名}} 様\n担当の{{担当者名}}です。")
    login(client, cast.owner)
    macro = Macro.objects.get()
    filled = client.get(f"/support/tickets/{ticket.pk}/macro/?macro={macro.pk}").content.decode()
    assert "佐藤 花子 様" in filled and "田中 一郎" in filled
    old = ticket.version
    receive(
        channel=ticket.channel,
        sender=Sender(email="hanako@example.jp"),
        body_text="追記",
        subject=f"[#{ticket.number}]",
    )
    stale = client.post(f"/support/tickets/{ticket.pk}/reply/", {"body_text": "下書きの本文", "version": old})
    assert stale.status_code == 412 and "下書きの本文" in stale.content.decode()
    assert "新しいメッセージ" in stale.content.decode()
    ticket.refresh_from_db()
    ok = client.post(
        f"/support/tickets/{ticket.pk}/reply/", {"body_text": "お待たせしました", "version": ticket.version}
    )
    assert ok.status_code == 302 and Message.objects.filter(direction="out", body_text="お待たせしました").exists()


def test_resolve_without_reason_is_refused_on_the_page(cast, client, ticket):
    reasons.seed_default()
    login(client, cast.owner)
    refused = client.post(f"/support/tickets/{ticket.pk}/status/", {"status": "resolved", "version": ticket.version})
    assert refused.status_code == 422 and "コールリーズン" in refused.content.decode()
    reason = CallReason.objects.get(name="納期の確認")
    client.post(f"/support/tickets/{ticket.pk}/status/", {"status": "resolved", "call_reason": reason.pk,
                                                          "version": ticket.version})  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.call_reason == reason


def test_presence_poll_warns_about_the_other_agent(cast, client, ticket):
    presence.beat(user=cast.teammate, ticket=ticket, typing=True)
    response = login(client, cast.owner).post(f"/support/tickets/{ticket.pk}/presence/", {"version": ticket.version})
    assert "返信を入力中" in response.content.decode()
    assert login(client, cast.owner).get(f"/support/tickets/{ticket.pk}/presence/").status_code == 405


def test_settings_pages(cast, client):
    login(client, cast.admin)
    client.post("/support/settings/call-reasons/", {"name": "請求・支払い"})
    parent = CallReason.objects.get(name="請求・支払い")
    client.post("/support/settings/call-reasons/", {"name": "返金", "parent": parent.pk})
    assert CallReason.objects.get(name="返金").parent == parent
    bad = client.post("/support/settings/macros/", {"name": "x", "body": "{{お名前}} 様"})
    assert bad.status_code == 422 and "お名前" in bad.content.decode()
    assert login(client, cast.owner).get("/support/settings/call-reasons/").status_code == 403


def test_company_panel_and_timeline_show_tickets(cast, client, channel):
    from tests import factories

    company = factories.company(cast.owner, visibility="public")
    person = factories.person(cast.owner, "山本", "一郎", company=company.pk, emails=["yamamoto@example.jp"],
                              visibility="public")  # fmt: skip
    got = receive(channel=channel, sender=Sender(email="yamamoto@example.jp"), subject="破損", body_text="割れていた")
    assert got.person == person
    from kizuna.support.services.conversations import set_complaint
    from kizuna.support.services.tickets import add_note

    set_complaint(actor=cast.owner, ticket=got.ticket, is_complaint=True)
    add_note(actor=cast.owner, ticket=got.ticket, body_text="社内だけの話")
    page = login(client, cast.teammate).get(f"/companies/{company.pk}/").content.decode()
    assert "クレーム" in page and f"#{got.ticket.number}" in page
    person_page = client.get(f"/people/{person.pk}/").content.decode()
    assert "割れていた" in person_page and "社内だけの話" in person_page
    from kizuna.accounts.models import Role

    member = Role.objects.get(key="member")
    member.permissions = {k: v for k, v in member.permissions.items() if k != "ticket_note"}
    member.save()
    person_page = login(client, cast.teammate).get(f"/people/{person.pk}/").content.decode()
    assert "割れていた" in person_page and "社内だけの話" not in person_page
    assert Ticket.objects.filter(company=company).count() == 1
