"""IMAP fetch: UID-based, resumable, messages through intake in small groups, one transaction per group and a
savepoint per message.

The position (UIDVALIDITY + last UID per mailbox folder) is saved in the transaction of its messages, so a restart
never ingests a message twice; a message that fails is kept with its error (KeptMail) and the position moves on, so
one bad mail never blocks the mailbox. Messages are read with BODY.PEEK[] on a read-only EXAMINE: the mailbox is left
exactly as the customer's mail server has it (flags untouched, nothing deleted)."""

import contextlib
import imaplib
import logging
import re
import select
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core.exceptions import ValidationFailed

from ..models import Channel, MailboxState
from .config import Mailbox, email_channels, mailbox
from .ingest import ingest, retry_kept

log = logging.getLogger(__name__)
BATCH = 50
COMMIT_EVERY = 10  # messages per transaction: fewer commits, and a SQLite write lock held well under a second
_UID = re.compile(rb"UID (\d+)")


@dataclass
class FetchResult:
    channel: str
    fetched: int = 0
    created: int = 0
    kept: int = 0
    duplicates: int = 0
    last_uid: int = 0
    errors: list[str] = field(default_factory=list)


def connect(box: Mailbox, *, timeout: float = 30) -> imaplib.IMAP4:
    """Log in over TLS (IMAPS), STARTTLS, or plain on loopback only; a clear Japanese error on failure."""
    if not box.imap_host:
        raise ValidationFailed(
            _("メールボックス「%(name)s」に IMAP サーバーが設定されていません。") % {"name": box.channel.name}
        )
    try:
        if box.imap_security == "tls":
            conn = imaplib.IMAP4_SSL(box.imap_host, box.imap_port, ssl_context=box.ssl_context(), timeout=timeout)
        else:
            conn = imaplib.IMAP4(box.imap_host, box.imap_port, timeout=timeout)
            if box.imap_security == "starttls":
                conn.starttls(ssl_context=box.ssl_context())
        conn.login(box.imap_user, box.imap_password)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ValidationFailed(
            _("IMAP サーバー %(host)s:%(port)s に接続できません（%(error)s）。")
            % {"host": box.imap_host, "port": box.imap_port, "error": exc}
        ) from exc
    return conn


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _select(conn: imaplib.IMAP4, folder: str) -> int:
    typ, _data = conn.select(_quote(folder), readonly=True)
    if typ != "OK":
        raise ValidationFailed(_("フォルダ「%(folder)s」を開けません。") % {"folder": folder})
    values = conn.response("UIDVALIDITY")[1]
    return int(values[0]) if values and values[0] else 0


def _state(channel: Channel, folder: str, uidvalidity: int) -> MailboxState:
    state, _created = MailboxState.objects.get_or_create(channel=channel, folder=folder)
    if state.uidvalidity != uidvalidity:
        if state.uidvalidity is not None:
            log.warning("UIDVALIDITY of %s/%s changed: starting again (Message-IDs catch repeats)", channel, folder)
        state.uidvalidity, state.last_uid = uidvalidity, 0
        state.save(update_fields=["uidvalidity", "last_uid"])
    return state


def new_uids(conn: imaplib.IMAP4, last_uid: int) -> list[int]:
    typ, data = conn.uid("SEARCH", None, f"UID {last_uid + 1}:*")
    if typ != "OK":
        return []
    # "n:*" always matches the newest message even when its UID is below n: filter.
    return sorted(uid for uid in (int(x) for x in (data[0] or b"").split()) if uid > last_uid)


