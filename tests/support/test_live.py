"""Live updates (Server-Sent Events): the inbox, the ticket page and the chat widget. Streams are made to end after
one poll (KIZUNA_SSE_SECONDS=0), as `?once=1` does for the polling fallback."""

import json

import pytest
from django.test import Client

from kizuna.support.models import Channel, Ticket
from kizuna.support.services import presence
from kizuna.support.services.intake import Sender, receive
from kizuna.support.services.tickets import reply
from kizuna.support.views.live import outbox_position


@pytest.fixture(autouse=True)
def one_poll(settings):
    settings.KIZUNA_SSE_SECONDS = 0
    settings.KIZUNA_SSE_POLL_SECONDS = 0


def frames(response) -> list[tuple[str, dict, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-store" and response["X-Accel-Buffering"] == "no"
    out = []
    for block in b"".join(response.streaming_content).decode().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"]), fields.get("id", "")))
    return out


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_inbox_stream_names_the_visible_new_tickets(cast, channel):
    start = outbox_position()
    ticket = receive(channel=channel, sender=Sender(email="a@example.jp"), body_text="質問").ticket
    got = frames(login(cast.owner).get("/support/live/inbox/", {"after": start}))
    assert got and got[-1][0] == "tickets" and got[-1][1] == {"ids": [ticket.pk]} and int(got[-1][2]) > start
    # A reconnect resumes after the last event it got (Last-Event-ID wins over the page's ?after=).
    again = login(cast.owner).get("/support/live/inbox/", {"after": start}, headers={"Last-Event-ID": got[-1][2]})
    assert frames(again) == []
    assert frames(login(cast.outsider).get("/support/live/inbox/", {"after": start})) == []  # not theirs
    assert Client().get("/support/live/inbox/").status_code == 302  # sign in first


def test_ticket_stream_sends_new_messages_and_who_else_is_there(cast, channel):
    ticket = receive(channel=channel, sender=Sender(email="a@example.jp"), body_text="一通目").ticket
    first = ticket.messages.get()
    receive(channel=channel, sender=Sender(email="a@example.jp"), body_text="二通目の追記", ticket=ticket)
    presence.beat(user=cast.teammate, ticket=ticket, typing=True)
    got = frames(login(cast.owner).get(f"/support/live/tickets/{ticket.pk}/", {"after": first.pk}))
    kinds = [kind for kind, _data, _id in got]
    assert kinds == ["message", "presence"]
    assert "二通目の追記" in got[0][1]["html"] and "一通目" not in got[0][1]["html"]
    assert "返信を入力中" in got[1][1]["html"]
    assert login(cast.outsider).get(f"/support/live/tickets/{ticket.pk}/").status_code == 404


def test_the_ticket_and_inbox_pages_wire_the_streams(cast, channel):
    ticket = receive(channel=channel, sender=Sender(email="a@example.jp"), body_text="質問").ticket
    client = login(cast.owner)
    page = client.get(f"/support/tickets/{ticket.pk}/").content.decode()
    newest = ticket.messages.get().pk
    assert f'data-live-url="/support/live/tickets/{ticket.pk}/" data-live-after="{newest}"' in page
    assert "support/live.js" in page and "<script>" not in page  # no inline script under the CSP
    assert 'data-live-url="/support/live/inbox/"' in client.get("/support/").content.decode()


def test_chat_stream_brings_the_agents_reply(cast, db):
    site = Channel.objects.create(kind="chat", name="通販", slug="shop",
                                  settings={"allowed_origins": ["https://shop.example.jp"]})  # fmt: skip
    headers = {"Origin": "https://shop.example.jp"}
    token = Client().post("/chat/api/shop/conversation", data="{}", content_type="application/json",
                          headers=headers).json()["token"]  # fmt: skip
    headers["X-Chat-Token"] = token
    sent = Client().post("/chat/api/shop/messages", data=json.dumps({"text": "交換できますか", "client_id": "c1"}),
                         content_type="application/json", headers=headers).json()["message"]  # fmt: skip
    reply(actor=cast.admin, ticket=Ticket.objects.get(channel=site), body_text="はい、できます。")
    response = Client().get("/chat/api/shop/stream", {"after": sent["id"]}, headers=headers)
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.jp"
    assert [(kind, data["from"], data["text"]) for kind, data, _id in frames(response)] == [
        ("message", "agent", "はい、できます。")
    ]
    assert Client().get("/chat/api/shop/stream", headers={"Origin": "https://shop.example.jp"}).status_code == 401


def test_a_stream_ends_by_itself(cast, settings):
    settings.KIZUNA_SSE_SECONDS, settings.KIZUNA_SSE_POLL_SECONDS = 0.05, 0.01
    body = b"".join(login(cast.owner).get("/support/live/inbox/").streaming_content).decode()
    assert body.startswith("retry: ")  # the browser reconnects after it
