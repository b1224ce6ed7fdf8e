"""/api/v1/webhooks: subscriptions (administrators, with a token's admin scope), their delivery log, redelivery and
secret rotation. The secret is in the answer of create and rotate only."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kizuna.core import events
from kizuna.core.api import ErrorOut, expected_version, set_etag
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.schemas import Strict, UserRef

from . import services
from .models import Delivery

router = Router(tags=["webhooks"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 412, 422, 428)}


def _admin(request) -> None:
    services.require_admin(request.user)
    token = getattr(request, "api_token", None)
    if token is not None and not token.allows("admin"):
        raise PermissionDenied(_("この API トークンには admin の権限がありません。"))


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    event_types: list[str]
    owner: UserRef | None
    is_active: bool
    disabled_at: datetime | None
    disabled_reason: str
    consecutive_failures: int
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(..., description="whsec_… — shown only in this answer; verify signatures with it")


class SubscriptionIn(Strict):
    name: str = Field(..., max_length=100)
    url: str = Field(..., max_length=2000)
    event_types: list[str] = Field(..., max_length=200)
    owner: int | None = Field(None, description="user id whose view of the records is sent (default: you)")
    is_active: bool = True


class SubscriptionPatch(Strict):
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=2000)
    event_types: list[str] | None = Field(None, max_length=200)
    owner: int | None = None
    is_active: bool | None = None


class AttemptOut(Schema):
    at: datetime
    manual: bool
    response_code: int | None
    response_snippet: str
    duration_ms: int
    error: str


class DeliveryOut(Schema):
    id: int
    message_id: str
    event_id: str | None
    event_type: str
    trigger: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    response_code: int | None
    error: str
    created_at: datetime
    delivered_at: datetime | None
    request_body: str
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_event_id(obj):
        return str(obj.event_id) if obj.event_id else None

    @staticmethod
    def resolve_next_attempt_at(obj):
        return obj.next_attempt_at if obj.status == Delivery.Status.PENDING else None

    @staticmethod
    def resolve_attempt_log(obj):
        return list(obj.attempt_log.all())


class DeliveryParams(Schema):
    status: str | None = None
    limit: int = 50


class EventTypeOut(Schema):
    type: str
    label: str


def _data(payload: Strict) -> dict:
    return payload.dict(exclude_unset=True)


def _with_secret(sub, secret: str) -> dict:
    return {**SubscriptionOut.from_orm(sub).dict(), "secret": secret}


@router.get("/webhooks", response={200: list[SubscriptionOut], **ERRORS})
def list_subscriptions(request: HttpRequest):
    _admin(request)
    from .models import Subscription

    return list(Subscription.objects.select_related("owner"))


@router.get("/webhooks/event-types", response={200: list[EventTypeOut], **ERRORS})
def event_types(request: HttpRequest):
    """The event types a subscription may choose (record events of every object type, and apps' own)."""
    _admin(request)
    return [{"type": key, "label": str(label)} for key, label in events.event_types().items()]


@router.post("/webhooks", response={201: SubscriptionWithSecret, **ERRORS})
def create_subscription(request: HttpRequest, response: HttpResponse, payload: SubscriptionIn):
    _admin(request)
    sub, secret = services.create_subscription(actor=request.user, data=payload.dict())
    set_etag(response, sub)
    return Status(201, _with_secret(sub, secret))


@router.get("/webhooks/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
def get_subscription(request: HttpRequest, response: HttpResponse, subscription_id: int):
    _admin(request)
    sub = services.get_subscription(request.user, subscription_id)
    set_etag(response, sub)
    return sub


@router.patch("/webhooks/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
def patch_subscription(request: HttpRequest, response: HttpResponse, subscription_id: int, payload: SubscriptionPatch):
    _admin(request)
    sub = services.get_subscription(request.user, subscription_id)
    version = expected_version(request, sub)
    sub = services.update_subscription(actor=request.user, subscription=sub, data=_data(payload), version=version)
    set_etag(response, sub)
    return services.get_subscription(request.user, sub.pk)


@router.delete("/webhooks/{subscription_id}", response={204: None, **ERRORS})
def delete_subscription(request: HttpRequest, subscription_id: int):
    _admin(request)
    sub = services.get_subscription(request.user, subscription_id)
    services.delete_subscription(actor=request.user, subscription=sub)
    return Status(204, None)


@router.post("/webhooks/{subscription_id}/rotate-secret", response={200: SubscriptionWithSecret, **ERRORS})
def rotate_secret(request: HttpRequest, response: HttpResponse, subscription_id: int):
    """A new secret; the previous one keeps signing (a second `v1,` signature) for 24 hours."""
    _admin(request)
    sub = services.get_subscription(request.user, subscription_id)
    secret = services.rotate_secret(actor=request.user, subscription=sub)
    set_etag(response, sub)
    return _with_secret(sub, secret)


@router.get("/webhooks/{subscription_id}/deliveries", response={200: list[DeliveryOut], **ERRORS})
def list_deliveries(request: HttpRequest, subscription_id: int, params: Query[DeliveryParams]):
    """The delivery log, newest first: the request body, every attempt's response code, snippet, time and error."""
    _admin(request)
    sub = services.get_subscription(request.user, subscription_id)
    if not 1 <= params.limit <= 200:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜200 で指定してください。")]})
    qs = sub.deliveries.prefetch_related("attempt_log")
    if params.status:
        if params.status not in Delivery.Status.values:
            raise ValidationFailed(
                field_errors={"status": [_("status は pending / succeeded / failed のいずれかです。")]}
            )
        qs = qs.filter(status=params.status)
    return list(qs[: params.limit])


@router.post("/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver", response={202: DeliveryOut, **ERRORS})
def redeliver(request: HttpRequest, subscription_id: int, delivery_id: int):
    """Send the delivery again (same body and webhook-id) as soon as the worker runs."""
    _admin(request)
    sub = services.get_subscription(request.user, subscription_id)
    delivery = services.redeliver(actor=request.user, delivery=services.get_delivery(request.user, sub, delivery_id))
    return Status(202, delivery)
