"""IMAP fetch against a real Dovecot: TLS and STARTTLS, UID positions that survive restarts, UIDVALIDITY changes,
failed messages kept without blocking the mailbox, IDLE, the clock job and `kizuna mail fetch`."""

import json
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kizuna.core import clock
from kizuna.core.exceptions import ValidationFailed
from kizuna.support.mail import imap
from kizuna.support.mail import ingest as ingest_module
from kizuna.support.mail.config import mailbox as mailbox_config
from kizuna.support.models import Channel, KeptMail, MailboxState, Message, Ticket
from tests.support import mail_fixtures
from tests.support.mail_fixtures import append, mailbox_settings

imap_server = mail_fixtures.imap_server  # fixtures shared with the bench and the SMTP tests
imap_folder = mail_fixtures.imap_folder

SAMPLES = Path(__file__).parent / "mail_samples"
NAMES = ["iso2022jp_nec.eml", "sjis_cp932.eml", "eucjp.eml", "attachments.eml", "html_only.eml"]


def raw(name):
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def mailbox(cast, imap_server, imap_folder):
    settings = mailbox_settings(imap_server, imap_folder)
    return Channel.objects.create(kind="email", name="サポート窓口", slug="support", team=cast.team_a,
                                  settings=settings, secret=imap_server.password)  # fmt: skip


def test_fetch_ingests_each_message_once_across_restarts(mailbox, imap_server, imap_folder):
    append(imap_server, imap_folder, *[raw(n) for n in NAMES[:3]])
    first = imap.fetch(mailbox)
    assert (first.fetched, first.created, first.kept) == (3, 3, 0)
    assert imap.fetch(mailbox).fetched == 0  # a restart: the position is in the database
    append(imap_server, imap_folder, *[raw(n) for n in NAMES[3:]])
    second = imap.fetch(mailbox)
    assert (second.fetched, second.created) == (2, 2)
    state = MailboxState.objects.get(channel=mailbox, folder=imap_folder)
    assert state.last_uid == 5 and state.uidvalidity and state.last_fetch_at
    assert Ticket.objects.count() == 5
    assert "①" in Message.objects.get(external_id="<20261207101500.ABC123@yamada-ss.co.jp>").body_text


def test_starttls_and_the_limit(mailbox, imap_server, imap_folder):
    mailbox.settings |= {"imap_port": imap_server.port, "imap_security": "starttls"}
    mailbox.save()
    append(imap_server, imap_folder, raw(NAMES[0]), raw(NAMES[1]))
    assert imap.fetch(mailbox, limit=1).fetched == 1
    assert imap.fetch(mailbox).fetched == 1


def test_a_new_uidvalidity_starts_again_and_message_ids_catch_the_repeats(mailbox, imap_server, imap_folder):
    append(imap_server, imap_folder, raw(NAMES[0]), raw(NAMES[1]))
    imap.fetch(mailbox)
    MailboxState.objects.filter(channel=mailbox).update(uidvalidity=1)  # as if the server rebuilt the folder
    again = imap.fetch(mailbox)
    assert (again.fetched, again.created, again.duplicates) == (2, 0, 2)
    assert Message.objects.count() == 2


def test_a_failing_message_is_kept_and_does_not_block_the_others(mailbox, imap_server, imap_folder, monkeypatch):
    append(imap_server, imap_folder, raw(NAMES[0]), raw(NAMES[1]), raw(NAMES[2]))
    real = ingest_module.intake.receive

    def flaky(**kwargs):
        if kwargs["external_id"] == "<sjis-0001@yamazaki-shoji.jp>":
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(ingest_module.intake, "receive", flaky)
    result = imap.fetch(mailbox)
    assert (result.fetched, result.created, result.kept) == (3, 2, 1)
    kept = KeptMail.objects.get()
    assert (kept.state, kept.uid, kept.folder) == ("failed", 2, imap_folder) and "disk full" in kept.error
    monkeypatch.setattr(ingest_module.intake, "receive", real)
    assert imap.fetch(mailbox).fetched == 0
    assert ingest_module.retry_kept() == {"done": 1, "failed": 0}
    assert Ticket.objects.count() == 3


def test_wrong_password_and_plain_text_to_a_remote_host_are_refused_clearly(mailbox):
    mailbox.secret = "wrong"
    mailbox.save()
    with pytest.raises(ValidationFailed, match=r"IMAP サーバー 127\.0\.0\.1"):
        imap.fetch(mailbox)
    mailbox.settings |= {"imap_host": "imap.example.jp", "imap_security": "plain"}
    with pytest.raises(ValidationFailed) as refused:
        mailbox_config(mailbox)
    assert "plain" in refused.value.summary


def test_idle_wakes_up_when_mail_arrives(mailbox, imap_server, imap_folder):
    append(imap_server, imap_folder, raw(NAMES[0]))
    box = mailbox_config(mailbox)
    conn = imap.connect(box)
    try:
        imap.fetch(mailbox, conn=conn)
        assert imap.supports_idle(conn)
        timer = threading.Timer(0.3, append, (imap_server, imap_folder, raw(NAMES[1])))
        timer.start()
        assert imap.idle(conn, timeout=10) is True
        timer.join()
        assert imap.fetch(mailbox, conn=conn).fetched == 1
        assert imap.idle(conn, timeout=0.2) is False  # nothing new: back after the timeout
    finally:
        conn.logout()


def test_the_clock_job_and_the_cli_fetch(mailbox, imap_server, imap_folder):
    assert any(job.name == "support.mail_fetch" for job in clock.jobs())
    append(imap_server, imap_folder, raw(NAMES[0]))
    (result,) = imap.fetch_all()
    assert result.fetched == 1 and result.created == 1
    append(imap_server, imap_folder, raw(NAMES[1]))
    out = StringIO()
    call_command("mail", "fetch", "--mailbox", "support", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["channel"], data["fetched"], data["created"]) == ("support", 1, 1)


def test_watch_fetches_then_waits_for_mail(mailbox, imap_server, imap_folder):
    mailbox.settings |= {"poll_seconds": 1}
    mailbox.save()
    append(imap_server, imap_folder, raw(NAMES[0]))
    results = []
    imap.watch(mailbox, rounds=1, on_result=results.append)
    assert [(r.fetched, r.created, r.errors) for r in results] == [(1, 1, [])]
