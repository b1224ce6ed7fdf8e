"""One raw mail → intake. The same path for IMAP, `kizuna mail ingest FILE` and retries of kept mails.

- A person's mail goes to `intake.receive` (threading by Message-ID / In-Reply-To / References, then "[#123]").
- Machine-sent mail (auto-reply, bulk, list, loop) is stored on its conversation when it has one, marked
  `meta["auto"]` so nothing answers it; without a conversation it is kept (KeptMail, state auto) and opens no ticket.
- A bounce (DSN) marks the original outbound message `meta["delivery"]["state"] = "bounced"` with the reason.
- Any failure keeps the raw mail with its error (KeptMail, state failed); `retry_kept` tries again later."""

import hashlib
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kizuna.core import audit

from ..models import Channel, KeptMail, Message, Ticket
from ..services import intake
from .config import Mailbox, mailbox
from .parse import ParsedMail, parse

log = logging.getLogger(__name__)
MAX_RETRIES = 20


@dataclass
class Outcome:
    ticket: int | None
    person: int | None
    created: bool
    duplicate: bool = False
    auto: str = ""
    kept: int | None = None  # KeptMail id when the mail was kept instead of stored on a ticket
    message: int | None = None

    def as_json(self) -> dict:
        return {"ticket": self.ticket, "person": self.person, "created": self.created}


def parse_for(box: Mailbox, raw: bytes) -> ParsedMail:
    return parse(raw, own_domains=[box.message_id_domain], own_addresses=[box.address] if box.address else [],
                 max_attachment_bytes=box.max_attachment_bytes)  # fmt: skip


def _thread_of(mail: ParsedMail) -> Ticket | None:
    """The conversation a machine-sent mail belongs to, by the ids it quotes (never by subject token alone: an
    auto-reply quoting "[#12]" from a stranger must not land on someone else's ticket)."""
    ids = intake.message_ids(mail.in_reply_to, mail.references)
    if not ids:
        return None
    found = Message.objects.filter(external_id__in=ids).select_related("ticket").order_by("-sent_at").first()
    return found.ticket if found is not None and found.ticket.deleted_at is None else None


def _mark_bounces(channel: Channel, mail: ParsedMail) -> Ticket | None:
    ticket = None
    for bounce in mail.bounce:
        original = (
            Message.objects.filter(external_id=bounce.original_message_id, direction=Message.Direction.OUTBOUND)
            .select_related("ticket")
            .first()
        )
        if original is None:
            continue
        ticket = ticket or original.ticket
        if bounce.action not in ("failed", "delayed", ""):
            continue
        state = "delayed" if bounce.action == "delayed" else "bounced"
        delivery = dict((original.meta or {}).get("delivery") or {})
        before = delivery.get("state")
        delivery.update(state=state, bounce_status=bounce.status, bounce_recipient=bounce.recipient,
                        bounce_diagnostic=bounce.diagnostic, bounced_at=timezone.now().isoformat(),
                        bounce_message_id=mail.message_id)  # fmt: skip
        original.meta = {**(original.meta or {}), "delivery": delivery}
        Message.objects.filter(pk=original.pk).update(meta=original.meta)
        audit.record(actor=None, action="message.bounce", obj=original, label=str(original.ticket)[:300],
                     changes={"delivery": [before, state], "status": [None, bounce.status],
                              "recipient": [None, bounce.recipient], "channel": [None, channel.name]})  # fmt: skip
    return ticket


def keep(channel: Channel, raw: bytes, *, state: str, reason: str = "", error: str = "", mail: ParsedMail | None = None,
         folder: str = "", uidvalidity: int | None = None, uid: int | None = None) -> KeptMail:  # fmt: skip
    """Keep a raw mail outside the tickets (its own transaction, so it survives the failed one)."""
    digest = hashlib.sha256(raw).hexdigest()
    with transaction.atomic():
        kept = KeptMail(channel=channel, state=state, folder=folder, uidvalidity=uidvalidity, uid=uid,
                        message_id=(mail.message_id if mail else "")[:500],
                        sender=(mail.from_email if mail else "")[:320], subject=(mail.subject if mail else "")[:500],
                        reason=reason[:200], error=error[:5000], size=len(raw))  # fmt: skip
        kept.raw.save(f"{digest}.eml", ContentFile(raw), save=False)
        kept.save()
        audit.record(actor=None, action=f"mail.{state}", obj=kept, label=kept.subject or kept.message_id,
                     changes={"channel": [None, channel.name], "reason": [None, reason or None],
                              "error": [None, error[:300] or None]})  # fmt: skip
    return kept


