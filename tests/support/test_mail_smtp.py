"""Replies over SMTP to a local aiosmtpd sink: UTF-8 or ISO-2022-JP, signature, quoted history, threading headers,
our Message-ID domain, the ticket token; the customer's answer threads back; a dead server is a clear failure."""

from email import message_from_bytes
from email.policy import compat32
from pathlib import Path

import pytest

from kizuna.support.mail import charsets
from kizuna.support.mail.ingest import ingest
from kizuna.support.mail.parse import parse
from kizuna.support.models import Channel, Message, Ticket
from kizuna.support.services import tickets
from tests.support import mail_fixtures
from tests.support.mail_fixtures import mailbox_settings

smtp_sink = mail_fixtures.smtp_sink
SAMPLES = Path(__file__).parent / "mail_samples"


@pytest.fixture
def mailbox(cast, smtp_sink):
    return Channel.objects.create(kind="email", name="サポート窓口", slug="support", team=cast.team_a,
                                  settings=mailbox_settings(sink=smtp_sink))  # fmt: skip


@pytest.fixture
def ticket(mailbox):
    out = ingest(mailbox, (SAMPLES / "iso2022jp_nec.eml").read_bytes())
    return Ticket.objects.get(pk=out.ticket)


def test_a_reply_goes_out_threaded_signed_and_quoted(cast, ticket, smtp_sink):
    message = tickets.reply(actor=cast.owner, ticket=ticket, body_text="再発行いたしました。①をご確認ください。")
    (sent,) = smtp_sink.messages
    assert sent.to == ["takahashi@yamada-ss.co.jp"] and sent.sender == "support@example.jp"
    mail = parse(sent.raw)
    assert f"[#{ticket.number}]" in mail.subject and mail.subject.startswith("Re: ")
    assert mail.in_reply_to == "<20261207101500.ABC123@yamada-ss.co.jp>"
    assert mail.message_id.endswith("@example.jp>") and f"kizuna.{ticket.number}." in mail.message_id
    body = mail.body_text
    assert body.startswith("再発行いたしました。①をご確認ください。")
    assert "田中 一郎\nカスタマーサポート" in body  # the signature with the agent's name
    assert "> ① 納品書の再発行" in body  # the customer's mail, quoted
    assert message_from_bytes(sent.raw, policy=compat32).get_content_charset() == "utf-8"
    message.refresh_from_db()
    assert message.meta["delivery"]["state"] == "sent" and message.external_id == mail.message_id


def test_the_customers_answer_threads_back_onto_the_ticket(cast, ticket, mailbox, smtp_sink):
    tickets.reply(actor=cast.owner, ticket=ticket, body_text="ご確認ください。")
    ours = parse(smtp_sink.messages[0].raw)
    answer = (f"From: takahashi@yamada-ss.co.jp\r\nTo: support@example.jp\r\nSubject: Re: 別件です\r\n"
              f"Message-ID: <answer-1@yamada-ss.co.jp>\r\nIn-Reply-To: {ours.message_id}\r\n"
              f"Content-Type: text/plain; charset=utf-8\r\n\r\n了解しました。").encode()  # fmt: skip
    out = ingest(mailbox, answer)
    assert out.ticket == ticket.pk and not out.created
    count = Message.objects.count()
    back = ingest(mailbox, smtp_sink.messages[0].raw)  # our own reply coming back (a forwarding loop)
    assert back.duplicate and back.auto == "loop: own message-id" and not back.created
    assert Ticket.objects.count() == 1 and Message.objects.count() == count


def test_iso_2022_jp_mailbox_sends_jis_and_falls_back_to_utf8_for_emoji(cast, ticket, mailbox, smtp_sink):
    mailbox.settings |= {"charset": "iso-2022-jp"}
    mailbox.save()
    tickets.reply(actor=cast.owner, ticket=ticket, body_text="ご連絡ありがとうございます。㈱①")
    first = message_from_bytes(smtp_sink.messages[0].raw, policy=compat32)
    assert first.get_content_charset() == "iso-2022-jp" and smtp_sink.messages[0].raw.isascii()
    assert "=?ISO-2022-JP?B?" in first["Subject"]
    assert "㈱①" in charsets.decode_iso2022jp(first.get_payload().encode())
    assert f"[#{ticket.number}]" in parse(smtp_sink.messages[0].raw).subject
    tickets.reply(actor=cast.owner, ticket=ticket, body_text="ありがとうございます😀")
    second = message_from_bytes(smtp_sink.messages[1].raw, policy=compat32)
    assert second.get_content_charset() == "utf-8" and "😀" in parse(smtp_sink.messages[1].raw).body_text


def test_a_dead_smtp_server_is_a_clear_failure_and_the_reply_is_kept(cast, ticket, mailbox):
    mailbox.settings |= {"smtp_port": 1}
    mailbox.save()
    message = tickets.reply(actor=cast.owner, ticket=ticket, body_text="送れるかな")
    message.refresh_from_db()
    assert message.meta["delivery"]["state"] == "failed"
    assert "SMTP サーバー 127.0.0.1:1 に送信できませんでした" in message.meta["delivery"]["error"]
    assert Message.objects.filter(pk=message.pk, body_text="送れるかな").exists()


def test_a_mailbox_without_smtp_records_the_reply_as_not_sent(cast, ticket, mailbox, smtp_sink):
    mailbox.settings = {k: v for k, v in mailbox.settings.items() if not k.startswith("smtp_")}
    mailbox.save()
    message = tickets.reply(actor=cast.owner, ticket=ticket, body_text="電話でお伝えしました")
    message.refresh_from_db()
    assert message.meta["delivery"]["state"] == "not_sent" and "SMTP" in message.meta["delivery"]["reason"]
    assert smtp_sink.messages == []
