"""Live updates over Server-Sent Events (SSE): the inbox (tickets new or changed), the ticket page (new messages,
the collision warning) and the chat widget (agent replies).

A stream holds one gunicorn gthread thread, so each one is short: it polls the database every
`KIZUNA_SSE_POLL_SECONDS` (default 1) for at most `KIZUNA_SSE_SECONDS` (default 30), sends a comment line every 15 s
so proxies keep it open, then ends with a `retry:` hint; the browser reconnects and sends the id of the last event
it got (`Last-Event-ID`), so nothing between two streams is lost. What is polled is one indexed range read: the
events outbox by id (`core.OutboxEvent`, written in the same transaction as every ticket change) for the inbox,
the ticket's messages by id for the ticket page and the widget. The pages keep polling as the fallback when a
browser or a proxy cannot stream (`live.js`, `chat-widget.js`), with `?once=1`: the same frames, answered at once.

An id cursor can miss a row that commits after a higher id was already read (two writers on PostgreSQL); the inbox
stream only hints "reload the list" and any later event reloads all of it, and the ticket page still refuses a
reply on a stale version (412), so such a miss costs a delay, never a wrong answer.
"""

import json
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import StreamingHttpResponse

KEEPALIVE = 15.0


def seconds() -> float:
    return float(getattr(settings, "KIZUNA_SSE_SECONDS", 30))


def poll_seconds() -> float:
    return float(getattr(settings, "KIZUNA_SSE_POLL_SECONDS", 1))


def frame(event: str, data, event_id: int | None = None) -> str:
    """One SSE frame; `data` is sent as JSON (one line, so no escaping of newlines is needed)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def cursor(request, default: int = 0) -> int:
    """Where the client is: the `Last-Event-ID` of a reconnect, else `?after=` from the page, else `default`."""
    for value in (request.headers.get("Last-Event-ID", ""), request.GET.get("after", "")):
        value = value.strip()
        if value.isdigit() and len(value) < 19:
            return int(value)
    return default


def _frames(poll: Callable[[int], tuple[int, list[str]]], start: int, *, once: bool) -> Iterator[str]:
    position = start
    yield f"retry: {int(poll_seconds() * 1000) + 1000}\n\n"
    deadline = time.monotonic() + (0 if once else seconds())
    quiet_since = time.monotonic()
    while True:
        position, out = poll(position)
        if out:
            quiet_since = time.monotonic()
            yield from out
        now = time.monotonic()
        if now >= deadline:
            return
        if now - quiet_since >= KEEPALIVE:
            quiet_since = now
            yield ": keepalive\n\n"
        time.sleep(min(poll_seconds(), max(deadline - now, 0)))


def stream(request, poll: Callable[[int], tuple[int, list[str]]], start: int) -> StreamingHttpResponse:
    """The SSE response: `poll(cursor) -> (new cursor, frames)` every poll interval until the stream's time is up.
    `?once=1` answers the frames of one poll at once (the polling fallback)."""
    once = request.GET.get("once") == "1"
    response = StreamingHttpResponse(_frames(poll, start, once=once), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each frame on at once
    return response
