import pytest

from kizuna.support.models import Ticket
from kizuna.support.services.intake import Sender, receive
from kizuna.support.services.tickets import add_note


@pytest.fixture
def ticket(channel):
    return receive(channel=channel, sender=Sender(name="佐藤 花子", email="hanako@example.jp"), subject="納期",
                   body_text="いつ届きますか").ticket  # fmt: skip


def test_list_filters_and_get_with_etag(cast, api, ticket):
    client = api(cast.owner)
    body = client.get("/api/v1/tickets?queue=unassigned").json()
    assert [t["number"] for t in body["items"]] == [ticket.number]
    assert client.get(f"/api/v1/tickets?q=%23{ticket.number}").json()["items"][0]["id"] == ticket.pk
    assert client.get("/api/v1/tickets?owner=me").json()["items"] == []
    assert client.get("/api/v1/tickets?status=bogus").status_code == 422
    got = client.get(f"/api/v1/tickets/{ticket.pk}")
    assert got["ETag"] == ticket.etag and got.json()["person"]["name"] == "佐藤 花子"
    assert api(cast.outsider).get(f"/api/v1/tickets/{ticket.pk}").status_code == 404


def test_patch_needs_the_current_etag(cast, api, ticket):
    client = api(cast.owner)
    assert client.patch(f"/api/v1/tickets/{ticket.pk}", {"priority": "high"}).status_code == 428
    ok = client.patch(f"/api/v1/tickets/{ticket.pk}", {"priority": "high", "tags": ["納期"]},
                      headers={"If-Match": ticket.etag})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["priority"] == "high" and ok.json()["tags"] == ["納期"]
    stale = client.patch(f"/api/v1/tickets/{ticket.pk}", {"priority": "low"}, headers={"If-Match": ticket.etag})
    assert stale.status_code == 412
    bad = client.patch(f"/api/v1/tickets/{ticket.pk}", {"priority": "最優先"}, headers={"If-Match": ok["ETag"]})
    assert bad.status_code == 422 and "優先度" in bad.json()["error"]["fields"]["priority"][0]


def test_messages_reply_note_and_status(cast, api, ticket):
    client = api(cast.owner)
    reply = client.post(f"/api/v1/tickets/{ticket.pk}/messages", {"body_text": "来週届きます", "status": "waiting"})
    assert reply.status_code == 201 and reply.json()["delivery"]["state"] == "not_sent"
    add_note(actor=cast.owner, ticket=ticket, body_text="倉庫に確認済み")
    listed = client.get(f"/api/v1/tickets/{ticket.pk}/messages").json()["items"]
    assert [m["direction"] for m in listed] == ["in", "out", "note"]
    refused = client.post(f"/api/v1/tickets/{ticket.pk}/status", {"status": "resolved"})
    assert refused.status_code == 422 and "call_reason" in refused.json()["error"]["fields"]
    assert Ticket.objects.get(pk=ticket.pk).status == "waiting"
    assigned = client.post(f"/api/v1/tickets/{ticket.pk}/assign", {"owner": cast.teammate.pk})
    assert assigned.status_code == 200 and assigned.json()["owner"]["id"] == cast.teammate.pk


def test_call_reasons(cast, api):
    assert api(cast.owner).post("/api/v1/call-reasons", {"name": "請求・支払い"}).status_code == 403
    parent = api(cast.admin).post("/api/v1/call-reasons", {"name": "請求・支払い"}).json()
    child = api(cast.admin).post("/api/v1/call-reasons", {"name": "返金", "parent": parent["id"]}).json()
    listed = api(cast.owner).get("/api/v1/call-reasons").json()
    assert {r["name"]: r["parent"] for r in listed} == {"請求・支払い": None, "返金": parent["id"]}
    assert child["parent"] == parent["id"]
