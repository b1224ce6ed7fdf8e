"""/api/v1/forecast, /api/v1/dashboards/…, /api/v1/targets, /api/v1/reviews, /api/v1/kpi-definitions,
/api/v1/sales-settings: the same services and JSON as the dashboard pages."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from kizuna.core.api import ErrorOut
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.schemas import Bounded

from .models import KpiDefinition, SalesSettings
from .services import dashboards, kpi
from .services import forecast as fc
from .services import targets as plans

router = Router(tags=["sales-analytics"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422)}
RECORDS_LIMIT = 1000


class SubjectParams(Bounded):
    scope: str = "rep"
    user: int | None = None
    team: int | None = None


class ForecastParams(SubjectParams):
    period: str = ""
    breakdown: bool = False


class DashboardParams(Bounded):
    month: str = ""
    user: int | None = None
    team: int | None = None


class RecordsParams(SubjectParams):
    metric: str = "committed"
    period: str = ""


class TargetParams(Bounded):
    start: str = ""
    end: str = ""
    metric: str = ""
    user: int | None = None
    team: int | None = None


class TargetItem(Bounded):
    month: str
    user: int | None = None
    team: int | None = None
    metric: str = "revenue"
    value: int | None = None


class TargetsIn(Bounded):
    items: list[TargetItem]


class TargetOut(Schema):
    id: int
    month: str
    user: int | None
    team: int | None
    metric: str
    value: int
    version: int


class ReviewParams(SubjectParams):
    month: str = ""


class TaskItem(Bounded):
    title: str
    due_date: str | None = None
    assignee: int | None = None


class ReviewIn(Bounded):
    month: str
    scope: str = "rep"
    user: int | None = None
    team: int | None = None
    gaps: str = ""
    actions: str = ""
    new_tasks: list[TaskItem] = []
    version: int | None = None


class SettingsIn(Bounded):
    fiscal_year_start_month: int | None = None
    stale_days: int | None = None
    version: int | None = None


def _start() -> int:
    return SalesSettings.current().fiscal_year_start_month


def _subject(request, params) -> fc.Subject:
    return fc.resolve_subject(request.user, params.scope, user_id=params.user, team_id=params.team)


@router.get("/forecast", response={200: dict, **ERRORS},
            description="Committed, weighted and best case per month and fiscal quarter of a period (2026: "
                        "fiscal year, 2026-Q1, 2026-04), for scope rep (user), team or company; breakdown per "
                        "rep/team.")  # fmt: skip
def get_forecast(request: HttpRequest, params: Query[ForecastParams]):
    subject = _subject(request, params)
    period = fc.parse_period(params.period, _start())
    return fc.forecast(request.user, subject, period, breakdown=params.breakdown).as_dict()


@router.get("/dashboards/me", response={200: dict, **ERRORS}, description="My day and my month (a rep's dashboard).")
def dashboard_me(request: HttpRequest, params: Query[DashboardParams]):
    subject = fc.resolve_subject(request.user, "rep", user_id=params.user)
    return dashboards.dashboard(request.user, subject, month=kpi.month_of(params.month))


@router.get("/dashboards/team", response={200: dict, **ERRORS}, description="A team's dashboard (managers).")
def dashboard_team(request: HttpRequest, params: Query[DashboardParams]):
    subject = fc.resolve_subject(request.user, "team", team_id=params.team)
    return dashboards.dashboard(request.user, subject, month=kpi.month_of(params.month))


@router.get("/dashboards/company", response={200: dict, **ERRORS}, description="The company (administrators).")
def dashboard_company(request: HttpRequest, params: Query[DashboardParams]):
    subject = fc.resolve_subject(request.user, "company")
    return dashboards.dashboard(request.user, subject, month=kpi.month_of(params.month))


@router.get("/dashboards/records", response={200: dict, **ERRORS},
            description="The records behind a dashboard number (metric as in the number's drill link).")  # fmt: skip
def dashboard_records(request: HttpRequest, params: Query[RecordsParams]):
    subject = _subject(request, params)
    kind, qs = dashboards.drill(request.user, params.metric, subject, fc.parse_period(params.period, _start()))
    rows = list(qs.order_by("-id")[: RECORDS_LIMIT + 1])
    as_row = dashboards.deal_row if kind == "deal" else dashboards.activity_row
    return {"kind": kind, "metric": params.metric, "truncated": len(rows) > RECORDS_LIMIT,
            "items": [as_row(r) for r in rows[:RECORDS_LIMIT]]}  # fmt: skip


@router.get("/targets", response={200: list[TargetOut], **ERRORS},
            description="Targets the caller may read; start/end are months (2026-04).")  # fmt: skip
def list_targets(request: HttpRequest, params: Query[TargetParams]):
    qs = plans.visible_targets(request.user)
    if params.start:
        qs = qs.filter(month__gte=kpi.month_of(params.start).start)
    if params.end:
        qs = qs.filter(month__lte=kpi.month_of(params.end).start)
    for key in ("metric", "user", "team"):
        if getattr(params, key):
            qs = qs.filter(**{key: getattr(params, key)})
    return [_target(t) for t in qs[:5000]]


@router.put("/targets", response={200: list[TargetOut], **ERRORS},
            description="Set targets (value null removes one); all or nothing.")  # fmt: skip
def put_targets(request: HttpRequest, payload: TargetsIn):
    saved = plans.set_targets(actor=request.user, items=[i.dict() for i in payload.items])
    return [_target(t) for t in saved]


def _target(t) -> dict:
    return {"id": t.pk, "month": f"{t.month:%Y-%m}", "user": t.user_id, "team": t.team_id, "metric": t.metric,
            "value": t.value, "version": t.version}  # fmt: skip


@router.get("/kpi-definitions", response={200: list[dict], **ERRORS}, description="What each activity KPI counts.")
def list_kpis(request: HttpRequest):
    return [{"key": d.key, "name": d.name, "measure": d.measure, "activity_kinds": d.activity_kinds,
             "stage": d.stage_id, "min_participants": d.min_participants, "technical_team": d.technical_team_id,
             "technical_role": d.technical_role, "active": d.active}
            for d in KpiDefinition.objects.order_by("position", "id")]  # fmt: skip


def _review_out(review, snapshot) -> dict:
    return {
        "snapshot": review.snapshot if review else snapshot, "current": snapshot,
        "saved": None if review is None else {
            "id": review.pk, "gaps": review.gaps, "actions": review.actions, "version": review.version,
            "tasks": [{"id": t.pk, "title": t.title, "due_date": t.due_date.isoformat() if t.due_date else None,
                       "done": t.done_at is not None} for t in review.tasks.all()],
            "updated_at": review.updated_at.isoformat(timespec="seconds"),
        },
    }  # fmt: skip


def _review_target(request, scope, user, team, month_text):
    subject = fc.resolve_subject(request.user, scope, user_id=user, team_id=team)
    if subject.kind == "company":
        raise ValidationFailed(field_errors={"scope": [_("月次レビューは担当者かチームごとです。")]})
    return subject, kpi.month_of(month_text)


@router.get("/reviews", response={200: dict, **ERRORS}, description="A rep's or team's monthly review (PDCA).")
def get_review(request: HttpRequest, params: Query[ReviewParams]):
    subject, month = _review_target(request, params.scope, params.user, params.team, params.month)
    review = plans.get_review(request.user, month=month.start, user=subject.user, team=subject.team)
    return _review_out(review, dashboards.review_snapshot(request.user, subject, month))


@router.put("/reviews", response={200: dict, **ERRORS},
            description="Save the month's gaps and agreed actions; new_tasks become tasks.")  # fmt: skip
def put_review(request: HttpRequest, payload: ReviewIn):
    subject, month = _review_target(request, payload.scope, payload.user, payload.team, payload.month)
    snapshot = dashboards.review_snapshot(request.user, subject, month)
    review = plans.save_review(actor=request.user, month=month.start, user=subject.user, team=subject.team,
                               data=payload.dict(), snapshot=snapshot, expected_version=payload.version)  # fmt: skip
    return _review_out(review, snapshot)


@router.get("/sales-settings", response={200: dict, **ERRORS}, description="Fiscal year start month, 停滞 days.")
def get_settings(request: HttpRequest):
    s = SalesSettings.current()
    return {"fiscal_year_start_month": s.fiscal_year_start_month, "stale_days": s.stale_days, "version": s.version}


@router.patch("/sales-settings", response={200: dict, **ERRORS}, description="Administrators.")
def patch_settings(request: HttpRequest, payload: SettingsIn):
    data = payload.dict(exclude_none=True)
    version = data.pop("version", None)
    plans.update_settings(actor=request.user, data=data, expected_version=version)
    return get_settings(request)
