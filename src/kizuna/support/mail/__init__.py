"""The e-mail channel: Japanese MIME parsing (parse, charsets, html), IMAP fetch (imap), SMTP replies (smtp), the
ingestion path shared by all of them (ingest) and mailbox settings (config). See docs/dev/mail.md."""

from datetime import timedelta


def register() -> None:
    """Called from SupportConfig.ready(): SMTP as the sender of kind "email", IMAP fetch as a periodic job."""
    from kizuna.core import clock, personal_data

    from ..channels import register_sender
    from . import privacy
    from .imap import fetch_all
    from .smtp import send_reply

    register_sender("email", send_reply)
    # Polling from the clock; `kizuna mail fetch --watch` waits with IMAP IDLE instead where the server has it.
    clock.register_periodic("support.mail_fetch", lambda: fetch_all(limit_per_mailbox=200), every=timedelta(minutes=1))
    personal_data.register("support_mail", disclose=privacy.disclose, audit=privacy.audit, erase=privacy.erase)
