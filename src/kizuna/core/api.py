"""API plumbing shared by every router: authentication, ETag/If-Match, cursor pages, error shape."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.security import HttpBearer, SessionAuth

from .audit import READ_ACTIONS
from .exceptions import PermissionDenied, PreconditionRequired, StaleVersion
from .models import AuditEvent
from .visibility import viewer_for

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ErrorOut(Schema):
    """The one error body: {"error": {"code", "message", "fields"}}."""

    error: dict


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kz_...`: the token's scope must allow the method."""

    def authenticate(self, request: HttpRequest, token: str):
        from kizuna.accounts.services import authenticate_token  # accounts depends on core, not the reverse

        api_token = authenticate_token(token)
        if api_token is None:
            return None
        needed = "read" if request.method in SAFE_METHODS else "write"
        if not api_token.allows(needed):  # a known caller without the scope: forbidden, not unauthenticated
            raise PermissionDenied(_("この API トークンには %(scope)s の権限がありません。") % {"scope": needed})
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


def default_auth():
    return [TokenAuth(), SessionAuth(csrf=True)]


def set_etag(response: HttpResponse, obj) -> None:
    response["ETag"] = obj.etag


def expected_version(request: HttpRequest, obj) -> int:
    """Read If-Match; 428 when missing or `*`, 412 when it names another version."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    if header.strip() == "*":  # "any version" would skip the lost-update check the header is there for
        raise PreconditionRequired(_("If-Match には「*」ではなく、読み込んだレコードの ETag を指定してください。"))
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    if obj.etag not in tags:
        raise StaleVersion(current=obj)
    return obj.version


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class HistoryEventOut(Schema):
    """One row of a record's change history (the audit log): who did what, when, and field → [old, new]."""

    at: str
    actor: str
    action: str
    changes: dict


def history(user, obj, ids, *, limit: int = 100) -> list[dict]:
    """The audit rows of `obj` and the records `ids` merged into it, newest first, as `user` may read them
    (core.visibility: hidden records named by their placeholder, sensitive values masked)."""
    viewer = viewer_for(user)
    model = type(obj)
    events = AuditEvent.objects.filter(object_type=model._meta.label_lower, object_id__in=[str(i) for i in ids])
    events = events.exclude(action__in=READ_ACTIONS)
    return [{"at": e.at.isoformat(), "actor": e.actor_name, "action": e.action,
             "changes": viewer.history(obj, e.changes)} for e in events.order_by("-at", "-id")[:limit]]  # fmt: skip
