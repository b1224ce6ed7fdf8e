"""POST /hooks/line/<channel>: signed webhook bodies in LINE's documented format, against a local stand-in for the
LINE platform (profile, content, reply, push)."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.core.models import AuditEvent
from kizuna.support.line.client import signature
from kizuna.support.models import Attachment, Channel, HookEvent, LineContact, Message, Ticket

from .line_fake import FakeLine

SECRET = "8c570fa6dd201bb328f1c1eac23a96d8"
TOKEN = "line-access-token-for-tests"
USER = "U4af4980629a3b8e5b3c1c0f4f0e1f2d3"


@pytest.fixture
def line():
    with FakeLine(TOKEN) as fake:
        fake.profiles[USER] = {
            "displayName": "山田 花子", "userId": USER, "language": "ja",
            "pictureUrl": "https://profile.line-scdn.net/abc", "statusMessage": "こんにちは",
        }  # fmt: skip
        yield fake


@pytest.fixture
def channel(db, line):
    return Channel.objects.create(
        kind="line", name="公式アカウント", slug="official",
        settings={"api_base_url": line.url, "data_base_url": line.url},
        secret=json.dumps({"channel_secret": SECRET, "access_token": TOKEN}),
    )  # fmt: skip


def event(
    kind="message", event_id="01FZ74A0TDDPYRVKNK77XKC3ZR", reply_token="757913772c4646b784d4b7ce46d12671", **extra
):
    """One event as LINE's documentation shows it."""
    body = {
        "type": kind,
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "timestamp": 1625665242211,
        "source": {"type": "user", "userId": USER},
        "mode": "active",
        **extra,
    }
    if reply_token:
        body["replyToken"] = reply_token
    return body


def text(value="注文した商品がまだ届きません", **kw):
    return event(message={"type": "text", "id": "14353798921116", "text": value, "quoteToken": "q3Plxr4AgKd..."}, **kw)


def post(events, *, secret=SECRET, slug="official", sign=True, raw=None):
    body = raw if raw is not None else json.dumps({"destination": "xxxxxxxxxx", "events": events}).encode()
    headers = {"X-Line-Signature": signature(secret, body)} if sign else {}
    return Client().post(f"/hooks/line/{slug}", data=body, content_type="application/json", headers=headers)


def test_text_message_opens_a_ticket_with_the_profile_name(channel, line):
    line.reply_tokens.add("757913772c4646b784d4b7ce46d12671")
    response = post([text()])
    assert response.status_code == 200
    assert response.json() == {"handled": 1, "replayed": 0, "ignored": 0}
    message = Message.objects.get(channel_kind="line")
    assert message.external_id == "01FZ74A0TDDPYRVKNK77XKC3ZR"
    assert message.body_text == "注文した商品がまだ届きません"
    assert message.sender_name == "山田 花子"
    contact = LineContact.objects.get(channel=channel, user_id=USER)
    assert contact.display_name == "山田 花子" and contact.ticket == message.ticket
    assert contact.person is not None and message.ticket.person == contact.person
    assert ("GET", f"/v2/bot/profile/{USER}", None) in line.requests


def test_a_replayed_event_changes_nothing(channel, line):
    assert post([text()]).status_code == 200
    again = post([text()])
    assert again.status_code == 200 and again.json()["replayed"] == 1
    assert Message.objects.count() == 1 and Ticket.objects.count() == 1


def test_next_message_continues_the_same_ticket(channel, line):
    post([text()])
    post([text("追跡番号を教えてください", event_id="01FZ74A0TDDPYRVKNK77XKC3ZS")])
    assert Ticket.objects.count() == 1 and Message.objects.count() == 2


