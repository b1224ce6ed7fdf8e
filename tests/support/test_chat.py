"""The web chat widget's API: CORS for the site's allowed origins only, a visitor token that survives reloads,
anonymous until a name/e-mail is given, agent replies fetched by polling, rate limits and bad input."""

import json

import pytest
from django.test import Client

from kizuna.support.models import Channel, ChatVisitor, Message, Ticket
from tests import factories

ORIGIN = "https://shop.example.jp"


@pytest.fixture
def site(db):
    return Channel.objects.create(
        kind="chat", name="通販サイト", slug="shop",
        settings={"allowed_origins": [ORIGIN], "messages_per_minute": 3, "conversations_per_hour": 5},
    )  # fmt: skip


def call(method, action, data=None, *, token="", origin=ORIGIN, site="shop", raw=None):
    headers = {"Origin": origin} if origin else {}
    if token:
        headers["X-Chat-Token"] = token
    client = Client()
    path = f"/chat/api/{site}/{action}"
    if method == "GET":
        return client.get(path, headers=headers)
    if method == "OPTIONS":
        return client.options(path, headers=headers)
    body = raw if raw is not None else json.dumps(data or {})
    return client.post(path, data=body, content_type="application/json", headers=headers)


def start():
    response = call("POST", "conversation")
    assert response.status_code == 201
    return response.json()["token"]


def test_preflight_and_cors_only_for_allowed_origins(site):
    response = call("OPTIONS", "messages")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Chat-Token" in response["Access-Control-Allow-Headers"]
    for origin in ("https://evil.example.com", ""):
        refused = call("OPTIONS", "messages", origin=origin)
        assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused
        assert call("POST", "conversation", origin=origin).status_code == 403
    assert not ChatVisitor.objects.exists()


def test_config_is_translated_labels(site):
    data = call("GET", "config").json()
    assert data["labels"]["send"] == "送信" and data["title"]


def test_visitor_writes_agent_replies_and_the_conversation_survives_a_reload(site, cast):
    from kizuna.support.services.tickets import reply

    token = start()
    sent = call("POST", "messages", {"text": "サイズ交換できますか？", "client_id": "a1"}, token=token)
    assert sent.status_code == 201 and sent["Access-Control-Allow-Origin"] == ORIGIN
    ticket = Ticket.objects.get()
    assert ticket.channel == site
    answer = reply(actor=cast.admin, ticket=ticket, body_text="はい、到着後14日以内なら交換できます。")
    assert answer.meta["delivery"]["state"] == "sent"
    Message.objects.create(ticket=ticket, direction="note", channel_kind="chat", body_text="社内メモ: 常連")
    # a reload: the same token, nothing but the token kept
    again = call("POST", "conversation", token=token)
    assert again.status_code == 200 and again.json()["token"] == token
    shown = call("GET", "messages?after=0", token=token).json()["messages"]
    assert [(m["from"], m["text"]) for m in shown] == [
        ("visitor", "サイズ交換できますか？"),
        ("agent", "はい、到着後14日以内なら交換できます。"),
    ]
    after = shown[0]["id"]
    assert [m["text"] for m in call("GET", f"messages?after={after}", token=token).json()["messages"]] == [
        "はい、到着後14日以内なら交換できます。"
    ]


def test_a_resent_message_is_stored_once(site):
    token = start()
    for _ in range(2):
        assert call("POST", "messages", {"text": "こんにちは", "client_id": "same"}, token=token).status_code == 201
    assert Message.objects.count() == 1


def test_anonymous_until_the_visitor_gives_an_email_then_matched(site, cast):
    person = factories.person(cast.owner, family="高橋", given="優", emails=["yu.takahashi@example.jp"])
    token = start()
    assert call("GET", "messages", token=token).json()["visitor"]["identified"] is False
    response = call("POST", "profile", {"name": "高橋 優", "email": "Yu.Takahashi@example.jp"}, token=token)
    assert response.status_code == 200 and response.json()["visitor"]["identified"] is True
    visitor = ChatVisitor.objects.get()
    assert visitor.email == "yu.takahashi@example.jp" and visitor.person == person
    call("POST", "messages", {"text": "先日の注文の件です"}, token=token)
    assert Ticket.objects.get().person == person


def test_bad_input_gets_clear_errors_and_stores_nothing(site):
    token = start()
    bad_email = call("POST", "profile", {"email": "not-an-address"}, token=token)
    assert bad_email.status_code == 422 and "メールアドレス" in bad_email.json()["detail"]
    empty = call("POST", "messages", {"text": "   "}, token=token)
    assert empty.status_code == 422 and "入力" in empty.json()["detail"]
    too_long = call("POST", "messages", {"text": "あ" * 2001}, token=token)
    assert too_long.status_code == 422
    assert call("POST", "messages", raw="{oops", token=token).status_code == 400
    assert call("POST", "messages", raw=json.dumps({"text": "x" * 20000}), token=token).status_code == 400
    assert call("POST", "messages", {"text": "hi"}, token="forged-token").status_code == 401
    assert call("GET", "messages", site="nope").status_code == 404
    assert call("GET", "conversation").status_code == 405
    assert call("GET", "unknown").status_code == 404
    assert not Message.objects.exists()


def test_rate_limits(site):
    token = start()
    for i in range(3):
        assert call("POST", "messages", {"text": f"質問{i}"}, token=token).status_code == 201
    limited = call("POST", "messages", {"text": "もう一つ"}, token=token)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert Message.objects.count() == 3
    for _ in range(4):
        start()
    assert call("POST", "conversation").status_code == 429
    assert ChatVisitor.objects.count() == 5


def test_widget_script_is_served_and_has_no_inline_code(site):
    from django.contrib.staticfiles import finders

    with open(finders.find("support/chat-widget.js"), encoding="utf-8") as file:
        script = file.read()
    assert "attachShadow" in script and "localStorage" in script and "innerHTML" not in script


def test_an_anonymous_visitor_who_wrote_first_is_matched_when_they_give_their_email(site, cast):
    from kizuna.support.models import CustomerIdentity

    person = factories.person(cast.owner, family="高橋", given="優", emails=["yu.takahashi@example.jp"])
    token = start()
    call("POST", "messages", {"text": "返品したいです"}, token=token)
    placeholder = ChatVisitor.objects.get().person
    assert placeholder is not None and placeholder != person  # intake's person for an unknown sender
    call("POST", "profile", {"email": "yu.takahashi@example.jp"}, token=token)
    visitor = ChatVisitor.objects.get()
    assert visitor.person == person
    assert CustomerIdentity.objects.get(kind="chat", value=visitor.public_id).person == person
