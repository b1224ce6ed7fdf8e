"""Read scaling: page and API reads of GET requests go to PostgreSQL streaming replicas, everything else to the
primary, and a user never misses their own write.

- `KIZUNA_REPLICA_URLS` (comma-separated) adds the aliases `replica_1`, `replica_2`, … and this router.
- A read uses a replica only inside a GET/HEAD request (lists, search, reports, dashboards, detail pages), outside
  any transaction (a read inside one belongs with its writes: the audit chain's last hash, a row lock), and only
  when the user has not written in the last `KIZUNA_READ_YOUR_WRITES_SECONDS` (a cookie set by any non-GET
  request that reached a view).
- A replica further behind the primary than `KIZUNA_REPLICA_MAX_LAG_SECONDS` is skipped (checked at most every few
  seconds per process); with none usable, reads go to the primary.
- Workers, the clock and commands always use the primary.
"""

import contextvars
import time
from itertools import count

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

WROTE_COOKIE = "kizuna_wrote"
_replica_reads = contextvars.ContextVar("kizuna_replica_reads", default=False)
_turn = count()
_health: dict[str, tuple[float, bool]] = {}  # alias → (checked at, usable)
HEALTH_TTL = 3.0


def replica_aliases() -> list[str]:
    return [alias for alias in connections.settings if alias.startswith("replica_")]


def lag_seconds(alias: str) -> float:
    """0 when the replica has replayed everything the primary has written; else how long ago it last replayed."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")  # all WAL written so far, flushed or not
        primary_lsn = cursor.fetchone()[0]
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                       "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())", [primary_lsn])  # fmt: skip
        caught_up, behind = cursor.fetchone()
    return 0.0 if caught_up else float(behind or 0.0)


def usable(alias: str) -> bool:
    checked = _health.get(alias)
    now = time.monotonic()
    if checked and now - checked[0] < HEALTH_TTL:
        return checked[1]
    try:
        ok = lag_seconds(alias) <= settings.KIZUNA_REPLICA_MAX_LAG_SECONDS
    except Exception:  # a replica that does not answer is skipped until the next check
        ok = False
    _health[alias] = (now, ok)
    return ok


def forget_health() -> None:
    _health.clear()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _replica_reads.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        aliases = replica_aliases()
        for offset in range(len(aliases)):
            alias = aliases[(next(_turn) + offset) % len(aliases)]
            if usable(alias):
                return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaMiddleware:
    """Marks the requests whose reads may use a replica, and remembers a user's writes for a few seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        window = settings.KIZUNA_READ_YOUR_WRITES_SECONDS
        wrote_at = _float(request.COOKIES.get(WROTE_COOKIE))
        reads = request.method in ("GET", "HEAD") and time.time() - wrote_at > window
        token = _replica_reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _replica_reads.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            response.set_cookie(WROTE_COOKIE, f"{time.time():.3f}", max_age=int(window) + 1, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)  # fmt: skip
        return response


class replica_reads:
    """`with replica_reads():` lets the reads inside go to a replica (the middleware does this per request)."""

    def __enter__(self):
        self._token = _replica_reads.set(True)

    def __exit__(self, *exc):
        _replica_reads.reset(self._token)


def _float(value) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0
