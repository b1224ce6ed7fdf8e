"""SMTP: replies to the customer. Registered as the sender for kind "email" (support.channels).

A reply carries our own Message-ID (its domain is how loops are recognised), In-Reply-To/References of the
conversation, the ticket token "[#123]" in the subject (the fallback for threading when a mailer drops the ids), the
agent's signature and the customer's last message quoted. The body goes out in UTF-8, or in ISO-2022-JP when the
mailbox is set to it — unless the text holds a character ISO-2022-JP cannot carry (emoji, 髙 as IBM extension), in
which case that one reply goes out in UTF-8 so nothing is lost."""

import base64
import smtplib
from email.message import Message as MimeMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid

from django.utils import timezone
from django.utils.translation import gettext as _

from ..channels import DeliveryFailed
from ..models import Channel, Message
from . import charsets
from .config import Mailbox, email_channels, mailbox

QUOTE_LINES = 200


def _token(ticket) -> str:
    return f"[#{ticket.number}]"


def subject_for(message: Message) -> str:
    subject = (message.subject or f"Re: {message.ticket.subject}").strip()
    token = _token(message.ticket)
    return subject if token in subject else f"{subject} {token}"


def _quote(last_in: Message | None) -> str:
    if last_in is None or not last_in.body_text.strip():
        return ""
    when = timezone.localtime(last_in.sent_at).strftime("%Y/%m/%d %H:%M")
    who = f"{last_in.sender_name} <{last_in.sender_address}>" if last_in.sender_name else last_in.sender_address
    lines = last_in.body_text.strip("\n").split("\n")[:QUOTE_LINES]
    header = _("%(when)s、%(who)s さんは書きました:") % {"when": when, "who": who}
    return header + "\n" + "\n".join(f"> {line}" for line in lines)


def body_for(message: Message, box: Mailbox, last_in: Message | None) -> str:
    agent = message.author
    signature = box.signature.replace("{agent}", str(agent) if agent else "").replace("{mailbox}", box.display_name)
    parts = [message.body_text.rstrip()]
    if signature.strip():
        parts.append(signature.rstrip())
    quoted = _quote(last_in)
    if quoted:
        parts.append(quoted)
    return "\n\n".join(parts) + "\n"


def _jis_words(text: str) -> str | None:
    """A header in ISO-2022-JP encoded words, each word a whole run of characters (never a split character)."""
    words, chunk = [], ""
    for char in text:
        candidate = charsets.encode_iso2022jp(chunk + char)
        if candidate is None:
            return None
        if len(base64.b64encode(candidate)) > 54 and chunk:
            words.append(charsets.encode_iso2022jp(chunk))
            chunk = char
        else:
            chunk += char
    if chunk:
        words.append(charsets.encode_iso2022jp(chunk))
    return "\r\n ".join(f"=?ISO-2022-JP?B?{base64.b64encode(w).decode()}?=" for w in words)


def _text_part(body: str, charset: str) -> tuple[MimeMessage, str]:
    if charset == "iso-2022-jp":
        encoded = charsets.encode_iso2022jp(body)
        if encoded is not None:
            part = MimeMessage()
            part.set_payload(encoded.decode("ascii"))
            part["Content-Type"] = 'text/plain; charset="ISO-2022-JP"'
            part["Content-Transfer-Encoding"] = "7bit"
            return part, "iso-2022-jp"
    return MIMEText(body, "plain", "utf-8"), "utf-8"


def recipient_for(message: Message) -> tuple[str, str]:
    """(name, address): the Reply-To or sender of the customer's last mail, else the person's e-mail."""
    last_in = _last_inbound(message)
    if last_in is not None:
        address = (last_in.meta or {}).get("reply_to") or last_in.sender_address
        if address and "@" in address:
            return last_in.sender_name, address
    person = message.ticket.person
    if person is not None:
        point = person.contact_points.filter(kind="email").order_by("pk").first()
        if point is not None:
            return str(person), point.value
    raise DeliveryFailed(_("返信先のメールアドレスがわかりません。"))


def _last_inbound(message: Message) -> Message | None:
    return (
        message.ticket.messages.filter(direction=Message.Direction.INBOUND, sent_at__lte=message.sent_at)
        .exclude(pk=message.pk)
        .order_by("-sent_at", "-id")
        .first()
    )


