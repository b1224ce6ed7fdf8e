"""Mail ingestion through intake: tickets, people, threading, auto-replies, bounces, failures kept and retried, and
`kizuna mail ingest PATH.eml --json`."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kizuna.core.models import AuditEvent
from kizuna.support.mail import ingest as ingest_module
from kizuna.support.mail.ingest import ingest, retry_kept
from kizuna.support.models import Channel, KeptMail, Message, Ticket
from tests.support.mail_fixtures import mailbox_settings

SAMPLES = Path(__file__).parent / "mail_samples"


@pytest.fixture
def mailbox(cast):
    return Channel.objects.create(kind="email", name="サポート窓口", slug="support", team=cast.team_a,
                                  settings=mailbox_settings())  # fmt: skip


def raw(name):
    return (SAMPLES / name).read_bytes()


def test_a_new_mail_opens_a_ticket_for_a_new_person(mailbox):
    out = ingest(mailbox, raw("iso2022jp_nec.eml"))
    assert out.created and out.ticket and out.person
    ticket = Ticket.objects.get(pk=out.ticket)
    assert "請求書の再発行について" in ticket.subject and ticket.channel == mailbox
    message = ticket.messages.get()
    assert message.subject == "【至急】請求書の再発行について①"
    assert "（㈲→㈱）" in message.body_text and message.external_id == "<20261207101500.ABC123@yamada-ss.co.jp>"
    assert message.sender_address == "takahashi@yamada-ss.co.jp" and message.sender_name == "高橋 一郎"
    assert message.meta["headers"]["X-Mailer"] == "Microsoft Outlook 16.0"
    assert ticket.person.family_name == "高橋"


def test_the_same_mail_twice_is_stored_once(mailbox):
    first = ingest(mailbox, raw("sjis_cp932.eml"))
    again = ingest(mailbox, raw("sjis_cp932.eml"))
    assert again.duplicate and not again.created and again.ticket == first.ticket
    assert Message.objects.count() == 1


def test_a_reply_threads_by_in_reply_to_and_a_token_by_subject(mailbox):
    first = ingest(mailbox, raw("iso2022jp_nec.eml"))
    ticket = Ticket.objects.get(pk=first.ticket)
    reply = raw("utf8_reply.eml").replace(b"<kizuna.42.1.abc@example.jp>", b"<none@example.jp>")
    out = ingest(mailbox, reply)  # References names the first mail
    assert out.ticket == ticket.pk and not out.created
    token = b"From: takahashi@yamada-ss.co.jp\r\nMessage-ID: <t1@yamada-ss.co.jp>\r\n"
    token += b"Subject: Re: [#%d] thanks\r\n\r\nok" % ticket.number
    assert ingest(mailbox, token).ticket == ticket.pk


def test_attachments_are_typed_from_their_bytes_and_html_is_safe(mailbox):
    out = ingest(mailbox, raw("attachments.eml"))
    message = Message.objects.get(ticket_id=out.ticket)
    types = {a.filename: a.content_type for a in message.attachments.all()}
    assert types["見積書_2026.pdf"] == "application/pdf"
    assert types["invoice.pdf"] == "image/png"  # claimed application/pdf
    html = Message.objects.get(ticket_id=ingest(mailbox, raw("html_only.eml")).ticket)
    assert "<script" not in html.body_html and "tracker.example.com" not in html.body_html.replace("data-remote", "")
    assert html.meta["remote_images_blocked"] == 1 and "新商品のご案内です。" in html.body_text


def test_an_auto_reply_on_a_conversation_is_stored_there_and_marked(mailbox):
    first = ingest(mailbox, raw("iso2022jp_nec.eml"))
    Message.objects.filter(ticket_id=first.ticket).update(external_id="<kizuna.42.1.abc@example.jp>")
    out = ingest(mailbox, raw("auto_reply.eml"))
    assert out.ticket == first.ticket and not out.created and out.auto
    assert Message.objects.get(external_id="<auto-0001@yamada-ss.co.jp>").meta["auto"] == "auto-submitted: auto-replied"


def test_an_auto_reply_without_a_conversation_opens_no_ticket_but_is_kept(mailbox):
    out = ingest(mailbox, raw("auto_reply.eml"))
    assert out.ticket is None and not out.created and Ticket.objects.count() == 0
    kept = KeptMail.objects.get(pk=out.kept)
    assert kept.state == "auto" and kept.reason == "auto-submitted: auto-replied"
    assert kept.raw.open("rb").read() == raw("auto_reply.eml")
    bulk = b"From: news@example.com\r\nPrecedence: bulk\r\nSubject: news\r\n\r\nhello"
    assert ingest(mailbox, bulk).ticket is None and Ticket.objects.count() == 0


def test_a_bounce_marks_the_original_outbound_message(mailbox):
    first = ingest(mailbox, raw("iso2022jp_nec.eml"))
    ticket = Ticket.objects.get(pk=first.ticket)
    sent = Message.objects.create(
        ticket=ticket, direction="out", channel_kind="email", body_text="再発行します",
        external_id="<kizuna.42.2.def@example.jp>", meta={"delivery": {"state": "sent"}},
    )  # fmt: skip
    out = ingest(mailbox, raw("bounce.eml"))
    sent.refresh_from_db()
    assert sent.meta["delivery"]["state"] == "bounced" and sent.meta["delivery"]["bounce_status"] == "5.1.1"
    assert out.ticket == ticket.pk and Ticket.objects.count() == 1
    assert AuditEvent.objects.filter(action="message.bounce", object_id=str(sent.pk)).exists()


def test_broken_and_unknown_charset_mail_is_stored_with_the_raw_mail(mailbox):
    for name in ("broken_mime.eml", "unknown_charset.eml", "raw8bit_mislabelled.eml", "eucjp.eml"):
        out = ingest(mailbox, raw(name))
        assert out.created, name
    broken = Message.objects.get(external_id="<broken-0001@example.net>")
    assert "本文はここにあります。" in broken.body_text
    assert broken.attachments.get(filename="original.eml").size == len(raw("broken_mime.eml"))
    assert broken.meta["problems"]


def test_a_failure_keeps_the_mail_with_its_error_and_a_retry_stores_it(mailbox, monkeypatch):
    real = ingest_module.intake.receive

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ingest_module.intake, "receive", boom)
    out = ingest(mailbox, raw("eucjp.eml"))
    kept = KeptMail.objects.get(pk=out.kept)
    assert kept.state == "failed" and "database went away" in kept.error and kept.subject == "納期の確認"
    assert Ticket.objects.count() == 0
    assert retry_kept(mailbox) == {"done": 0, "failed": 1}
    monkeypatch.setattr(ingest_module.intake, "receive", real)
    assert retry_kept(mailbox) == {"done": 1, "failed": 0}
    kept.refresh_from_db()
    assert kept.state == "done" and kept.stored.ticket.subject == "納期の確認" and kept.attempts == 3


def test_cli_ingest_prints_exactly_the_json_contract(mailbox, tmp_path):
    path = tmp_path / "in.eml"
    path.write_bytes(raw("sjis_cp932.eml"))
    out = StringIO()
    call_command("mail", "ingest", str(path), "--mailbox", "support", "--json", stdout=out)
    data = json.loads(out.getvalue())
    ticket = Ticket.objects.get()
    assert data == {"ticket": ticket.pk, "person": ticket.person_id, "created": True}
    out = StringIO()
    call_command("mail", "ingest", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"ticket": ticket.pk, "person": ticket.person_id, "created": False}


def test_cli_ingest_refuses_an_unknown_mailbox_or_file(mailbox, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="見つかりません"):
        call_command("mail", "ingest", str(tmp_path / "nope.eml"), "--json")
    path = tmp_path / "a.eml"
    path.write_bytes(b"Subject: x\r\n\r\nhi")
    with pytest.raises(CommandError, match="メールボックス「nope」"):
        call_command("mail", "ingest", str(path), "--mailbox", "nope", "--json")


def test_a_date_in_the_future_or_without_a_zone_is_kept_sane(mailbox):
    from django.utils import timezone

    future = b"From: a@example.com\r\nMessage-ID: <f@example.com>\r\nDate: Sat, 01 Jan 2080 09:00:00 +0900\r\n\r\nhi"
    naive = b"From: b@example.com\r\nMessage-ID: <n@example.com>\r\nDate: Mon, 07 Dec 2026 10:00:00\r\n\r\nhi"
    ingest(mailbox, future)
    ingest(mailbox, naive)
    assert Message.objects.get(external_id="<f@example.com>").sent_at <= timezone.now()
    sent = timezone.localtime(Message.objects.get(external_id="<n@example.com>").sent_at)
    assert (sent.hour, sent.utcoffset().total_seconds()) == (10, 9 * 3600)


def test_kept_mails_are_part_of_a_persons_disclosure_and_erasure(cast, mailbox):
    from kizuna.core import personal_data
    from kizuna.support.mail import privacy
    from tests import factories

    kept = KeptMail.objects.get(pk=ingest(mailbox, raw("auto_reply.eml")).kept)
    other = KeptMail.objects.get(pk=ingest(mailbox, b"From: x@example.com\r\nPrecedence: bulk\r\n\r\nhi").kept)
    person = factories.person(cast.owner, "高橋", "一郎", emails=["Takahashi@yamada-ss.co.jp"])
    assert any(s.name == "support_mail" for s in personal_data.sources())
    (row,) = privacy.disclose([person.pk])["kept_mails"]
    assert row["subject"] == "自動応答：不在のお知らせ" and row["sender"] == "takahashi@yamada-ss.co.jp"
    path = kept.raw.path
    assert privacy.erase(None, [person.pk], lambda v: v.replace("takahashi@yamada-ss.co.jp", "")) == {"kept_mails": 1}
    assert not KeptMail.objects.filter(pk=kept.pk).exists() and not Path(path).exists()
    assert KeptMail.objects.filter(pk=other.pk).exists()
