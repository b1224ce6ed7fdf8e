"""GET/PUT /api/v1/{kind}/{id}/access: sharing with users and teams, and the 機密扱い flag, for any record type."""

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from . import sharing
from .api import ErrorOut, expected_version, set_etag
from .exceptions import NotFound
from .records import get_for_user
from .schemas import Strict

router = Router(tags=["access"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 412, 422, 428)}


class SharedWith(Schema):
    """Not `Ref`: OpenAPI names components by class name, and timeline's Ref ({id, label}) would be replaced."""

    id: int
    name: str


class AccessOut(Schema):
    shared_with: list[SharedWith]
    shared_with_teams: list[SharedWith]
    sensitive: bool
    version: int


class AccessIn(Strict):
    shared_with: list[int] | None = Field(None, max_length=500, description="user ids who may see the record")
    shared_with_teams: list[int] | None = Field(None, max_length=200, description="team ids who may see the record")
    sensitive: bool | None = Field(None, description="log every view of the record in the audit log")


def _record(request, kind: str, record_id: int, *, for_write: bool = False):
    object_type = sharing.KINDS.get(kind)
    if object_type is None:
        raise NotFound()
    return get_for_user(sharing.model_for(object_type), request.user, record_id, for_write=for_write)


@router.get("/{kind}/{record_id}/access", response={200: AccessOut, **ERRORS})
def get_access(request: HttpRequest, response: HttpResponse, kind: str, record_id: int):
    """Who a record is shared with (kind: people, companies, activities, insights, tasks, and what apps register:
    deals)."""
    obj = _record(request, kind, record_id)
    set_etag(response, obj)
    return sharing.access_of(obj)


@router.put("/{kind}/{record_id}/access", response={200: AccessOut, **ERRORS})
def put_access(request: HttpRequest, response: HttpResponse, kind: str, record_id: int, payload: AccessIn):
    """Share with users and teams, or mark sensitive. Needs the right to edit the record and If-Match."""
    obj = _record(request, kind, record_id, for_write=True)
    version = expected_version(request, obj)
    sharing.set_access(actor=request.user, obj=obj, data=payload.dict(exclude_none=True), expected_version=version)
    obj.refresh_from_db()
    set_etag(response, obj)
    return sharing.access_of(obj)