def channel_for(message: Message) -> Channel:
    ticket = message.ticket
    if ticket.channel_id and ticket.channel.kind == "email":
        return ticket.channel
    last = _last_inbound(message)
    channel_id = (last.meta or {}).get("channel") if last is not None else None
    channel = Channel.objects.filter(pk=channel_id, kind="email").first() if channel_id else None
    channel = channel or email_channels().first()
    if channel is None:
        raise DeliveryFailed(_("送信に使うメールボックスがありません。"))
    return channel


def build(message: Message, box: Mailbox) -> tuple[MimeMessage, str, str]:
    """The MIME message for an outbound support.Message; returns (mime, message_id, to_address)."""
    last_in = _last_inbound(message)
    name, to = recipient_for(message)
    text, charset = _text_part(body_for(message, box, last_in), box.charset)
    attachments = list(message.attachments.all())
    if attachments:
        mime = MIMEMultipart("mixed")
        mime.attach(text)
        for item in attachments:
            with item.file.open("rb") as handle:
                part = MIMEApplication(handle.read(), _subtype="octet-stream")
            if "/" in item.content_type:
                part.replace_header("Content-Type", item.content_type)
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", item.filename))
            mime.attach(part)
    else:
        mime = text
    message_id = make_msgid(idstring=f"kizuna.{message.ticket.number}.{message.pk}", domain=box.message_id_domain)
    subject = subject_for(message)
    jis_subject = _jis_words(subject) if charset == "iso-2022-jp" else None
    mime["Subject"] = jis_subject or _utf8_header(subject)
    mime["From"] = formataddr((box.display_name, box.address), charset="utf-8")
    mime["To"] = formataddr((name, to), charset="utf-8") if name else to
    mime["Date"] = format_datetime(timezone.localtime(message.sent_at))
    mime["Message-ID"] = message_id
    if message.in_reply_to:
        mime["In-Reply-To"] = message.in_reply_to
    references = " ".join(filter(None, [message.references, message.in_reply_to]))
    if references:
        ids = list(dict.fromkeys(references.split()))[-20:]
        mime["References"] = "\r\n ".join(ids)
    mime["X-Kizuna-Ticket"] = str(message.ticket.number)
    return mime, message_id, to


def _utf8_header(text: str) -> str:
    from email.header import Header

    return text if text.isascii() else Header(text, "utf-8").encode()


def connect(box: Mailbox, *, timeout: float = 30) -> smtplib.SMTP:
    """A connection to the mailbox's SMTP server (TLS, STARTTLS, or plain on loopback), logged in when it has a
    user and password. Raises OSError or smtplib.SMTPException."""
    if box.smtp_security == "tls":
        client = smtplib.SMTP_SSL(box.smtp_host, box.smtp_port, context=box.ssl_context(), timeout=timeout)
    else:
        client = smtplib.SMTP(box.smtp_host, box.smtp_port, timeout=timeout)
        if box.smtp_security == "starttls":
            client.starttls(context=box.ssl_context())
    if box.smtp_user and box.smtp_password:
        try:
            client.login(box.smtp_user, box.smtp_password)
        except smtplib.SMTPException:
            client.close()
            raise
    return client


def send(box: Mailbox, mime: MimeMessage, to: str) -> None:
    if not box.smtp_host:
        raise DeliveryFailed(
            _("メールボックス「%(name)s」に SMTP サーバーが設定されていません。") % {"name": box.channel.name}
        )
    try:
        with connect(box) as client:
            client.send_message(mime, from_addr=box.address, to_addrs=[to])  # CRLF line ends, dot-stuffing
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(
            _("SMTP サーバー %(host)s:%(port)s に送信できませんでした（%(error)s）。")
            % {"host": box.smtp_host, "port": box.smtp_port, "error": exc}
        ) from exc


def send_reply(message: Message) -> dict:
    """The sender registered for kind "email": returns the facts kept in meta["delivery"]."""
    box = mailbox(channel_for(message))
    if not box.smtp_host:  # a mailbox that only receives: the agent answers some other way
        reason = _("メールボックス「%(name)s」に SMTP サーバーが設定されていません。") % {"name": box.channel.name}
        return {"state": "not_sent", "reason": reason}
    mime, message_id, to = build(message, box)
    send(box, mime, to)
    charset = mime.get_content_charset() or (mime.get_payload(0).get_content_charset() if mime.is_multipart() else "")
    return {"external_id": message_id, "to": to, "mailbox": box.channel.slug, "charset": charset}
