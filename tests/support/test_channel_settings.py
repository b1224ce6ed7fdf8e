"""設定 → チャネル: admins add and change mailboxes, LINE channels, chat sites and CTI lines; secrets are write-only;
bad input is refused field by field; the IMAP/SMTP test logs in to a real Dovecot and an SMTP sink."""

import json

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from kizuna.core.models import AuditEvent
from kizuna.support.models import AgentExtension, Channel
from tests.support import mail_fixtures
from tests.support.mail_fixtures import mailbox_settings

imap_server = mail_fixtures.imap_server
smtp_sink = mail_fixtures.smtp_sink

MAIL = {"name": "サポート窓口", "slug": "support", "active": "1", "address": "support@example.jp",
        "imap_host": "imap.example.jp", "imap_port": "993", "imap_security": "tls", "imap_user": "support@example.jp",
        "folder": "INBOX", "smtp_host": "smtp.example.jp", "smtp_port": "587", "smtp_security": "starttls",
        "charset": "iso-2022-jp", "imap_password": "s3cret-パス"}  # fmt: skip


def admin(cast) -> Client:
    client = Client()
    client.force_login(cast.admin)
    return client


def test_a_mailbox_is_added_and_its_password_never_shown(cast):
    client = admin(cast)
    saved = client.post("/support/settings/channels/new/email/", MAIL)
    channel = Channel.objects.get(slug="support")
    assert saved.status_code == 302 and channel.secret == "s3cret-パス" and channel.settings["charset"] == "iso-2022-jp"
    page = client.get(f"/support/settings/channels/{channel.pk}/").content.decode()
    assert "s3cret" not in page and "設定済み" in page and "接続をテスト" in page
    # A blank password keeps the stored one; a different SMTP password is kept beside it.
    client.post(f"/support/settings/channels/{channel.pk}/", MAIL | {"imap_password": "", "smtp_password": "other"})
    channel.refresh_from_db()
    assert json.loads(channel.secret) == {"imap": "s3cret-パス", "smtp": "other"}
    rows = AuditEvent.objects.filter(object_type="support.channel", object_id=str(channel.pk)).order_by("id")
    assert [r.action for r in rows] == ["create", "update"]
    assert "s3cret" not in json.dumps([r.changes for r in rows], ensure_ascii=False)
    assert rows.last().changes["smtp_password"] == [None, "（変更）"]
    assert "サポート窓口" in client.get("/support/settings/channels/").content.decode()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("imap_security", "plain", "暗号化なし（plain）"), ("imap_port", "70000", "1〜65535"),
    ("slug", "日本語", "半角英小文字"), ("imap_host", "imap example", "使えない文字"),
])  # fmt: skip
def test_bad_mailbox_settings_are_refused_and_nothing_saved(cast, field, value, message):
    refused = admin(cast).post("/support/settings/channels/new/email/", MAIL | {field: value})
    assert refused.status_code == 422 and message in refused.content.decode()
    assert f'value="{MAIL["address"]}"' in refused.content.decode()  # what was typed stays in the form
    assert not Channel.objects.exists()


def test_chat_origins_line_secrets_and_cti_signing_secret(cast):
    client = admin(cast)
    bad = client.post("/support/settings/channels/new/chat/", {"name": "通販", "allowed_origins": "shop.example.jp"})
    assert bad.status_code == 422 and "オリジンではありません" in bad.content.decode()
    origins = "https://shop.example.jp/\nhttp://localhost:8080"
    client.post("/support/settings/channels/new/chat/", {"name": "通販", "slug": "shop", "active": "1",
                                                         "allowed_origins": origins})  # fmt: skip
    assert Channel.objects.get(slug="shop").settings["allowed_origins"] == ["https://shop.example.jp",
                                                                          "http://localhost:8080"]  # fmt: skip
    client.post("/support/settings/channels/new/line/", {"name": "公式LINE", "slug": "line", "active": "1",
                                                         "channel_secret": "abc", "access_token": "tok"})  # fmt: skip
    assert json.loads(Channel.objects.get(slug="line").secret) == {"channel_secret": "abc", "access_token": "tok"}
    refused = client.post("/support/settings/channels/new/phone/", {"name": "代表", "slug": "pbx",
                                                                    "signing_secret": "plain"})  # fmt: skip
    assert refused.status_code == 422 and "whsec_" in refused.content.decode()
    client.post("/support/settings/channels/new/phone/", {"name": "代表", "slug": "pbx", "new_signing_secret": "1"})
    assert Channel.objects.get(slug="pbx").secret.startswith("whsec_")


def test_extensions_map_to_agents_and_only_admins_see_the_page(cast):
    client = admin(cast)
    assert client.post("/support/settings/channels/", {f"ext_{cast.owner.pk}": "201"}).status_code == 302
    assert AgentExtension.objects.get(user=cast.owner).extension == "201"
    taken = client.post("/support/settings/channels/", {f"ext_{cast.teammate.pk}": "201"})
    assert taken.status_code == 422 and "他の担当者" in taken.content.decode()
    member = Client()
    member.force_login(cast.owner)
    assert member.get("/support/settings/channels/").status_code == 403
    assert member.post("/support/settings/channels/new/email/", MAIL).status_code == 403
    assert not Channel.objects.exists()


def test_connection_test_logs_in_to_imap_and_smtp(cast, imap_server, smtp_sink):
    channel = Channel.objects.create(kind="email", name="窓口", slug="box", secret=imap_server.password,
                                     settings=mailbox_settings(imap_server, "INBOX", smtp_sink))  # fmt: skip
    client = admin(cast)
    response = client.post(f"/support/settings/channels/{channel.pk}/test/")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert response.status_code == 302 and any(m.startswith("IMAP: ログイン") for m in shown)
    assert any(m.startswith("SMTP: 接続できました") for m in shown) and smtp_sink.messages == []
    Channel.objects.filter(pk=channel.pk).update(secret="wrong-password")
    response = client.post(f"/support/settings/channels/{channel.pk}/test/")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("IMAP: ") and "接続できません" in m for m in shown)
    assert AuditEvent.objects.filter(action="support.channel.test").count() == 2
