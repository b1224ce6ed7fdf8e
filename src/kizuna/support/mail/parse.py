"""One raw e-mail (bytes, as IMAP or a .eml file gives it) → a `ParsedMail` that intake can take.

Never raises on bad input: a charset it cannot read is guessed, broken MIME keeps the raw message as an attachment
(`original.eml`) and says so in `problems` (Japanese, shown to agents), bytes that fit nowhere become U+FFFD."""

import binascii
import email
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import errors as email_errors
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from django.utils.translation import gettext as _

from . import charsets
from .html import sanitize, to_text

DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


@dataclass
class ParsedAttachment:
    filename: str
    content: bytes
    content_type: str = ""  # the sender's claim; intake reads the real type from the bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class Bounce:
    original_message_id: str
    recipient: str = ""
    action: str = ""  # failed, delayed, delivered, relayed, expanded
    status: str = ""  # 5.1.1
    diagnostic: str = ""


@dataclass
class ParsedMail:
    message_id: str
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: datetime | None = None
    in_reply_to: str = ""
    references: str = ""
    body_text: str = ""
    body_html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto: str = ""  # why this is machine-sent ("auto-submitted: auto-replied", "precedence: bulk", "loop", "bounce")
    bounce: list[Bounce] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    remote_images_blocked: int = 0
    skipped_attachments: list[dict] = field(default_factory=list)
    headers: dict = field(default_factory=dict)

    def meta(self) -> dict:
        out = {"headers": self.headers}
        for key in ("auto", "problems", "remote_images_blocked", "skipped_attachments"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.bounce:
            out["bounce"] = [b.__dict__ for b in self.bounce]
        if self.cc:
            out["cc"] = self.cc
        return out


_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_IDS = re.compile(r"<[^<>\s]+>")
_SERIOUS = (
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
    email_errors.InvalidBase64CharactersDefect,
    email_errors.InvalidBase64PaddingDefect,
    email_errors.InvalidBase64LengthDefect,
)
# Headers kept on the message (meta) for threading, loops and support work.
_KEEP = ("Message-ID", "In-Reply-To", "References", "From", "To", "Cc", "Reply-To", "Date", "Auto-Submitted",
         "Precedence", "X-Auto-Response-Suppress", "List-Id", "X-Loop", "Return-Path", "X-Mailer",
         "User-Agent")  # fmt: skip


def _raw(msg: Message, name: str):
    """A header as it arrived (compat32 turns 8-bit headers into Header objects that print U+FFFD)."""
    name = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == name:
            return value
    return None


def _raw_all(msg: Message, name: str) -> list:
    name = name.lower()
    return [value for key, value in msg.raw_items() if key.lower() == name]


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "bB":
            payload = payload.rstrip("=")
            return binascii.a2b_base64(payload + "=" * (-len(payload) % 4))
        return binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def decode_words(text: str) -> str:
    """RFC 2047 encoded words, forgiving: adjacent words in one charset are joined as bytes before decoding (mailers
    split multi-byte characters across words), missing padding is added, unknown charsets are guessed."""
    out: list[str] = []
    pending: list = []  # [codec, bytes]
    pos = 0

    def flush():
        if pending:
            out.append(str(charsets.decode(pending[1], pending[0])))
            pending.clear()

    for match in _WORD.finditer(text):
        between = text[pos : match.start()]
        if not (pending and not between.strip()):
            flush()
            out.append(between)
        label, encoding, payload = match.groups()
        data = _word_bytes(encoding, payload)
        if data is None:
            flush()
            out.append(match.group(0))
        elif pending and pending[0] == label.lower():
            pending[1] += data
        else:
            flush()
            pending[:] = [label.lower(), data]
        pos = match.end()
    flush()
    out.append(text[pos:])
    return "".join(out)


def _raw_text(value) -> tuple[str, bool]:
    """A header value as the parser left it → text; raw 8-bit bytes (surrogate-escaped) are decoded by guessing."""
    if value is None:
        return "", False
    value = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        return str(charsets.guess(value.encode("ascii", "surrogateescape"))), True
    return value, False


def header_text(value) -> str:
    text, _raw = _raw_text(value)
    return re.sub(r"\s*\r?\n\s+", " ", decode_words(text)).strip()


def _address(value) -> tuple[str, str]:
    text, _raw = _raw_text(value)
    name, addr = parseaddr(re.sub(r"\r?\n\s+", " ", text))
    return decode_words(name).strip(), addr.strip()


def _addresses(values) -> list[str]:
    texts = [_raw_text(v)[0] for v in values or []]
    out = []
    for name, addr in getaddresses(texts):
        if addr:
            name = decode_words(name).strip()
            out.append(f"{name} <{addr}>" if name else addr)
    return out


def _ids(value) -> list[str]:
    text = _raw_text(value)[0]
    found = _IDS.findall(text)
    return found or ([f"<{text.strip()}>"] if text.strip() and " " not in text.strip() else [])


def _filename(part: Message) -> str:
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        value = part.get_param(param, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
            charset, _lang, text = value
            raw = text.encode("raw-unicode-escape") if isinstance(text, str) else bytes(text)
            return str(charsets.decode(raw, charset or "utf-8")).strip()
        text, _raw = _raw_text(email.utils.unquote(value))
        return decode_words(text).strip()
    return ""


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if data is None:
        payload = part.get_payload()
        data = payload.encode("ascii", "surrogateescape") if isinstance(payload, str) else b""
    return data


class _Walker:
    def __init__(self, mail: ParsedMail, max_bytes: int):
        self.mail = mail
        self.max_bytes = max_bytes
        self.plain: list[str] = []
        self.html: list[str] = []
        self.broken = False

    def text(self, part: Message) -> str:
        declared = part.get_content_charset() or ""
        decoded = charsets.decode(_payload(part), declared)
        if decoded.replaced or (declared and not charsets.canonical(declared)):
            self.broken = True
        if decoded.replaced:
            self.mail.problems.append(_("本文の一部の文字を読めなかったため「\ufffd」で置き換えました。"))
        elif decoded.guessed and declared and charsets.canonical(declared) != decoded.charset:
            self.mail.problems.append(
                _("文字コード「%(declared)s」では読めないため %(used)s として読み込みました。")
                % {"declared": declared, "used": decoded.charset}
            )
        return str(decoded)

    def skip(self, filename: str, size: int):
        self.mail.skipped_attachments.append({"filename": filename, "size": size, "limit": self.max_bytes})
        self.mail.problems.append(
            _(
                "添付ファイル「%(name)s」（%(size).1f MB）は上限 %(limit).0f MB を超えるため保存していません。"
                "元のメールはメールサーバーに残っています。"
            )
            % {"name": filename, "size": size / 1048576, "limit": self.max_bytes / 1048576}
        )

    def too_big(self, part: Message) -> int:
        """The decoded size when it is clearly over the limit (judged before decoding 50 MB), else 0."""
        encoded = part.get_payload()
        if not isinstance(encoded, str):
            return 0
        base64 = (part.get("Content-Transfer-Encoding") or "").strip().lower() == "base64"
        estimate = (len(encoded) - encoded.count("\n") - encoded.count("\r")) * 3 // 4 if base64 else len(encoded)
        return estimate if estimate > self.max_bytes * 1.05 + 4096 else 0

    def attach(self, part: Message, filename: str, content: bytes, content_type: str):
        mail = self.mail
        if len(content) > self.max_bytes:
            self.skip(filename, len(content))
            return
        content_id = (part.get("Content-ID") or "").strip().strip("<>")
        inline = part.get_content_disposition() == "inline" and bool(content_id)
        mail.attachments.append(ParsedAttachment(filename, content, content_type, inline, content_id))

    def walk(self, part: Message, depth: int = 0):
        ctype = part.get_content_type()
        if depth > 30:
            self.broken = True
            return
        if part.is_multipart():
            if ctype == "multipart/report":
                self.report(part)
            for child in part.get_payload():
                if ctype == "multipart/report" and child.get_content_type() in (
                    "message/delivery-status", "message/rfc822", "text/rfc822-headers",
                ):  # fmt: skip
                    continue
                self.walk(child, depth + 1)
            return
        if part.get_content_maintype() == "multipart":  # multipart without a usable boundary
            self.broken = True
            self.plain.append(self.text(part))
            return
        filename = _filename(part)
        disposition = part.get_content_disposition()
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            (self.plain if ctype == "text/plain" else self.html).append(self.text(part))
            return
        if ctype == "message/rfc822" and isinstance(part.get_payload(), list):
            inner = part.get_payload(0)
            content = inner.as_bytes(policy=compat32)
            filename = filename or (header_text(inner.get("Subject")) or "message")[:80] + ".eml"
        else:
            if size := self.too_big(part):
                self.skip(filename or f"attachment-{len(self.mail.attachments) + 1}" + _EXT.get(ctype, ".bin"), size)
                return
            content = _payload(part)
        if not filename:
            filename = f"attachment-{len(self.mail.attachments) + 1}" + _EXT.get(ctype, ".bin")
        self.attach(part, filename, content, ctype)

    def report(self, part: Message):
        """A delivery status notification: which of our messages failed, for whom, why."""
        original = ""
        recipients = []
        for child in part.get_payload():
            ctype = child.get_content_type()
            if ctype == "message/delivery-status":
                blocks = child.get_payload() if isinstance(child.get_payload(), list) else []
                recipients += [b for b in blocks if b.get("Action") or b.get("Final-Recipient")]
            elif ctype == "message/rfc822" and isinstance(child.get_payload(), list):
                original = (_ids(child.get_payload(0).get("Message-ID")) or [""])[0]
            elif ctype == "text/rfc822-headers":
                headers = email.message_from_bytes(_payload(child), policy=compat32)
                original = (_ids(headers.get("Message-ID")) or [""])[0]
        if not original:
            return
        for block in recipients or [Message()]:
            self.mail.bounce.append(
                Bounce(
                    original_message_id=original,
                    recipient=(block.get("Final-Recipient") or "").split(";")[-1].strip(),
                    action=(block.get("Action") or "").strip().lower(),
                    status=(block.get("Status") or "").strip(),
                    diagnostic=header_text(block.get("Diagnostic-Code"))[:500],
                )
            )


_EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "application/pdf": ".pdf",
        "text/plain": ".txt", "text/html": ".html", "text/calendar": ".ics", "message/rfc822": ".eml"}  # fmt: skip


def auto_reason(msg: Message, *, message_id: str, own_domains=(), own_addresses=()) -> str:
    """Why a message is machine-sent or a loop ('' for a person's mail). Such mail is stored but never answered."""
    auto = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"auto-submitted: {auto.split(';')[0]}"
    precedence = (msg.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    if msg.get("X-Auto-Response-Suppress"):
        return "x-auto-response-suppress"
    if msg.get("X-Autoreply") or msg.get("X-Autorespond"):
        return "x-autoreply"
    domain = message_id.strip("<>").rpartition("@")[2].lower()
    if domain and domain in {d.lower() for d in own_domains}:
        return "loop: own message-id"
    loop = (msg.get("X-Loop") or "").lower()
    if loop and any(a.lower() in loop for a in own_addresses):
        return "loop: x-loop"
    if msg.get_content_type() == "multipart/report":
        return "bounce"
    sender = parseaddr(_raw_text(_raw(msg, "From"))[0])[1].lower()
    if sender.partition("@")[0] in ("mailer-daemon", "postmaster"):
        return "bounce"
    return ""


def parse(raw: bytes, *, own_domains=(), own_addresses=(), max_attachment_bytes=DEFAULT_MAX_ATTACHMENT_BYTES,
          block_remote_images=True) -> ParsedMail:  # fmt: skip
    msg = email.message_from_bytes(raw, policy=compat32)
    ids = _ids(_raw(msg, "Message-ID"))
    message_id = ids[0] if ids else f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.kizuna.invalid>"
    name, addr = _address(_raw(msg, "From"))
    reply_name, reply_addr = _address(_raw(msg, "Reply-To"))
    mail = ParsedMail(
        message_id=message_id[:500],
        subject=header_text(_raw(msg, "Subject"))[:500],
        from_name=name,
        from_email=addr,
        reply_to=reply_addr,
        to=_addresses(_raw_all(msg, "To")),
        cc=_addresses(_raw_all(msg, "Cc")),
        in_reply_to=" ".join(_ids(_raw(msg, "In-Reply-To")))[:500],
        references=" ".join(_ids(_raw(msg, "References"))),
    )
    try:
        mail.date = parsedate_to_datetime(str(msg.get("Date") or ""))
    except (TypeError, ValueError, IndexError):
        mail.date = None
    mail.headers = {key: header_text(_raw(msg, key))[:1000] for key in _KEEP if _raw(msg, key) is not None}
    mail.auto = auto_reason(msg, message_id=message_id, own_domains=own_domains, own_addresses=own_addresses)

    walker = _Walker(mail, max_attachment_bytes)
    try:
        walker.walk(msg)
    except Exception as exc:  # a parser corner we did not foresee: keep the raw message, read what we can
        walker.broken = True
        mail.problems.append(_("メールの構造を解析できませんでした（%(error)s）。") % {"error": type(exc).__name__})
        if not walker.plain:
            walker.plain.append(str(charsets.guess(raw.partition(b"\r\n\r\n")[2] or raw)))
    defects = [d for p in msg.walk() for d in getattr(p, "defects", [])] if msg.is_multipart() else msg.defects
    if any(isinstance(d, _SERIOUS) for d in defects):
        walker.broken = True
        mail.problems.append(_("MIME 構造が壊れています。元のメールを添付ファイル（original.eml）として保存しました。"))
    if walker.html:
        mail.body_html, mail.remote_images_blocked = sanitize(
            "\n".join(walker.html), block_remote_images=block_remote_images
        )
    if walker.plain:
        mail.body_text = "\n\n".join(t.strip("\r\n") for t in walker.plain)
    elif walker.html:
        mail.body_text = to_text(mail.body_html)
    mail.body_text = mail.body_text.replace("\r\n", "\n")
    if walker.broken:
        mail.attachments.append(ParsedAttachment("original.eml", raw, "message/rfc822"))
    if not mail.from_email and mail.reply_to:
        mail.from_email, mail.from_name = mail.reply_to, reply_name
    return mail
