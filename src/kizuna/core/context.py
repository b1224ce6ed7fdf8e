"""Per-request context (request id, client address) for audit rows written deep inside services."""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str = ""
    channel: str = "system"  # web, api, cli, import, job


_current: ContextVar[RequestContext | None] = ContextVar("kizuna_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or RequestContext(request_id=uuid.uuid4().hex, channel="system")


@contextmanager
def request_context(*, channel: str, ip: str = "", request_id: str | None = None):
    token = _current.set(RequestContext(request_id=request_id or uuid.uuid4().hex, ip=ip, channel=channel))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