def _sent_at(mail: ParsedMail):
    """The Date header, read in Japan time when it names no zone, and never later than now (a sender's clock in the
    future would otherwise reorder the conversation and the SLA clocks)."""
    if mail.date is None:
        return None
    date = mail.date
    if timezone.is_naive(date):
        date = timezone.make_aware(date, timezone.get_default_timezone())
    return min(date, timezone.now())


def _store(channel: Channel, box: Mailbox, raw: bytes, mail: ParsedMail, **where) -> Outcome:
    with transaction.atomic():
        ticket = _mark_bounces(channel, mail) if mail.bounce else None
        if mail.auto and ticket is None:
            ticket = _thread_of(mail)
        if not (mail.auto and ticket is None):
            received = intake.receive(
                channel=channel,
                sender=intake.Sender(name=mail.from_name, email=mail.from_email),
                subject=mail.subject,
                body_text=mail.body_text,
                body_html=mail.body_html,
                external_id=mail.message_id,
                in_reply_to=mail.in_reply_to,
                references=mail.references,
                ticket=ticket,
                attachments=[
                    intake.IncomingAttachment(a.filename, a.content, a.content_type, a.inline) for a in mail.attachments
                ],
                sent_at=_sent_at(mail),
                meta=mail.meta() | ({"reply_to": mail.reply_to} if mail.reply_to else {}),
            )
            return Outcome(
                ticket=received.ticket.pk,
                person=received.person.pk if received.person else None,
                created=received.created_ticket,
                duplicate=received.duplicate,
                auto=mail.auto,
                message=received.message.pk if received.message else None,
            )
    kept = keep(channel, raw, state=KeptMail.State.AUTO, reason=mail.auto, mail=mail, **where)
    return Outcome(ticket=None, person=None, created=False, auto=mail.auto, kept=kept.pk)


def ingest(channel: Channel, raw: bytes, *, folder: str = "", uidvalidity: int | None = None,
           uid: int | None = None) -> Outcome:  # fmt: skip
    """Store one raw mail; never raises for a bad mail (it is kept with its error and retried)."""
    box = mailbox(channel)
    where = {"folder": folder, "uidvalidity": uidvalidity, "uid": uid}
    mail = None
    try:
        mail = parse_for(box, raw)
        return _store(channel, box, raw, mail, **where)
    except Exception as exc:
        log.exception("mail ingest failed (channel %s, uid %s)", channel.pk, uid)
        kept = keep(channel, raw, state=KeptMail.State.FAILED, error=f"{type(exc).__name__}: {exc}", mail=mail,
                    **where)  # fmt: skip
        return Outcome(ticket=None, person=None, created=False, kept=kept.pk)


def retry_kept(channel: Channel | None = None, *, limit: int = 100) -> dict:
    """Try the failed mails again (each in its own transaction); a success marks the row done."""
    qs = KeptMail.objects.filter(state=KeptMail.State.FAILED, attempts__lt=MAX_RETRIES).order_by("pk")
    if channel is not None:
        qs = qs.filter(channel=channel)
    done = failed = 0
    for kept in qs[:limit]:
        with kept.raw.open("rb") as handle:
            raw = handle.read()
        box = mailbox(kept.channel)
        try:
            outcome = _store(kept.channel, box, raw, parse_for(box, raw))
        except Exception as exc:
            KeptMail.objects.filter(pk=kept.pk).update(
                attempts=kept.attempts + 1, error=f"{type(exc).__name__}: {exc}"[:5000]
            )
            failed += 1
            continue
        KeptMail.objects.filter(pk=kept.pk).update(state=KeptMail.State.DONE, error="", attempts=kept.attempts + 1,
                                                   stored=outcome.message)  # fmt: skip
        done += 1
    return {"done": done, "failed": failed}
