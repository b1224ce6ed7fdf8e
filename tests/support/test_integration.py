from kizuna.contacts.services.merge import merge_records
from kizuna.core import personal_data
from kizuna.support.integration import search_tickets
from kizuna.support.models import Attachment, CustomerIdentity, Message, Ticket
from kizuna.support.services.intake import IncomingAttachment, Sender, receive
from kizuna.support.services.tickets import add_note
from tests import factories


def test_disclosure_and_erasure_include_messages_and_attachments(cast, channel):
    got = receive(channel=channel, sender=Sender(name="佐藤 花子", email="hanako@example.jp", line_user_id="U9"),
                  subject="請求書", body_text="住所は東京都港区1-2-3です",
                  attachments=[IncomingAttachment("明細.pdf", b"%PDF-1.4 hanako")])  # fmt: skip
    add_note(actor=cast.owner, ticket=got.ticket, body_text="佐藤 花子さんは常連")
    ids = [got.person.pk]
    sections = personal_data.disclose(ids)
    assert sections["ticket_messages"][0]["body"] == "住所は東京都港区1-2-3です"
    assert sections["ticket_messages"][0]["attachments"][0]["filename"] == "明細.pdf"
    assert all("常連" not in m["body"] for m in sections["ticket_messages"])  # internal notes are not disclosed
    assert sections["channel_ids"][0]["id"] == "U9"
    stored = Attachment.objects.get()
    counts = personal_data.erase(cast.admin, ids, lambda v: v.replace("佐藤 花子", "＊＊") if isinstance(v, str) else v)
    assert counts["ticket_messages"] == 1 and counts["ticket_attachments"] == 1 and counts["ticket_files"] == 1
    assert not stored.file.storage.exists(stored.file.name)
    inbound = Message.objects.get(direction="in")
    assert "港区" not in inbound.body_text and inbound.sender_address == ""
    assert Message.objects.get(direction="note").body_text == "＊＊さんは常連"
    assert Ticket.objects.get().person is None and not CustomerIdentity.objects.exists()


def test_tickets_move_with_merged_people_and_search_finds_them(cast, channel):
    a = factories.person(cast.owner, "山田", "太郎", emails=["taro@example.jp"], visibility="public")
    b = factories.person(cast.owner, "山田", "太郎", emails=["yamada@example.jp"], visibility="public")
    got = receive(
        channel=channel, sender=Sender(email="yamada@example.jp"), subject="製品の不具合", body_text="動かない"
    )
    assert got.person == b
    merge_records(actor=cast.owner, kind="person", survivor=a, others=[b])
    assert Ticket.objects.get().person == a
    found = search_tickets(cast.owner, "不具合")
    assert [r.id for r in found] == [got.ticket.pk]
    assert [r.id for r in search_tickets(cast.owner, str(got.ticket.number))] == [got.ticket.pk]
    assert search_tickets(cast.outsider, "不具合") == []