def fetch_raw(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
    _typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
    out = {}
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            match = _UID.search(item[0])
            if match:
                out[int(match.group(1))] = item[1]
    return out


def fetch(channel: Channel, *, limit: int | None = None, conn: imaplib.IMAP4 | None = None) -> FetchResult:
    """Ingest the new messages of a mailbox (at most `limit`), oldest first."""
    box = mailbox(channel)
    result = FetchResult(channel=channel.slug)
    own = conn is None
    conn = conn or connect(box)
    try:
        uidvalidity = _select(conn, box.folder)
        state = _state(channel, box.folder, uidvalidity)
        uids = new_uids(conn, state.last_uid)
        if limit is not None:
            uids = uids[:limit]
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            raws = fetch_raw(conn, batch)
            for first in range(0, len(batch), COMMIT_EVERY):
                _ingest_group(channel, box, state, uidvalidity, batch[first : first + COMMIT_EVERY], raws, result)
        if not uids:
            MailboxState.objects.filter(pk=state.pk).update(last_fetch_at=timezone.now(), last_error="")
        return result
    except (OSError, imaplib.IMAP4.error) as exc:
        MailboxState.objects.filter(channel=channel, folder=box.folder).update(last_error=str(exc)[:2000])
        raise ValidationFailed(_("IMAP の受信に失敗しました（%(error)s）。") % {"error": exc}) from exc
    finally:
        if own:
            _logout(conn)


def _ingest_group(channel, box, state, uidvalidity, uids, raws, result: FetchResult) -> None:
    """A few messages in one transaction (each in its own savepoint inside `ingest`), with the mailbox position: one
    commit per group instead of one per message, and a crash loses nothing (the position rolls back with them)."""
    counts = FetchResult(channel=channel.slug)
    with transaction.atomic():
        for uid in uids:
            raw = raws.get(uid)
            if raw is None:  # expunged between SEARCH and FETCH
                continue
            outcome = ingest(channel, raw, folder=box.folder, uidvalidity=uidvalidity, uid=uid)
            counts.fetched += 1
            counts.created += int(outcome.created)
            counts.kept += int(outcome.kept is not None)
            counts.duplicates += int(outcome.duplicate)
            counts.last_uid = uid
        if counts.last_uid:
            MailboxState.objects.filter(pk=state.pk).update(last_uid=counts.last_uid, last_fetch_at=timezone.now(),
                                                            last_error="")  # fmt: skip
    result.fetched += counts.fetched
    result.created += counts.created
    result.kept += counts.kept
    result.duplicates += counts.duplicates
    result.last_uid = counts.last_uid or result.last_uid


def _logout(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


def supports_idle(conn: imaplib.IMAP4) -> bool:
    return "IDLE" in conn.capabilities


def idle(conn: imaplib.IMAP4, timeout: float) -> bool:
    """Wait (RFC 2177 IDLE) until the server announces new mail or `timeout` passes; True when mail arrived."""
    tag = conn._new_tag().decode()
    conn.send(f"{tag} IDLE\r\n".encode())
    line = conn.readline()
    if not line.startswith(b"+"):
        raise imaplib.IMAP4.error(f"IDLE refused: {line!r}")
    arrived = False
    deadline = timezone.now().timestamp() + timeout
    sock = conn.sock
    while not arrived:
        remaining = deadline - timezone.now().timestamp()
        if remaining <= 0:
            break
        pending = getattr(sock, "pending", lambda: 0)()
        if not pending and not select.select([sock], [], [], min(remaining, 5))[0]:
            continue
        line = conn.readline()
        if not line:
            raise imaplib.IMAP4.abort("connection closed during IDLE")
        arrived = b"EXISTS" in line or b"RECENT" in line
    conn.send(b"DONE\r\n")
    while True:
        line = conn.readline()
        if not line or line.startswith(tag.encode()):
            break
    return arrived


def watch(channel: Channel, *, rounds: int | None = None, on_result=None) -> None:
    """Fetch, then wait for new mail with IDLE (or sleep `poll_seconds` when the server has no IDLE), forever or for
    `rounds` rounds. Reconnects after network errors."""
    box = mailbox(channel)
    done = 0
    while rounds is None or done < rounds:
        done += 1
        conn = None
        try:
            conn = connect(box)
            result = fetch(channel, conn=conn)
            if on_result:
                on_result(result)
            if supports_idle(conn):
                idle(conn, box.poll_seconds)
            else:
                _logout(conn)
                conn = None
                time.sleep(box.poll_seconds)
        except (OSError, imaplib.IMAP4.error, ValidationFailed) as exc:
            log.warning("mail watch %s: %s", channel.slug, exc)
            if on_result:
                on_result(FetchResult(channel=channel.slug, errors=[str(exc)]))
            time.sleep(min(box.poll_seconds, 30))
        finally:
            if conn is not None:
                _logout(conn)


def fetch_all(*, limit_per_mailbox: int = 500) -> list[FetchResult]:
    """Every active mailbox (the clock's job). A mailbox that cannot be reached is reported and skipped."""
    results = []
    for channel in email_channels():
        if not (channel.settings or {}).get("imap_host"):
            continue
        try:
            results.append(fetch(channel, limit=limit_per_mailbox))
        except ValidationFailed as exc:
            results.append(FetchResult(channel=channel.slug, errors=[exc.summary]))
    retry_kept(limit=50)
    return results
