"""POST /hooks/cti/<channel> (Standard Webhooks signatures), the screen pop of the agent whose extension rings,
and the wrap-up of an ended call into a call activity with its reason."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.core.models import AuditEvent
from kizuna.support.cti import services
from kizuna.support.models import AgentExtension, Call, CallReason, Channel, HookEvent, Message
from kizuna.timeline.models import Activity
from kizuna.timeline.services.insights import create_insight
from kizuna.webhooks.signing import headers as signed_headers
from kizuna.webhooks.signing import new_secret
from tests import factories


@pytest.fixture
def secret():
    return new_secret()


@pytest.fixture
def channel(db, secret):
    return Channel.objects.create(kind="phone", name="代表番号", slug="pbx", secret=secret)


@pytest.fixture
def agent(cast):
    AgentExtension.objects.create(user=cast.owner, extension="201")
    return cast.owner


@pytest.fixture
def reason(db):
    parent = CallReason.objects.create(name="配送")
    return CallReason.objects.create(parent=parent, name="配送状況の確認")


def send(secret, slug="pbx", *, at=None, message_id=None, body=None, **event):
    raw = body if body is not None else json.dumps(event, ensure_ascii=False).encode()
    headers = signed_headers(
        message_id=message_id or f"msg_{uuid.uuid4().hex}", body=raw, at=at or timezone.now(), secrets_=[secret]
    )
    return Client().post(f"/hooks/cti/{slug}", data=raw, content_type="application/json", headers=headers)


def ring(secret, caller="+81312345678", call_id="c-1", **kw):
    return send(secret, type="ringing", call_id=call_id, caller=caller, extension="201",
                occurred_at="2026-12-07T10:00:00+09:00", **kw)  # fmt: skip


def pop(user, seen="none"):
    client = Client()
    client.force_login(user)
    return client.get("/support/cti/pop/", {"seen": seen})


def test_ringing_pops_the_caller_on_the_agents_screen(channel, secret, agent, cast):
    person = factories.person(cast.owner, family="佐藤", given="健", phones=["03-1234-5678"])
    create_insight(actor=cast.owner, data={"person": person.pk, "statement": "納期より仕様に厳しい"})
    response = ring(secret)
    assert response.status_code == 200 and response.json() == {"call": "c-1", "state": "ringing", "agent": True}
    call = Call.objects.get()
    assert call.agent == agent and call.person == person and call.caller_digits == "0312345678"
    page = pop(agent)
    html = page.content.decode()
    assert page.status_code == 200
    assert "佐藤 健" in html and "納期より仕様に厳しい" in html and "+81312345678" in html and "内線 201" in html
    key = f"{call.pk}-ringing-{person.pk}"
    assert f"seen={key}" in html
    assert pop(agent, seen=key).status_code == 204  # nothing changed: htmx leaves the page alone
    assert pop(cast.teammate).status_code == 204  # another agent's screen stays quiet


def test_unknown_number_offers_a_new_person(channel, secret, agent):
    ring(secret, caller="090-1111-2222")
    html = pop(agent).content.decode()
    assert "登録のない番号です" in html and "新規登録" in html
    call = Call.objects.get()
    client = Client()
    client.force_login(agent)
    response = client.post(f"/support/cti/calls/{call.pk}/person/", {"family_name": "鈴木", "given_name": "一"})
    call.refresh_from_db()
    assert response.status_code == 302 and call.person.family_name == "鈴木"
    assert call.person.contact_points.get().normalized == "09011112222"


def test_ended_call_becomes_a_ticket_message_and_after_wrap_up_a_call_activity(channel, secret, agent, reason, cast):
    person = factories.person(cast.owner, family="佐藤", given="健", phones=["03-1234-5678"])
    ring(secret)
    send(secret, type="answered", call_id="c-1", occurred_at="2026-12-07T10:00:05+09:00")
    send(secret, type="ended", call_id="c-1", occurred_at="2026-12-07T10:04:35+09:00",
         recording_url="https://pbx.example.jp/rec/c-1.wav")  # fmt: skip
    call = Call.objects.get()
    assert call.state == "ended" and call.duration_seconds == 270
    message = Message.objects.get(channel_kind="phone")
    assert "https://pbx.example.jp/rec/c-1.wav" in message.body_text and "4分30秒" in message.body_text
    assert message.ticket.person == person and call.ticket == message.ticket
    assert "コールリーズン" in pop(agent).content.decode()

    client = Client()
    client.force_login(agent)
    client.post(f"/support/cti/calls/{call.pk}/wrap-up/", {"reason": ""})
    call.refresh_from_db()
    assert call.wrapped_up_at is None and not Activity.objects.exists()  # the reason is required
    client.post(f"/support/cti/calls/{call.pk}/wrap-up/", {"reason": reason.pk, "note": "再配達を手配"})
    call.refresh_from_db()
    activity = call.activity
    assert activity.kind == "call" and activity.duration_minutes == 5 and list(activity.people.all()) == [person]
    assert "配送状況の確認" in activity.subject and "再配達を手配" in activity.body
    assert call.reason == reason
    assert AuditEvent.objects.filter(action="support.call.wrapped_up", object_id=str(call.pk)).exists()
    assert pop(agent).status_code == 204  # the pop is gone ...
    cleared = pop(agent, seen=f"{call.pk}-ended-{person.pk}")  # ... and a screen still showing it is cleared
    assert cleared.status_code == 200 and "cti-panel" not in cleared.content.decode()


def test_missed_call_is_recorded_as_such(channel, secret, agent):
    ring(secret, caller="090-3333-4444")
    send(secret, type="ended", call_id="c-1", occurred_at="2026-12-07T10:00:20+09:00")
    assert Message.objects.get().body_text == "不在着信"
    assert Call.objects.get().duration_seconds == 0


def test_only_the_agent_of_the_call_may_wrap_it_up(channel, secret, agent, reason, cast):
    ring(secret)
    send(secret, type="ended", call_id="c-1")
    client = Client()
    client.force_login(cast.teammate)
    assert client.post(f"/support/cti/calls/{Call.objects.get().pk}/wrap-up/", {"reason": reason.pk}).status_code == 404


def test_bad_signature_stale_timestamp_and_replay(channel, secret, agent):
    body = json.dumps({"type": "ringing", "call_id": "c-9", "caller": "0312345678"}).encode()
    forged = signed_headers(message_id="msg_1", body=body, at=timezone.now(), secrets_=[new_secret()])
    response = Client().post("/hooks/cti/pbx", data=body, content_type="application/json", headers=forged)
    assert response.status_code == 401 and "署名" in response.json()["detail"]
    assert ring(secret, at=timezone.now() - timedelta(minutes=10)).status_code == 401
    assert AuditEvent.objects.filter(action="support.cti.signature_refused").count() == 2
    assert not Call.objects.exists() and not HookEvent.objects.exists()

    assert ring(secret, message_id="msg_same").status_code == 200
    replay = ring(secret, message_id="msg_same")
    assert replay.status_code == 200 and replay.json() == {"replayed": True}
    assert Call.objects.count() == 1 and HookEvent.objects.count() == 1


@pytest.mark.parametrize(
    "body, word",
    [
        (b"{not json", "JSON"),
        (b"[]", "オブジェクト"),
        (json.dumps({"type": "hangup", "call_id": "c"}).encode(), "type"),
        (json.dumps({"type": "ringing"}).encode(), "call_id"),
        (
            json.dumps({"type": "ended", "call_id": "c", "recording_url": "javascript:alert(1)"}).encode(),
            "recording_url",
        ),
        (json.dumps({"type": "ringing", "call_id": "c", "occurred_at": "昨日"}).encode(), "occurred_at"),
    ],
)
def test_malformed_events_are_400_and_nothing_stored(channel, secret, body, word):
    response = send(secret, body=body)
    assert response.status_code == 400 and word in response.json()["detail"]
    assert not Call.objects.exists()


def test_unknown_channel_and_oversize(channel, secret):
    assert ring(secret, slug="nope").status_code == 404
    big = json.dumps({"type": "ringing", "call_id": "c", "pad": "x" * (1024 * 1024)}).encode()
    assert send(secret, body=big).status_code == 413
    assert not Call.objects.exists()


def test_caller_lookup_is_by_normalized_digits(channel, cast):
    person = factories.person(cast.owner, phones=["０３（１２３４）５６７８"])
    for written in ("03-1234-5678", "+81 3 1234 5678", "0312345678"):
        assert services.caller_matches(written) == [person.pk]
    assert services.caller_matches("1234") == []


def test_an_agent_sets_their_extension(cast):
    client = Client()
    client.force_login(cast.owner)
    assert "内線番号" in client.get("/support/cti/extension/").content.decode()
    assert client.post("/support/cti/extension/", {"extension": "305"}).status_code == 302
    assert AgentExtension.objects.get(user=cast.owner).extension == "305"
    assert AuditEvent.objects.filter(action="support.extension.set", object_id=str(cast.owner.pk)).exists()
    other = Client()
    other.force_login(cast.teammate)
    taken = other.post("/support/cti/extension/", {"extension": "305"})
    assert taken.status_code == 422 and "他の担当者" in taken.content.decode()
    assert other.post("/support/cti/extension/", {"extension": "内線5"}).status_code == 422
    assert client.post("/support/cti/extension/", {"extension": ""}).status_code == 302
    assert not AgentExtension.objects.exists()


def test_an_ended_call_joins_the_callers_open_ticket(channel, secret, agent, reason, cast):
    from kizuna.support.services.intake import Sender, receive

    person = factories.person(cast.owner, family="佐藤", given="健", phones=["03-1234-5678"])
    mail = Channel.objects.create(kind="email", name="窓口", slug="mail")
    asked = receive(channel=mail, sender=Sender(name="佐藤 健", phone="03-1234-5678"), subject="配送について",
                    body_text="まだ届きません", sent_at=timezone.now() - timedelta(days=2))  # fmt: skip
    waiting = asked.ticket
    assert waiting.person == person
    type(waiting).objects.filter(pk=waiting.pk).update(status="waiting")
    for kind, second in (("ringing", 0), ("answered", 5), ("ended", 65)):
        send(secret, type=kind, call_id="c-9", caller="03-1234-5678", extension="201",
             occurred_at=(timezone.now() + timedelta(seconds=second)).isoformat())  # fmt: skip
    call = Call.objects.get(call_id="c-9")
    waiting.refresh_from_db()
    assert call.ticket == waiting and waiting.status == "open"  # the customer called back: 対応中 again
    assert waiting.messages.filter(channel_kind="phone").get().meta["call"]["duration"] == 60
    services.wrap_up(actor=agent, call=call, reason_id=reason.pk)
    call.refresh_from_db()
    assert call.activity.duration_minutes == 1 and call.reason == reason  # the activity and its reason stay

    # A resolved ticket, or an open one too old, is not joined: the call opens a new ticket.
    type(waiting).objects.filter(pk=waiting.pk).update(status="resolved")
    send(secret, type="ended", call_id="c-10", caller="03-1234-5678", extension="201")
    assert Call.objects.get(call_id="c-10").ticket not in (None, waiting)
    old = Call.objects.get(call_id="c-10").ticket
    type(old).objects.filter(pk=old.pk).update(last_message_at=timezone.now() - timedelta(days=30))
    send(secret, type="ended", call_id="c-11", caller="03-1234-5678", extension="201")
    assert Call.objects.get(call_id="c-11").ticket not in (None, waiting, old)
