"""Fixed-window rate limits shared by every worker process.

The counters are rows of `RateCounter` (one UPSERT per hit, atomic on SQLite and PostgreSQL), so gunicorn's
workers see the same counts; the per-process local-memory cache would let each worker allow its own quota.
Limits come from settings.KIZUNA_RATE_LIMITS: {"login": "30/m", ...} ("N/s", "N/m", "N/h", "N/<seconds>";
"0" or "" switches a limit off).
"""

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.core.exceptions import DomainError

from .models import RateCounter

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def parse(spec: str) -> Limit | None:
    spec = (spec or "").strip().lower()
    if not spec or spec == "0":
        return None
    count, _sep, per = spec.partition("/")
    per = per or "m"
    seconds = _UNITS[per] if per in _UNITS else int(per)
    if int(count) <= 0 or seconds <= 0:
        return None
    return Limit(int(count), seconds)


def limit_for(scope: str) -> Limit | None:
    return parse(settings.KIZUNA_RATE_LIMITS.get(scope, ""))


class RateLimited(DomainError):
    """Too many requests: the API answers 429 with the usual error body; pages render rate_limited.html."""

    status = 429
    code = "rate_limited"
    default_message = gettext_lazy("リクエストが多すぎます。しばらく待ってからもう一度お試しください。")

    def __init__(self, retry_after: int, message=None):
        super().__init__(message or wait_message(retry_after))
        self.retry_after = retry_after


def wait_message(seconds: int) -> str:
    if seconds >= 90:
        return _("リクエストが多すぎます。約 %(minutes)d 分待ってからもう一度お試しください。") % {
            "minutes": math.ceil(seconds / 60)
        }
    return _("リクエストが多すぎます。%(seconds)d 秒待ってからもう一度お試しください。") % {"seconds": max(seconds, 1)}


def _key(scope: str, who: str, limit: Limit, now: float) -> tuple[str, float]:
    window = int(now // limit.seconds)
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # addresses and names of any length fit the column
    return f"{scope}:{digest}:{limit.seconds}:{window}", (window + 1) * limit.seconds


def _increment(key: str, window_end: float) -> int:
    q = connection.ops.quote_name
    table, k, n, e = q(RateCounter._meta.db_table), q("key"), q("count"), q("expires_at")
    expires = connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(window_end, tz=UTC))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({k}, {n}, {e}) VALUES (%s, 1, %s) "  # noqa: S608 (names quoted from the model)
            f"ON CONFLICT ({k}) DO UPDATE SET {n} = {table}.{n} + 1 RETURNING {n}",
            [key, expires],
        )
        count = cursor.fetchone()[0]
    if count == 1:  # a new window: drop the finished ones (indexed, and only once per window and key)
        RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return count


def hit(scope: str, who: str) -> int:
    """Count one request; 0 when it is allowed, else the seconds to wait."""
    limit = limit_for(scope)
    if limit is None or not who:
        return 0
    now = time.time()
    key, window_end = _key(scope, who, limit, now)
    if _increment(key, window_end) > limit.count:
        return max(1, math.ceil(window_end - now))
    return 0


def increment(scope: str, who: str, *, seconds: int) -> int:
    """Count one event in a window of `seconds` (no limit attached) and return the count so far."""
    key, window_end = _key(scope, who, Limit(0, seconds), time.time())
    return _increment(key, window_end)


def reset(scope: str, who: str, *, seconds: int) -> None:
    key, _window_end = _key(scope, who, Limit(0, seconds), time.time())
    RateCounter.objects.filter(key=key).delete()


def exceeded(scope: str, who: str) -> int:
    """Without counting: 0 when another request would still be allowed, else the seconds to wait."""
    limit = limit_for(scope)
    if limit is None or not who:
        return 0
    now = time.time()
    key, window_end = _key(scope, who, limit, now)
    count = RateCounter.objects.filter(key=key).values_list("count", flat=True).first() or 0
    return max(1, math.ceil(window_end - now)) if count >= limit.count else 0


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def page(request, retry_after: int):
    """The Japanese 429 page, with Retry-After."""
    response = render(
        request,
        "accounts/rate_limited.html",
        {"message": wait_message(retry_after), "retry_after": retry_after},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def guard(request, scope: str, who: str | None = None):
    """Count this request against `scope` (per client address unless `who` is given); a 429 page when over."""
    retry_after = hit(scope, who if who is not None else client_ip(request))
    return page(request, retry_after) if retry_after else None
