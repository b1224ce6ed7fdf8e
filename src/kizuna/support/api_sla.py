"""/api/v1/calendars and /api/v1/sla-policies (everyone signed in reads them; administrators with the admin scope
change them) and /api/v1/tickets/{id}/sla (a ticket's due times, business time left and breach history, for
whoever may see the ticket)."""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kizuna.core.api import ErrorOut
from kizuna.core.exceptions import NotFound, PermissionDenied
from kizuna.core.permissions import is_admin
from kizuna.core.schemas import Strict

from .models import BusinessCalendar, CalendarDay, SlaEvent, SlaPolicy, Ticket, TicketSla
from .sla import admin, tracking
from .sla import calendar as cal

router = Router(tags=["sla"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422)}
HOURS_DOC = (
    'Weekly hours by weekday, "0" = Monday … "6" = Sunday: a list of "H:MM-H:MM" intervals (start < end, within '
    "0:00–24:00; a night shift is two intervals on two days). Minute pairs [[540, 720]] are accepted."
)


class DayOut(Schema):
    id: int
    date: date
    kind: str = Field(description="closed (休業日) or open (臨時営業日)")
    hours: list[str] = Field(description="an extra working day's intervals; empty: the calendar's usual hours")
    note: str

    @staticmethod
    def resolve_hours(obj):
        return [f"{cal.format_hhmm(s)}-{cal.format_hhmm(e)}" for s, e in obj.hours]


class ClosureOut(Schema):
    date: date
    reason: str = Field(description="holiday (国民の祝日), year_end (年末年始) or closed (company day)")
    name: str


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str
    hours: dict[str, list[str]] = Field(description=HOURS_DOC)
    national_holidays: bool
    year_end_closed: bool
    is_default: bool
    days: list[DayOut]
    upcoming_closures: list[ClosureOut] = Field(description="weekdays closed in the next 60 days")
    version: int

    @staticmethod
    def resolve_hours(obj):
        return {str(d): [f"{cal.format_hhmm(s)}-{cal.format_hhmm(e)}" for s, e in obj.weekly()[d]] for d in range(7)}

    @staticmethod
    def resolve_days(obj):
        return list(obj.days.all())

    @staticmethod
    def resolve_upcoming_closures(obj):
        return closures(obj, 60)


def closures(calendar: BusinessCalendar, days: int) -> list[dict]:
    notes = {d.date: d.note for d in calendar.days.all()}
    pure = calendar.as_calendar()
    out = []
    for day, reason in pure.upcoming_closures(timezone.localdate(), days):
        name = cal.holiday_name(day) if reason == "holiday" else notes.get(day, "") if reason == "closed" else ""
        out.append({"date": day, "reason": reason, "name": name or (_("年末年始") if reason == "year_end" else "")})
    return out


class CalendarIn(Strict):
    name: str = Field(..., max_length=100)
    timezone: str = "Asia/Tokyo"
    hours: dict[str, list[str] | list[list[int]] | str] = Field(..., description=HOURS_DOC)
    national_holidays: bool = True
    year_end_closed: bool = True
    is_default: bool = False


class CalendarPatch(Strict):
    name: str | None = Field(None, max_length=100)
    timezone: str | None = None
    hours: dict[str, list[str] | list[list[int]] | str] | None = Field(None, description=HOURS_DOC)
    national_holidays: bool | None = None
    year_end_closed: bool | None = None
    is_default: bool | None = None


class DayIn(Strict):
    date: str = Field(..., description="YYYY-MM-DD")
    kind: str = Field(..., description="closed or open")
    hours: list[str] | str = Field([], description="for an extra working day; empty: the usual weekday hours")
    note: str = ""


class PolicyOut(Schema):
    id: int
    name: str
    position: int = Field(description="policies are tried in this order; the first that matches applies")
    active: bool
    priority: str = Field(description="empty: any priority")
    category: str = Field(description="empty: any category")
    customer_tier: str = Field(description="empty: any tier; else the company's custom field sla_tier")
    calendar: int = Field(alias="calendar_id")
    first_response_minutes: int | None = Field(description="business minutes")
    next_response_minutes: int | None
    resolution_minutes: int | None
    warn_before_minutes: int
    escalate_to_manager: bool
    escalation_user: int | None = Field(alias="escalation_user_id")
    raise_priority: bool
    version: int


class PolicyIn(Strict):
    name: str = Field(..., max_length=100)
    position: int | None = None
    active: bool = True
    priority: str = ""
    category: str = ""
    customer_tier: str = ""
    calendar: int
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_before_minutes: int = 30
    escalate_to_manager: bool = False
    escalation_user: int | None = None
    raise_priority: bool = False


class PolicyPatch(Strict):
    name: str | None = Field(None, max_length=100)
    position: int | None = None
    active: bool | None = None
    priority: str | None = None
    category: str | None = None
    customer_tier: str | None = None
    calendar: int | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_before_minutes: int | None = None
    escalate_to_manager: bool | None = None
    escalation_user: int | None = None
    raise_priority: bool | None = None


class PolicyMoveIn(Strict):
    direction: str = Field(..., description="up or down")


class SlaTargetOut(Schema):
    target: str = Field(description="first_response, next_response or resolution")
    due: datetime
    met_at: datetime | None
    breached: bool
    minutes_left: int | None = Field(
        description="business minutes until the due time (negative: overdue); null when met"
    )
    paused: bool
    warning: bool


