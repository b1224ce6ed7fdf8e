"""One HTTP POST of a webhook: to the checked address (the Host header and the TLS server name stay the URL's
host), connect within 5 s and finish within 10 s in all, no redirects followed, at most a few KB of the answer
read."""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from .ssrf import Target

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
SNIPPET_BYTES = 1000
USER_AGENT = "Kizuna-Webhooks/1"


@dataclass
class Result:
    status: int | None
    snippet: str
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to a fixed address, whatever the Host header says."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self):
        self.sock = socket.create_connection((self.target.address, self.target.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedTLS(_Pinned):
    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.target.host)


def post(target: Target, body: bytes, headers: dict[str, str]) -> Result:
    started = time.monotonic()
    conn = (_PinnedTLS if target.scheme == "https" else _Pinned)(target, CONNECT_TIMEOUT)
    # The 10 s limit holds for the whole exchange, even against a server that drips one byte at a time.
    watchdog = threading.Timer(TOTAL_TIMEOUT, _cut, args=(conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.connect()
        conn.sock.settimeout(max(0.1, TOTAL_TIMEOUT - (time.monotonic() - started)))
        default_port = 443 if target.scheme == "https" else 80
        host = target.host if ":" not in target.host else f"[{target.host}]"
        all_headers = {
            "Host": host if target.port == default_port else f"{host}:{target.port}",
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            **headers,
        }
        conn.request("POST", target.path, body=body, headers=all_headers)
        response = conn.getresponse()  # a 3xx is an answer like any other: its Location is never followed
        snippet = response.read(SNIPPET_BYTES).decode("utf-8", "replace")
        return Result(response.status, snippet, _ms(started))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        timed_out = time.monotonic() - started >= TOTAL_TIMEOUT - 0.05 or isinstance(exc, TimeoutError)
        message = "timeout" if timed_out else f"{type(exc).__name__}: {exc}"
        return Result(None, "", _ms(started), message[:500])
    finally:
        watchdog.cancel()
        conn.close()


def _cut(conn) -> None:
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
