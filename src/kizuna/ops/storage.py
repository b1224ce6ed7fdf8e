"""A full disk or a read-only data directory: one clear Japanese message instead of a traceback, for the web
(503, nothing saved) and for the command line and the servers' start (exit 75, what to check).

SQLite reports both through `OperationalError` ("database or disk is full", "attempt to write a readonly
database"); PostgreSQL through SQLSTATE 53100 (disk full) and 25006 (read-only transaction, e.g. a standby);
file writes (uploads, backups) through `OSError` with ENOSPC/EDQUOT/EROFS. A failed write is rolled back by the
database, so the message can say that nothing was saved.
"""

import errno
import logging
import sqlite3

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from kizuna.core.api import error_body

log = logging.getLogger("kizuna.storage")

FULL, READ_ONLY, CANNOT_OPEN = "disk_full", "read_only", "cannot_open"
_SQLITE = {
    FULL: ("database or disk is full",),
    READ_ONLY: ("attempt to write a readonly database", "readonly database"),
    CANNOT_OPEN: ("unable to open database file",),  # WAL needs its -shm file: a read-only dir cannot even be read
}
_SQLSTATE = {"53100": FULL, "25006": READ_ONLY}
_ERRNO = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY}
EXIT_CODE = 75  # EX_TEMPFAIL: the operator frees space or remounts, then runs the command again


def problem(exc: BaseException | None) -> str | None:
    """FULL, READ_ONLY, CANNOT_OPEN, or None when the exception (or one it came from) is not about the storage."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _ERRNO:
            return _ERRNO[exc.errno]
        if (state := getattr(exc, "sqlstate", None)) in _SQLSTATE:  # psycopg's errors carry their SQLSTATE
            return _SQLSTATE[state]
        if isinstance(exc, DatabaseError | sqlite3.Error):
            text = str(exc).lower()
            for kind, needles in _SQLITE.items():
                if any(needle in text for needle in needles):
                    return kind
        exc = exc.__cause__ or exc.__context__
    return None


def user_message(kind: str) -> str:
    if kind == FULL:
        return _("サーバーのディスクに空きがないため保存できませんでした。変更は保存されていません。"
                 "管理者に連絡してください。")  # fmt: skip
    if kind == CANNOT_OPEN:
        return _("データの保存先を開けないため処理できませんでした。変更は保存されていません。"
                 "管理者に連絡してください。")  # fmt: skip
    return _("データの保存先が読み取り専用になっているため保存できませんでした。変更は保存されていません。"
             "管理者に連絡してください。")  # fmt: skip


def operator_message(kind: str) -> str:
    where = settings.DATA_DIR if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else _("データベース")
    if kind == FULL:
        return _("ディスクの空きがありません（%(where)s）。書き込みは取り消され、データは壊れていません。"
                 "空きを作ってからもう一度実行してください。") % {"where": where}  # fmt: skip
    if kind == CANNOT_OPEN:
        message = _("データベースを開けません（%(where)s）。データディレクトリがあり、書き込めるか"
                    "（読み取り専用でマウントされていないか、権限があるか）を確かめてください。")  # fmt: skip
        return message % {"where": where}
    return _("保存先が読み取り専用です（%(where)s）。書き込みは取り消され、データは壊れていません。"
             "マウントと書き込み権限を確かめてからもう一度実行してください。") % {"where": where}  # fmt: skip


class StorageErrorMiddleware:
    """A view that fails on a full disk or a read-only store answers 503 with the message: JSON in the API's
    error shape under /api/, a short page elsewhere (htmx shows it as any other error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        kind = problem(exc)
        if kind is None:
            return None
        log.error("storage: %s on %s %s: %s", kind, request.method, request.path, exc,
                  extra={"request_id": getattr(request, "request_id", "")})  # fmt: skip
        message = user_message(kind)
        if request.path.startswith("/api/"):
            response = JsonResponse(error_body(kind, message), status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "60"
        return response
