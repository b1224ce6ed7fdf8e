import threading

import pytest
from django.db import connection

from kizuna.contacts.models import ContactPoint, Person
from kizuna.core.models import AuditEvent
from kizuna.support.models import Attachment, CustomerIdentity, Message, Ticket
from kizuna.support.services.intake import (
    IncomingAttachment,
    Sender,
    match_person,
    receive,
    sniff_type,
)
from tests import factories
from tests.factories import relayed_events

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_new_sender_becomes_a_person_and_a_ticket(channel):
    got = receive(channel=channel, sender=Sender(name="佐藤 花子 様", email="Hanako.Sato@Example.jp"),
                  subject="請求書の再発行について", body_text="先月分の請求書を再発行してください。",
                  external_id="<a1@example.jp>")  # fmt: skip
    assert got.created_ticket and not got.duplicate
    assert got.person.family_name == "佐藤" and got.person.given_name == "花子"  # 様 is no part of a name
    assert ContactPoint.objects.get(person=got.person).normalized == "hanako.sato@example.jp"
    assert got.ticket.person == got.person and got.ticket.team == channel.team
    assert got.ticket.number >= 1 and got.ticket.status == Ticket.Status.NEW
    assert got.message.direction == "in" and got.message.channel_kind == "email"
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"create", "message.receive"}
    types = set(relayed_events().values_list("type", flat=True))
    assert {"ticket.created", "ticket.message_received", "person.created"} <= types


def test_replay_returns_the_stored_message(channel):
    first = receive(channel=channel, sender=Sender(email="a@example.jp"), body_text="一通目", external_id="<x@y>")
    again = receive(channel=channel, sender=Sender(email="a@example.jp"), body_text="一通目", external_id="<x@y>")
    assert again.duplicate and again.message is None and again.ticket == first.ticket
    assert Message.objects.count() == 1 and Ticket.objects.count() == 1


def test_known_person_matched_by_email_and_phone(cast, channel):
    known = factories.person(cast.owner, "山田", "太郎", emails=["taro@yamada.co.jp"], phones=["090-1234-5678"])
    by_mail = receive(channel=channel, sender=Sender(name="山田太郎", email="TARO@yamada.co.jp"), body_text="質問")
    assert by_mail.person == known
    assert match_person(Sender(phone="０９０（１２３４）５６７８")) == known  # full-width digits, brackets
    assert Person.objects.count() == 1


def test_shared_office_number_alone_identifies_nobody(cast, channel):
    factories.person(cast.owner, "鈴木", "一郎", phones=[{"value": "03-1234-5678", "label": "office"}])
    factories.person(cast.owner, "高橋", "次郎", phones=[{"value": "03-1234-5678", "label": "office"}])
    assert match_person(Sender(phone="0312345678")) is None
    got = receive(channel=channel, sender=Sender(phone="03-1234-5678"), body_text="電話がありました")
    # Two people may be the caller: nobody new is created, the candidates wait for an agent.
    assert got.person is None and Person.objects.count() == 2
    assert len(got.message.meta["person_candidates"]) == 2


def test_line_user_id_is_remembered(line_channel):
    first = receive(channel=line_channel, sender=Sender(name="みどり", line_user_id="U123"), body_text="こんにちは",
                    external_id="ev-1")  # fmt: skip
    assert CustomerIdentity.objects.get(value="U123").person == first.person
    second = receive(channel=line_channel, sender=Sender(name="みどり", line_user_id="U123"), body_text="追加です",
                     external_id="ev-2")  # fmt: skip
    assert second.person == first.person


def test_threading_by_references_and_subject_token(channel):
    first = receive(channel=channel, sender=Sender(email="c@example.jp"), subject="納期", body_text="いつ届きますか",
                    external_id="<m1@example.jp>")  # fmt: skip
    by_refs = receive(channel=channel, sender=Sender(email="c@example.jp"), subject="Re: 納期", body_text="続き",
                      external_id="<m2@example.jp>", references="<m0@x> <m1@example.jp>")  # fmt: skip
    assert by_refs.ticket == first.ticket and not by_refs.created_ticket
    token = f"Re: [#{first.ticket.number}] 納期"
    by_token = receive(channel=channel, sender=Sender(email="c@example.jp"), subject=token, body_text="再送")
    assert by_token.ticket == first.ticket
    stranger = receive(channel=channel, sender=Sender(email="evil@example.com"), subject=token, body_text="割り込み")
    assert stranger.created_ticket  # a token does not let someone else write into the conversation


def test_message_on_a_waiting_ticket_reopens_it_and_closed_opens_a_new_one(channel):
    first = receive(channel=channel, sender=Sender(email="d@example.jp"), body_text="質問", external_id="<d1@x>")
    Ticket.objects.filter(pk=first.ticket.pk).update(status=Ticket.Status.WAITING)
    again = receive(channel=channel, sender=Sender(email="d@example.jp"), body_text="回答", in_reply_to="<d1@x>")
    again.ticket.refresh_from_db()
    assert again.ticket.status == Ticket.Status.OPEN
    Ticket.objects.filter(pk=first.ticket.pk).update(status=Ticket.Status.CLOSED)
    late = receive(channel=channel, sender=Sender(email="d@example.jp"), body_text="またです", in_reply_to="<d1@x>")
    assert late.created_ticket and late.message.meta["follow_up_of"] == first.ticket.number


def test_attachments_type_from_bytes_and_size_limit(channel, settings):
    settings.KIZUNA_SUPPORT_ATTACHMENT_MAX_BYTES = 1024
    got = receive(channel=channel, sender=Sender(email="e@example.jp"), body_text="添付します", attachments=[
        IncomingAttachment("写真.jpg", PNG, "image/jpeg"),  # the claim is wrong: the bytes are a PNG
        IncomingAttachment("script.pdf", b"MZ\x90\x00\x03" + b"\xff" * 20, "application/pdf"),
        IncomingAttachment("大きい.zip", b"PK\x03\x04" + b"0" * 2048),
    ])  # fmt: skip
    stored = {a.filename: a for a in Attachment.objects.filter(message=got.message)}
    assert stored["写真.jpg"].content_type == "image/png"
    assert stored["script.pdf"].content_type == "application/octet-stream"
    assert "大きい.zip" not in stored
    rejected = got.message.meta["rejected_attachments"]
    assert rejected[0]["filename"] == "大きい.zip" and rejected[0]["size"] == 2052 and "MB" in rejected[0]["reason"]
    with stored["写真.jpg"].file.open("rb") as f:
        assert f.read() == PNG


def test_sniff_type():
    assert sniff_type("日本語のテキスト".encode()) == "text/plain"
    assert sniff_type(b"%PDF-1.7 ...") == "application/pdf"
    assert sniff_type(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest") == "application/x-ole-storage"
    assert sniff_type("シフトJIS".encode("cp932")) == "application/octet-stream"


def test_html_is_sanitized(channel):
    got = receive(channel=channel, sender=Sender(email="f@example.jp"), body_text="",
                  body_html='<p onclick="x()">本文<script>alert(1)</script><img src="http://t/x.png"></p>')  # fmt: skip
    assert got.message.body_html == "<p>本文</p>"


@pytest.mark.django_db(transaction=True)
def test_ticket_numbers_are_unique_under_concurrency(cast, channel):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    numbers, errors = [], []

    def worker(i):
        try:
            got = receive(channel=channel, sender=Sender(email=f"p{i}@example.jp"), body_text=f"問い合わせ{i}")
            numbers.append(got.ticket.number)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == list(range(1, 7))