@pytest.mark.parametrize("how", ["forged", "missing", "other_secret"])
def test_a_bad_signature_is_refused_and_audited_and_nothing_stored(channel, how):
    body = json.dumps({"destination": "x", "events": [text()]}).encode()
    headers = {
        "forged": {"X-Line-Signature": "bm90IGEgc2lnbmF0dXJl"},
        "missing": {},
        "other_secret": {"X-Line-Signature": signature("another-secret", body)},
    }[how]
    response = Client().post("/hooks/line/official", data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert "署名" in response.json()["detail"]
    assert not Message.objects.exists() and not HookEvent.objects.exists() and not LineContact.objects.exists()
    row = AuditEvent.objects.get(action="support.line.signature_refused")
    assert row.object_id == str(channel.pk)


def test_malformed_json_is_a_400_and_nothing_stored(channel):
    response = post([], raw=b'{"events": [')
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    response = post([], raw=b'{"destination": "x"}')
    assert response.status_code == 400 and "events" in response.json()["detail"]
    assert not Message.objects.exists() and not HookEvent.objects.exists()


def test_oversize_body_and_unknown_channel(channel):
    big = json.dumps({"events": [], "padding": "x" * (1024 * 1024 + 10)}).encode()
    assert post([], raw=big).status_code == 413
    response = post([text()], slug="no-such-channel")
    assert response.status_code == 404
    assert Client().get("/hooks/line/official").status_code == 405
    assert not Message.objects.exists() and not AuditEvent.objects.filter(action__startswith="support.line").exists()


def test_image_message_fetches_the_content(channel, line):
    image = event(message={"type": "image", "id": "354718705033693859", "contentProvider": {"type": "line"}})
    assert post([image]).status_code == 200
    message = Message.objects.get()
    attachment = Attachment.objects.get(message=message)
    assert attachment.content_type == "image/png" and attachment.size == 72
    assert ("GET", "/v2/bot/message/354718705033693859/content", None) in line.requests


def test_follow_unfollow_and_postback(channel, line):
    post([event("follow", event_id="E1")])
    contact = LineContact.objects.get()
    assert contact.following and contact.followed_at is not None
    post([event("unfollow", event_id="E2", reply_token="")])
    contact.refresh_from_db()
    assert not contact.following
    post([event("postback", event_id="E3", postback={"data": "csat=5"})])
    assert Message.objects.get().meta["line"]["postback"] == {"data": "csat=5"}
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"support.line.follow", "support.line.unfollow"} <= actions


def test_unknown_event_types_are_ignored(channel):
    response = post([event("beacon", beacon={"hwid": "d41d8cd98f", "type": "enter"})])
    assert response.json() == {"handled": 0, "replayed": 0, "ignored": 1}
    assert not HookEvent.objects.exists()


def test_reply_uses_a_fresh_reply_token_then_push(channel, line, cast):
    from kizuna.support.services.tickets import reply

    line.reply_tokens.add("757913772c4646b784d4b7ce46d12671")
    post([text()])
    ticket = Ticket.objects.get()
    first = reply(actor=cast.admin, ticket=ticket, body_text="ご連絡ありがとうございます。確認します。")
    assert line.posted("/v2/bot/message/reply") == [
        {"replyToken": "757913772c4646b784d4b7ce46d12671",
         "messages": [{"type": "text", "text": "ご連絡ありがとうございます。確認します。"}]}
    ]  # fmt: skip
    assert first.meta["delivery"]["state"] == "sent" and first.meta["delivery"]["via"] == "reply"
    ticket.refresh_from_db()
    second = reply(actor=cast.admin, ticket=ticket, body_text="発送しました。")
    assert line.posted("/v2/bot/message/push") == [
        {"to": USER, "messages": [{"type": "text", "text": "発送しました。"}]}
    ]
    assert second.meta["delivery"]["via"] == "push"


def test_a_stale_reply_token_is_not_used(channel, line, cast):
    from kizuna.support.services.tickets import reply

    line.reply_tokens.add("757913772c4646b784d4b7ce46d12671")
    post([text()])
    LineContact.objects.update(reply_token_at=timezone.now() - timedelta(minutes=5))
    reply(actor=cast.admin, ticket=Ticket.objects.get(), body_text="お待たせしました。")
    assert line.posted("/v2/bot/message/reply") == []
    assert len(line.posted("/v2/bot/message/push")) == 1


def test_a_wrong_access_token_fails_the_delivery_visibly(channel, line, cast):
    from kizuna.support.services.tickets import reply

    post([text()])
    channel.secret = json.dumps({"channel_secret": SECRET, "access_token": "revoked"})
    channel.save()
    message = reply(actor=cast.admin, ticket=Ticket.objects.get(), body_text="お待たせしました。")
    assert message.meta["delivery"]["state"] == "failed"
    assert "401" in message.meta["delivery"]["error"]
