"""`Idempotency-Key` on the API's POSTs, with Stripe's semantics.

The first request with a key runs and its response is stored; the same key with the same body within 24 hours gets
that response again (`Idempotent-Replayed: true`) without a second write; the same key with another body is a 422;
a duplicate that arrives while the first is still running waits for it (a few seconds) and gets its response, or a
409 if it is still running then. Keys belong to whoever sent them (an API token, or a signed-in user). A 5xx, or a
request that was not authenticated, is not kept, so it can be retried with the same key.

The request's writes and the stored response commit in one transaction (a 5xx rolls the writes back), so a
process killed in the middle (kill -9, OOM, a host crash) leaves either both or neither. A key whose first attempt
never finished is taken over by a retry after KIZUNA_IDEMPOTENCY_STALE_SECONDS: that attempt applied nothing. If
it was only slow and is still running, whichever of the two commits second finds the key settled and applies
nothing (the slow one rolls back with a 409; the retry gets the stored response).

A page may take the header too (`register_page("timeline:capture")`): the capture bar saving a line that was written
offline sends the line's key, so a save whose answer was lost is not made twice."""

import hashlib
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .api import error_body
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
LIFETIME = timedelta(hours=24)
WAIT_SECONDS = 5.0
REPLAYED_HEADERS = ("Content-Type", "ETag", "Location")
REUSED = gettext_noop("この Idempotency-Key は別の内容のリクエストに使われています。新しいキーを指定してください。")
IN_PROGRESS = gettext_noop("同じ Idempotency-Key のリクエストを処理中です。しばらくしてから再送してください。")
FIRST_FAILED = gettext_noop("同じ Idempotency-Key の最初のリクエストが失敗しました。もう一度送ってください。")


_PAGES: set[str] = set()  # url names
_page_paths: frozenset[str] | None = None


def register_page(url_name: str) -> None:
    """A page whose POSTs honour `Idempotency-Key` like the API's."""
    global _page_paths
    _PAGES.add(url_name)
    _page_paths = None


def _covered(path: str) -> bool:
    global _page_paths
    if path.startswith("/api/"):
        return True
    if _page_paths is None:
        from django.urls import reverse

        _page_paths = frozenset(reverse(name) for name in _PAGES)
    return path in _page_paths


def _principal(request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return "token:" + hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:64]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return ""


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":
        # An upload is not read into memory for this: its length stands for it (the boundary changes every time).
        digest.update(f"multipart {request.META.get('CONTENT_LENGTH', '')}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False})


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status_code)
    for name, value in row.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _valid(key: str) -> bool:
    return 0 < len(key) <= 255 and all(32 < ord(c) < 127 for c in key)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not _covered(request.path):
            return self.get_response(request)
        if not _valid(key):
            return _error(400, "bad_idempotency_key",
                          _("Idempotency-Key は 1〜255 文字の英数字・記号で指定してください。"))  # fmt: skip
        principal = _principal(request)
        if not principal:
            return self.get_response(request)  # the API answers 401; nothing to remember
        fingerprint = _fingerprint(request)
        row, first = self._claim(principal, key, fingerprint)
        if not first and self._abandoned(row):  # its process died before it committed: nothing was applied
            IdempotencyKey.objects.filter(pk=row.pk, completed_at__isnull=True).delete()
            row, first = self._claim(principal, key, fingerprint)
        if not first:
            return self._answer_duplicate(row, fingerprint)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500 or response.status_code == 401 or getattr(response, "streaming", False):
                    transaction.set_rollback(response.status_code >= 500)  # a failure applies nothing
                    forget = True  # not a result: the client may try again
                else:
                    forget = False
                    settled = IdempotencyKey.objects.filter(pk=row.pk, completed_at__isnull=True).update(
                        completed_at=timezone.now(),
                        status_code=response.status_code,
                        headers={h: response[h] for h in REPLAYED_HEADERS if h in response},
                        body=response.content,
                    )
                    if not settled:  # taken over by a retry after we were presumed dead: the retry's result stands
                        transaction.set_rollback(True)
                        return _error(409, "idempotency_in_progress", _(IN_PROGRESS))
        except BaseException:
            IdempotencyKey.objects.filter(pk=row.pk, completed_at__isnull=True).delete()
            raise
        if forget:
            IdempotencyKey.objects.filter(pk=row.pk, completed_at__isnull=True).delete()
        return response

    @staticmethod
    def _abandoned(row: IdempotencyKey) -> bool:
        stale = timedelta(seconds=settings.KIZUNA_IDEMPOTENCY_STALE_SECONDS)
        return row.completed_at is None and row.created_at < timezone.now() - stale

    @staticmethod
    def _claim(principal: str, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
        """Insert the key in its own committed transaction, so a concurrent duplicate sees it at once."""
        cutoff = timezone.now() - LIFETIME
        IdempotencyKey.objects.filter(principal=principal, key=key, created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(principal=principal, key=key, fingerprint=fingerprint), True
        except IntegrityError:
            return IdempotencyKey.objects.get(principal=principal, key=key), False

    @staticmethod
    def _answer_duplicate(row: IdempotencyKey, fingerprint: str) -> HttpResponse:
        if row.fingerprint != fingerprint:
            return _error(422, "idempotency_key_reused", _(REUSED))
        deadline = time.monotonic() + WAIT_SECONDS
        while row.completed_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
            row = IdempotencyKey.objects.filter(pk=row.pk).first()
            if row is None:  # the first attempt failed and was forgotten: this one may be retried
                return _error(409, "idempotency_retry", _(FIRST_FAILED))
        if row.completed_at is None:
            return _error(409, "idempotency_in_progress", _(IN_PROGRESS))
        return _replay(row)


def purge_expired() -> int:
    return IdempotencyKey.objects.filter(created_at__lt=timezone.now() - LIFETIME).delete()[0]
