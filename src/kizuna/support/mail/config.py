"""A mailbox is a `support.Channel` of kind "email". Its `settings` hold the connection and behaviour; `secret` holds
the password (one string used for IMAP and SMTP, or JSON {"imap": "...", "smtp": "..."} when they differ).

    {"address": "support@example.jp", "display_name": "山田製作所 サポート",
     "imap_host": "imap.example.jp", "imap_port": 993, "imap_security": "tls",     # tls | starttls | plain
     "imap_user": "support@example.jp", "folder": "INBOX",
     "smtp_host": "smtp.example.jp", "smtp_port": 587, "smtp_security": "starttls", "smtp_user": "...",
     "charset": "utf-8",                     # or "iso-2022-jp" for replies
     "signature": "――\\n{agent}\\n山田製作所 カスタマーサポート",
     "message_id_domain": "example.jp",      # our own Message-IDs (loops are recognised by it)
     "max_attachment_mb": 20, "ca_file": "", "poll_seconds": 60}

`plain` (no TLS) is accepted for loopback hosts only, so a password never crosses a network in clear text."""

import json
import ssl
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.utils.translation import gettext as _

from kizuna.core.exceptions import ValidationFailed

from ..models import Channel

SECURITY = ("tls", "starttls", "plain")
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Mailbox:
    channel: Channel
    address: str
    display_name: str
    imap_host: str
    imap_port: int
    imap_security: str
    imap_user: str
    imap_password: str
    folder: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str
    charset: str
    signature: str
    message_id_domain: str
    max_attachment_bytes: int
    ca_file: str
    poll_seconds: int

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca_file or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context


def _secrets(secret: str) -> tuple[str, str]:
    secret = secret or ""
    if secret.startswith("{"):
        try:
            data = json.loads(secret)
            return str(data.get("imap", "")), str(data.get("smtp", data.get("imap", "")))
        except ValueError:
            pass
    return secret, secret


def mailbox(channel: Channel) -> Mailbox:
    """The mailbox settings of an e-mail channel, checked; a clear Japanese error says what is wrong."""
    if channel.kind != "email":
        raise ValidationFailed(_("「%(name)s」はメールのチャネルではありません。") % {"name": channel.name})
    s = channel.settings or {}
    address = str(s.get("address") or s.get("imap_user") or "").strip()
    imap_password, smtp_password = _secrets(channel.secret)
    security = str(s.get("imap_security") or "tls").lower()
    smtp_security = str(s.get("smtp_security") or "starttls").lower()
    errors = {}
    for key, value in (("imap_security", security), ("smtp_security", smtp_security)):
        if value not in SECURITY:
            errors[key] = [_("暗号化は tls・starttls・plain のいずれかです。")]
    for key in ("imap_host", "smtp_host"):
        host = str(s.get(key) or "")
        if host and s.get(key.replace("host", "security")) == "plain" and host not in LOOPBACK:
            errors[key] = [_("暗号化なし（plain）はこのサーバー内の接続（127.0.0.1）にだけ使えます。")]
    charset = str(s.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "iso-2022-jp"):
        errors["charset"] = [_("返信の文字コードは utf-8 か iso-2022-jp です。")]
    if errors:
        raise ValidationFailed(_("メールボックス「%(name)s」の設定に誤りがあります。") % {"name": channel.name},
                               field_errors=errors)  # fmt: skip
    default_limit = getattr(django_settings, "KIZUNA_SUPPORT_ATTACHMENT_MAX_BYTES", None)
    default_limit = default_limit or django_settings.KIZUNA_ATTACHMENT_MAX_BYTES
    limit = int(float(s["max_attachment_mb"]) * 1024 * 1024) if s.get("max_attachment_mb") else default_limit
    return Mailbox(
        channel=channel,
        address=address,
        display_name=str(s.get("display_name") or channel.name),
        imap_host=str(s.get("imap_host") or ""),
        imap_port=int(s.get("imap_port") or (993 if security == "tls" else 143)),
        imap_security=security,
        imap_user=str(s.get("imap_user") or address),
        imap_password=imap_password,
        folder=str(s.get("folder") or "INBOX"),
        smtp_host=str(s.get("smtp_host") or ""),
        smtp_port=int(s.get("smtp_port") or (465 if smtp_security == "tls" else 587)),
        smtp_security=smtp_security,
        smtp_user=str(s.get("smtp_user") if s.get("smtp_user") is not None else s.get("imap_user") or address),
        smtp_password=smtp_password,
        charset=charset,
        signature=str(s.get("signature") or ""),
        message_id_domain=str(s.get("message_id_domain") or address.rpartition("@")[2] or "kizuna.invalid").lower(),
        max_attachment_bytes=limit,
        ca_file=str(s.get("ca_file") or ""),
        poll_seconds=int(s.get("poll_seconds") or 60),
    )


def email_channels():
    return Channel.objects.filter(kind="email", active=True).order_by("pk")


def find_channel(name: str | None) -> Channel:
    """A mailbox by slug or name; without a name, the only (or first) active one."""
    qs = Channel.objects.filter(kind="email")
    if name:
        channel = qs.filter(slug=name).first() or qs.filter(name=name).first()
        if channel is None:
            raise ValidationFailed(_("メールボックス「%(name)s」が見つかりません。") % {"name": name})
        return channel
    channel = qs.filter(active=True).order_by("pk").first()
    if channel is None:
        raise ValidationFailed(_("メールのチャネルがありません。先にメールボックスを登録してください。"))
    return channel
