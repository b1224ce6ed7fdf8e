"""/api/v1/journey and /api/v1/segments: the customer journey (seed 004) for API clients — where a company or person
stands on 認知 → 興味・関心 → 比較・検討 → 購入 → 継続・リピート with its history, LTV (won deals), the funnel per
month-end, and saved segments (a segment's members are the people or company list with `?segment=<id>`).

Reads go through the records' visibility (hidden = 404) and the same services as the pages (sales.services.journey,
sales.services.segments)."""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kizuna.contacts.models import Company, Person
from kizuna.core.api import ErrorOut
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.permissions import has_perm
from kizuna.core.records import get_for_user
from kizuna.core.schemas import Strict, UserRef

from .models.journey import JourneyStage, Lifecycle, LifecycleChange
from .services import journey, segments

router = Router(tags=["journey"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}
KINDS = {"companies": ("company", Company), "people": ("person", Person)}
HISTORY_LIMIT = 50


class LifecycleChangeOut(Schema):
    at: datetime
    from_stage: str
    to_stage: str
    cause: str = Field(description="auto (a deal event) or manual")
    reason: str
    by: UserRef | None


class LtvYearOut(Schema):
    year: int
    orders: int
    total: int


class LtvOut(Schema):
    """Won deals the reader may see (whole yen, tax-exclusive)."""

    total: int
    orders: int
    average: int
    per_year: float = Field(description="orders per year since the first one")
    first: date | None
    last: date | None
    by_year: list[LtvYearOut]


class JourneyOut(Schema):
    object_type: str
    id: int
    name: str
    stage: str
    stage_label: str
    manual: bool = Field(description="last set by hand")
    changed_at: datetime | None
    history: list[LifecycleChangeOut] = Field(description="newest first, at most 50")
    ltv: LtvOut | None = Field(description="companies only")


class JourneyStageIn(Strict):
    stage: str = Field(description="awareness, interest, consideration, purchase or repeat", max_length=20)
    reason: str = Field("", max_length=200)


class JourneyMonthOut(Schema):
    month: str = Field(description="YYYY-MM; counts as they stood at the end of the month")
    total: int
    counts: dict[str, int]


class SegmentOut(Schema):
    id: int
    name: str
    object_type: str
    filters: dict
    shared: bool
    owner: UserRef
    created_at: datetime


class SegmentIn(Strict):
    name: str = Field(max_length=100)
    object_type: str = Field(description="company or person", max_length=10)
    filters: dict = Field(default_factory=dict, description="q, owner, tag, prefecture, industry, custom, lifecycle, "
                          "ltv_min, ltv_max, contact_within_days, no_contact_days")  # fmt: skip
    shared: bool = False


class FunnelQuery(Schema):
    type: str = Field("company", description="company or person")
    months: int = Field(12, ge=1, le=36)


def _record(request, kind: str, record_id: int, *, for_write: bool = False):
    if kind not in KINDS:
        raise NotFound()
    object_type, model = KINDS[kind]
    return object_type, get_for_user(model, request.user, record_id, for_write=for_write)


def _user(user):
    return {"id": user.pk, "username": user.get_username()} if user else None


def _journey(request, object_type: str, obj) -> dict:
    row = Lifecycle.objects.filter(**{object_type: obj}).first()
    stage = journey.stage_of(obj)
    changes = (LifecycleChange.objects.filter(object_type=object_type, object_id=obj.pk).select_related("by")
               .order_by("-at", "-id")[:HISTORY_LIMIT])  # fmt: skip
    ltv = None
    if object_type == "company":
        value = journey.ltv(request.user, obj)
        ltv = {"total": value.total, "orders": value.orders, "average": value.average, "per_year": value.per_year,
               "first": value.first, "last": value.last,
               "by_year": [{"year": y, "orders": n, "total": t} for y, n, t in value.by_year]}  # fmt: skip
    return {
        "object_type": object_type, "id": obj.pk, "name": str(obj), "stage": stage,
        "stage_label": str(JourneyStage(stage).label), "manual": bool(row and row.manual),
        "changed_at": row.changed_at if row else None, "ltv": ltv,
        "history": [{"at": c.at, "from_stage": c.from_stage, "to_stage": c.to_stage, "cause": c.cause,
                     "reason": c.reason, "by": _user(c.by)} for c in changes],
    }  # fmt: skip


@router.get("/journey/funnel", response={200: list[JourneyMonthOut], **ERRORS})
def journey_funnel(request: HttpRequest, query: Query[FunnelQuery]):
    """How many of the companies (or people) you see stood at each stage at each month-end, oldest month first."""
    if query.type not in ("company", "person"):
        message = _("type は company か person です。")
        raise ValidationFailed(message, field_errors={"type": [message]})
    if not has_perm(request.user, query.type, "view"):
        raise NotFound()
    return journey.funnel(request.user, query.type, query.months)


@router.get("/journey/{kind}/{record_id}", response={200: JourneyOut, **ERRORS})
def journey_of(request: HttpRequest, kind: str, record_id: int):
    """A company's or person's stage, its changes and (companies) LTV; kind: companies or people."""
    object_type, obj = _record(request, kind, record_id)
    return _journey(request, object_type, obj)


@router.put("/journey/{kind}/{record_id}/stage", response={200: JourneyOut, **ERRORS})
def journey_set_stage(request: HttpRequest, kind: str, record_id: int, payload: JourneyStageIn):
    """Set the stage by hand (any direction; needs the right to edit the record). Deal events move it on later."""
    object_type, obj = _record(request, kind, record_id, for_write=True)
    journey.set_stage(actor=request.user, obj=obj, stage=payload.stage, reason=payload.reason)
    return _journey(request, object_type, obj)


# --- segments -----------------------------------------------------------------------------------------------------
def _segment(segment) -> dict:
    return {"id": segment.pk, "name": segment.name, "object_type": segment.object_type, "filters": segment.filters,
            "shared": segment.shared, "owner": _user(segment.owner), "created_at": segment.created_at}  # fmt: skip


@router.get("/segments", response={200: list[SegmentOut], **ERRORS})
def segment_list(request: HttpRequest, object_type: str | None = None):
    """Your segments and those shared with everyone; `object_type`: company or person."""
    if object_type not in (None, "company", "person"):
        message = _("対象は company か person です。")
        raise ValidationFailed(message, field_errors={"object_type": [message]})
    rows = segments.segments_for(request.user, object_type).select_related("owner")[:500]
    return [_segment(s) for s in rows]


@router.post("/segments", response={201: SegmentOut, **ERRORS})
def segment_create(request: HttpRequest, payload: SegmentIn):
    """Save a filter over companies or people; `shared` offers it to everyone (for those who may export them)."""
    segment = segments.create_segment(actor=request.user, data=payload.dict())
    return Status(201, _segment(segment))


@router.get("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def segment_detail(request: HttpRequest, segment_id: int):
    """One segment; its members: GET /api/v1/companies?segment=<id> (or /people)."""
    return _segment(segments.get_segment_for_user(request.user, segment_id))


@router.delete("/segments/{segment_id}", response={204: None, **ERRORS})
def segment_delete(request: HttpRequest, segment_id: int):
    """Delete a segment (its author or an administrator)."""
    segment = segments.get_segment_for_user(request.user, segment_id)
    segments.delete_segment(actor=request.user, segment=segment)
    return Status(204, None)
