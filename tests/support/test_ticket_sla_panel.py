"""The ticket page shows the ticket's SLA panel: due times, business time left, a warning, the paused clock and the
breach history."""

from django.test import Client

from kizuna.support.models import SlaEvent, TicketSla
from kizuna.support.services.intake import Sender, receive
from tests.support.sla_fixtures import at, policy, send


def test_the_ticket_page_shows_its_sla(cast, channel):
    policy()
    ticket = receive(channel=channel, sender=Sender(name="佐藤 花子", email="hanako@example.jp"), subject="納期",
                     body_text="いつ届きますか", sent_at=at(2026, 12, 7, 9)).ticket  # fmt: skip
    type(ticket).objects.filter(pk=ticket.pk).update(created_at=at(2026, 12, 7, 9))
    ticket.refresh_from_db()
    send("ticket.created", ticket, ticket.created_at)
    client = Client()
    client.force_login(cast.owner)
    html = client.get(f"/support/tickets/{ticket.pk}/").content.decode()
    panel = html[html.index('id="ticket-sla"') :]
    assert "初回応答" in panel and "12/7 10:00" in panel and "顧客待ち" not in panel.split("</section>")[0]

    TicketSla.objects.filter(pk=ticket.pk).update(paused_at=at(2026, 12, 7, 9, 20), warned=["first_response"])
    SlaEvent.objects.create(ticket=ticket, target="first_response", kind="breach", due_at=at(2026, 12, 7, 10),
                            breached_at=at(2026, 12, 7, 10), actions=["notified:1"])  # fmt: skip
    panel = client.get(f"/support/tickets/{ticket.pk}/").content.decode().split('id="ticket-sla"')[1]
    panel = panel.split("</section>")[0]
    assert "顧客待ちのため SLA の時計は止まっています" in panel and "期限間近" in panel
    assert "SLA 履歴" in panel and "違反" in panel and "notified:1" in panel


def test_a_ticket_without_a_policy_says_so(cast, channel):
    ticket = receive(channel=channel, sender=Sender(email="a@example.jp"), body_text="質問").ticket
    client = Client()
    client.force_login(cast.owner)
    assert "適用される SLA ポリシーはありません" in client.get(f"/support/tickets/{ticket.pk}/").content.decode()
