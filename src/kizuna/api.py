"""The one NinjaAPI at /api/v1: authenticated by default, mounting each app's router, mapping domain errors."""

import copy

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kizuna.apps_plugged import api_routers
from kizuna.core.api import default_auth, error_body
from kizuna.core.exceptions import DomainError


class KizunaAPI(NinjaAPI):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._schemas: dict[tuple, dict] = {}

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Built once per path prefix and language: the routers do not change after start-up, and building it costs
        two seconds of CPU, which any signed-in client could otherwise ask for in a loop."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        key = (path_prefix, get_language())
        if key not in self._schemas:
            self._schemas[key] = super().get_openapi_schema(path_prefix=path_prefix)
        return copy.deepcopy(self._schemas[key])  # callers may change theirs


api = KizunaAPI(
    title="Kizuna API",
    version="1",
    description="Kizuna (絆) CRM API. Authenticate with `Authorization: Bearer <token>` (see `kizuna token create`).",
    auth=default_auth(),
    urls_namespace="api",
)
for router in api_routers():  # each app's AppConfig names its routers and their order (kizuna.apps_plugged)
    api.add_router("/", router)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    response = api.create_response(request, error_body(exc.code, exc.message, exc.field_errors), status=exc.status)
    if retry_after := getattr(exc, "retry_after", None):  # 429 from a rate limit
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, error_body("not_found", _("見つかりません。")), status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, error_body("unauthenticated", _("認証が必要です。")), status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own errors (a body that is not JSON: 400) get the one error shape, not {"detail": ...}."""
    if exc.status_code == 400:
        body = error_body("unreadable_body", _("リクエストの本文を読み取れません。JSON の形式を確認してください。"))
    else:
        body = error_body("http_error", str(exc))
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
def unreadable_upload(request, exc):
    """A broken multipart body (an upload) was Django's HTML 400 page, not the API's error shape."""
    message = _("アップロードされたデータを読み取れません。ファイルを選び直して送信してください。")
    return api.create_response(request, error_body("unreadable_body", message), status=400)


@api.exception_handler(RequestDataTooBig)
def body_too_big(request, exc):
    """A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE was Django's English HTML 400 page."""
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    message = _("リクエストの本文が大きすぎます（上限 %(limit)s MB）。ファイルはインポートから送ってください。") % {
        "limit": f"{limit_mb:.1f}"
    }
    return api.create_response(request, error_body("body_too_large", message), status=413)


@api.exception_handler(ValidationError)
def invalid_input(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "data")]
        fields.setdefault(".".join(loc) or "body", []).append(err.get("msg", "invalid"))
    return api.create_response(
        request, error_body("validation_error", _("入力内容に誤りがあります。"), fields), status=422
    )
