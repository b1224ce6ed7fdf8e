"""/api/v1/notifications: my notices (list, unread count, mark read, mark all read) and my preferences."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema

from kizuna.core.api import ErrorOut
from kizuna.core.exceptions import NotFound
from kizuna.core.schemas import Bounded, Strict, fits_bigint

from . import kinds, services
from .models import Notification

router = Router(tags=["notifications"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}
MAX_LIMIT = 100


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    url: str
    actor: str | None
    object_type: str
    object_id: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_before: int | None  # pass as `before` for the next (older) page
    unread: int


class NotificationListParams(Bounded):
    unread: bool = False
    before: int | None = None
    limit: int = 25


class NotificationUnreadOut(Schema):
    unread: int


class NotificationsMarkedOut(Schema):
    marked: int


class NotificationPreferencesOut(Schema):
    in_app_kinds: list[str]
    email_kinds: list[str]
    digest: bool
    kinds: dict[str, str]


class NotificationPreferencesIn(Strict):
    in_app_kinds: list[str] | None = None
    email_kinds: list[str] | None = None
    digest: bool | None = None


def _out(n: Notification) -> dict:
    return {"id": n.pk, "kind": n.kind, "kind_label": kinds.label(n.kind), "title": n.title, "body": n.body,
            "url": n.url, "actor": str(n.actor) if n.actor_id else None, "object_type": n.object_type,
            "object_id": n.object_id, "created_at": n.created_at, "read_at": n.read_at}  # fmt: skip


def _prefs(pref) -> dict:
    return {"in_app_kinds": pref.in_app_kinds, "email_kinds": pref.email_kinds, "digest": pref.digest,
            "kinds": {k: str(v) for k, v in kinds.KINDS.items()}}  # fmt: skip


@router.get("/notifications", response={200: NotificationPage, **ERRORS})
def list_notifications(request: HttpRequest, params: Query[NotificationListParams]):
    limit = max(1, min(params.limit, MAX_LIMIT))
    qs = Notification.objects.for_user(request.user).select_related("actor").order_by("-id")
    if params.unread:
        qs = qs.unread()
    if params.before is not None:
        qs = qs.filter(pk__lt=params.before)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_out(n) for n in rows], "next_before": rows[-1].pk if more else None,
            "unread": services.unread_count(request.user)}  # fmt: skip


@router.get("/notifications/unread-count", response={200: NotificationUnreadOut, **ERRORS})
def unread_count(request: HttpRequest):
    return {"unread": services.unread_count(request.user)}


@router.post("/notifications/read-all", response={200: NotificationsMarkedOut, **ERRORS})
def read_all(request: HttpRequest):
    return {"marked": services.mark_all_read(actor=request.user)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS})
def read_one(request: HttpRequest, notification_id: int):
    if not fits_bigint(notification_id):
        raise NotFound()
    notification = Notification.objects.for_user(request.user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    return _out(services.mark_read(actor=request.user, notification=notification))


@router.get("/notifications/preferences", response={200: NotificationPreferencesOut, **ERRORS})
def get_preferences(request: HttpRequest):
    return _prefs(services.preference_for(request.user))


@router.put("/notifications/preferences", response={200: NotificationPreferencesOut, **ERRORS})
def put_preferences(request: HttpRequest, payload: NotificationPreferencesIn):
    data = payload.dict(exclude_none=True)
    return _prefs(services.update_preferences(actor=request.user, data=data))