class SlaEventOut(Schema):
    target: str
    kind: str = Field(description="warning or breach")
    due_at: datetime
    warned_at: datetime | None
    breached_at: datetime | None
    actions: list[str]


class TicketSlaOut(Schema):
    policy: str | None
    targets: list[SlaTargetOut]
    paused_minutes: float
    history: list[SlaEventOut]


def _require_admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(_("管理者だけが使えます。"))
    token = getattr(request, "api_token", None)
    if token is not None and not token.allows("admin"):
        raise PermissionDenied(_("この API トークンには %(scope)s の権限がありません。") % {"scope": "admin"})


def _get(model, pk):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


# --- calendars -------------------------------------------------------------------------------------------------
@router.get("/calendars", response={200: list[CalendarOut], **ERRORS})
def list_calendars(request: HttpRequest):
    """Business calendars, the default first."""
    return list(BusinessCalendar.objects.prefetch_related("days"))


@router.post("/calendars", response={201: CalendarOut, **ERRORS})
def create_calendar(request: HttpRequest, payload: CalendarIn):
    _require_admin(request)
    return Status(201, admin.save_calendar(actor=request.user, data=payload.dict()))


@router.get("/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS})
def get_calendar(request: HttpRequest, calendar_id: int):
    return _get(BusinessCalendar, calendar_id)


@router.patch("/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS})
def patch_calendar(request: HttpRequest, calendar_id: int, payload: CalendarPatch):
    _require_admin(request)
    calendar = _get(BusinessCalendar, calendar_id)
    return admin.save_calendar(actor=request.user, data=payload.dict(exclude_unset=True), calendar=calendar)


@router.delete("/calendars/{calendar_id}", response={204: None, **ERRORS})
def delete_calendar(request: HttpRequest, calendar_id: int):
    _require_admin(request)
    admin.delete_calendar(actor=request.user, calendar=_get(BusinessCalendar, calendar_id))
    return Status(204, None)


@router.post("/calendars/{calendar_id}/days", response={201: DayOut, **ERRORS})
def add_day(request: HttpRequest, calendar_id: int, payload: DayIn):
    """A company closed day (休業日) or an extra working day (臨時営業日)."""
    _require_admin(request)
    calendar = _get(BusinessCalendar, calendar_id)
    return Status(201, admin.add_day(actor=request.user, calendar=calendar, data=payload.dict()))


@router.delete("/calendars/{calendar_id}/days/{day_id}", response={204: None, **ERRORS})
def remove_day(request: HttpRequest, calendar_id: int, day_id: int):
    _require_admin(request)
    day = CalendarDay.objects.filter(pk=day_id, calendar_id=calendar_id).first()
    if day is None:
        raise NotFound()
    admin.remove_day(actor=request.user, day=day)
    return Status(204, None)


# --- policies ----------------------------------------------------------------------------------------------------
@router.get("/sla-policies", response={200: list[PolicyOut], **ERRORS})
def list_policies(request: HttpRequest):
    """SLA policies in matching order."""
    return list(SlaPolicy.objects.order_by("position", "id"))


@router.post("/sla-policies", response={201: PolicyOut, **ERRORS})
def create_policy(request: HttpRequest, payload: PolicyIn):
    _require_admin(request)
    data = payload.dict()
    if data.get("position") is None:
        data.pop("position")
    return Status(201, admin.save_policy(actor=request.user, data=data))


@router.get("/sla-policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def get_policy(request: HttpRequest, policy_id: int):
    return _get(SlaPolicy, policy_id)


@router.patch("/sla-policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def patch_policy(request: HttpRequest, policy_id: int, payload: PolicyPatch):
    _require_admin(request)
    policy = _get(SlaPolicy, policy_id)
    return admin.save_policy(actor=request.user, data=payload.dict(exclude_unset=True), policy=policy)


@router.delete("/sla-policies/{policy_id}", response={204: None, **ERRORS})
def delete_policy(request: HttpRequest, policy_id: int):
    _require_admin(request)
    admin.delete_policy(actor=request.user, policy=_get(SlaPolicy, policy_id))
    return Status(204, None)


@router.post("/sla-policies/{policy_id}/move", response={200: PolicyOut, **ERRORS})
def move_policy(request: HttpRequest, policy_id: int, payload: PolicyMoveIn):
    _require_admin(request)
    return admin.move_policy(actor=request.user, policy=_get(SlaPolicy, policy_id), direction=payload.direction)


# --- one ticket ----------------------------------------------------------------------------------------------------
@router.get("/tickets/{ticket_id}/sla", response={200: TicketSlaOut, **ERRORS})
def ticket_sla(request: HttpRequest, ticket_id: int):
    """The ticket's SLA: each target's due time and business minutes left, and its warnings and breaches."""
    ticket = Ticket.objects.visible_to(request.user).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound()
    sla = TicketSla.objects.filter(pk=ticket.pk).select_related("policy").first()
    history = list(SlaEvent.objects.filter(ticket=ticket)[:100])
    if sla is None:
        return {"policy": None, "targets": [], "paused_minutes": 0, "history": history}
    return {"policy": sla.policy.name if sla.policy else None, "targets": tracking.remaining(sla),
            "paused_minutes": round(sla.paused_minutes, 1), "history": history}  # fmt: skip
