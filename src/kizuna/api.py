"""The one NinjaAPI at /api/v1: authenticated by default, mounting each app's router, mapping domain errors."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kizuna.accounts.api import router as accounts_router
from kizuna.contacts.api import router as contacts_router
from kizuna.contacts.dedup.api import router as dedup_router
from kizuna.core.access_api import router as access_router
from kizuna.core.api import default_auth, error_body
from kizuna.core.exceptions import DomainError
from kizuna.customfields.api import router as custom_fields_router
from kizuna.imports.api import router as imports_router
from kizuna.privacy.api import router as privacy_router
from kizuna.timeline.api import router as timeline_router

api = NinjaAPI(
    title="Kizuna API",
    version="1",
    description="Kizuna (絆) CRM API. Authenticate with `Authorization: Bearer <token>` (see `kizuna token create`).",
    auth=default_auth(),
    urls_namespace="api",
)
api.add_router("/", dedup_router)  # first: /people/duplicates must win over /people/{person_id}
api.add_router("/", contacts_router)
api.add_router("/", timeline_router)
api.add_router("/", imports_router)
api.add_router("/", privacy_router)
api.add_router("/", access_router)
api.add_router("/", accounts_router)
api.add_router("/", custom_fields_router)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    response = api.create_response(request, error_body(exc.code, exc.message, exc.field_errors), status=exc.status)
    if retry_after := getattr(exc, "retry_after", None):  # 429 from a rate limit
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, error_body("not_found", "見つかりません。"), status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, error_body("unauthenticated", "認証が必要です。"), status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own errors (a body that is not JSON: 400) get the one error shape, not {"detail": ...}."""
    if exc.status_code == 400:
        body = error_body("unreadable_body", "リクエストの本文を読み取れません。JSON の形式を確認してください。")
    else:
        body = error_body("http_error", str(exc))
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
def unreadable_upload(request, exc):
    """A broken multipart body (an upload) was Django's HTML 400 page, not the API's error shape."""
    message = "アップロードされたデータを読み取れません。ファイルを選び直して送信してください。"
    return api.create_response(request, error_body("unreadable_body", message), status=400)


@api.exception_handler(RequestDataTooBig)
def body_too_big(request, exc):
    """A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE was Django's English HTML 400 page."""
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    message = f"リクエストの本文が大きすぎます（上限 {limit_mb:.1f} MB）。ファイルはインポートから送ってください。"
    return api.create_response(request, error_body("body_too_large", message), status=413)


@api.exception_handler(ValidationError)
def invalid_input(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "data")]
        fields.setdefault(".".join(loc) or "body", []).append(err.get("msg", "invalid"))
    return api.create_response(
        request, error_body("validation_error", "入力内容に誤りがあります。", fields), status=422
    )
