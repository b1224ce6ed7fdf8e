"""A real IMAP server (Debian's Dovecot, started by scripts/imap_server.sh in a temp dir on loopback ports) and an
in-process SMTP sink (aiosmtpd) for the mail tests and bench. Import the fixtures into a test module."""

import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "imap_server.sh"


def dovecot_available() -> bool:
    return bool(shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists())


def start_imap(state: str) -> SimpleNamespace:
    env = {**os.environ, "KIZUNA_IMAP_STATE": state}
    out = subprocess.run(["bash", str(SCRIPT), "start"], env=env, capture_output=True, text=True, check=True)
    host, port, tls_port, user, password, ca = out.stdout.split()
    return SimpleNamespace(host=host, port=int(port), tls_port=int(tls_port), user=user, password=password, ca=ca,
                           state=state)  # fmt: skip


def stop_imap(server) -> None:
    env = {**os.environ, "KIZUNA_IMAP_STATE": server.state}
    subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True, check=False)


def imap_client(server) -> imaplib.IMAP4:
    conn = imaplib.IMAP4_SSL(server.host, server.tls_port, ssl_context=ssl.create_default_context(cafile=server.ca))
    conn.login(server.user, server.password)
    return conn


def append(server, folder: str, *raws: bytes) -> None:
    conn = imap_client(server)
    try:
        conn.create(f'"{folder}"')
        for raw in raws:
            typ, data = conn.append(f'"{folder}"', None, None, raw)
            assert typ == "OK", data
    finally:
        conn.logout()


@pytest.fixture(scope="session")
def imap_server():
    if not dovecot_available():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; scripts/test.sh installs it)")
    server = start_imap(str(ROOT / "var" / f"imap-test-{uuid.uuid4().hex[:8]}.env"))
    yield server
    stop_imap(server)


@pytest.fixture
def imap_folder(imap_server):
    """A fresh folder per test on the shared server."""
    return f"t{uuid.uuid4().hex[:10]}"


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(SimpleNamespace(sender=envelope.mail_from, to=list(envelope.rcpt_tos),
                                             raw=bytes(envelope.original_content or envelope.content)))  # fmt: skip
        return "250 OK"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = Sink()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.host, sink.port = "127.0.0.1", port
    yield sink
    controller.stop()


def mailbox_settings(server=None, folder="INBOX", sink=None, **extra) -> dict:
    settings = {"address": "support@example.jp", "display_name": "サポート窓口", "message_id_domain": "example.jp",
                "signature": "――\n{agent}\nカスタマーサポート"}  # fmt: skip
    if server is not None:
        settings |= {"imap_host": server.host, "imap_port": server.tls_port, "imap_security": "tls",
                     "imap_user": server.user, "ca_file": server.ca, "folder": folder}  # fmt: skip
    if sink is not None:
        settings |= {"smtp_host": sink.host, "smtp_port": sink.port, "smtp_security": "plain", "smtp_user": ""}
    return settings | extra
