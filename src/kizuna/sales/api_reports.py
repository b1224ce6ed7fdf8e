"""/api/v1/reports/daily: the feed, one report (by id or by date), the day's draft, submit, correct (If-Match),
comment and confirm."""

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from kizuna.core.api import ErrorOut, expected_version, set_etag
from kizuna.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from kizuna.core.permissions import has_perm
from kizuna.core.schemas import Bounded, Strict, UserRef

from .models.reports import DailyReport
from .services import daily_reports as reports
from .services.report_drafts import Line, build_draft, lines_for

Day = date  # fields named `date` shadow the type inside a schema
router = Router(tags=["reports"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


class ReportLineOut(Schema):
    kind: str
    object_id: int | None
    title: str
    label: str
    detail: str
    at: datetime | None
    url: str
    hidden: bool


class CommentOut(Schema):
    id: int
    author: UserRef
    body: str
    at: datetime


class DailyReportOut(Schema):
    id: int
    author: UserRef
    date: Day
    status: str
    visibility: str
    impressions: str
    plan: str
    submitted_at: datetime | None
    confirmed_by: UserRef | None
    confirmed_at: datetime | None
    version: int
    items: list[ReportLineOut]
    comments: list[CommentOut]


class DailyReportPage(Schema):
    items: list[DailyReportOut]
    next_cursor: str | None


class DraftOut(Schema):
    date: Day
    report_id: int | None
    status: str
    items: list[ReportLineOut]
    truncated: bool


class FeedParams(Bounded):
    user: int | None = None
    status: str = ""
    since: date | None = None
    until: date | None = None
    cursor: str | None = None
    limit: int = 20


class DraftParams(Bounded):
    date: Day | None = None


class ByDateParams(Bounded):
    date: Day
    user: int | None = None


class SubmitIn(Strict):
    date: Day
    impressions: str = ""
    plan: str = ""
    visibility: str | None = None


class DraftIn(SubmitIn):
    pass


class ReportPatch(Strict):
    impressions: str | None = None
    plan: str | None = None
    visibility: str | None = None


class CommentIn(Strict):
    body: str


def _line(line: Line) -> dict:
    return {"kind": line.kind, "object_id": None if line.hidden else line.object_id, "title": line.title,
            "label": line.label, "detail": line.detail, "at": line.at, "url": line.url,
            "hidden": line.hidden}  # fmt: skip


def _outs(user, rows) -> list[dict]:
    rows = list(rows)
    lines = lines_for(user, rows)
    comments: dict[int, list] = {r.pk: [] for r in rows}
    from .models.reports import ReportComment

    for c in ReportComment.objects.filter(report__in=rows).select_related("author").order_by("at", "id"):
        comments[c.report_id].append(c)
    return [{"id": r.pk, "author": r.author, "date": r.date, "status": r.status, "visibility": r.visibility,
             "impressions": r.impressions, "plan": r.plan, "submitted_at": r.submitted_at,
             "confirmed_by": r.confirmed_by, "confirmed_at": r.confirmed_at, "version": r.version,
             "items": [_line(x) for x in lines[r.pk]], "comments": comments[r.pk]} for r in rows]  # fmt: skip


def _one(request, response, report: DailyReport) -> dict:
    report = reports.get_report_for_user(request.user, report.pk)
    set_etag(response, report)
    return _outs(request.user, [report])[0]


def _cursor(value: str | None):
    if not value:
        return None
    day, _sep, pk = value.partition("_")
    try:
        return date.fromisoformat(day), int(pk)
    except ValueError:
        raise ValidationFailed(field_errors={"cursor": [_("cursor が不正です。")]}) from None


@router.get("/reports/daily", response={200: DailyReportPage, **ERRORS})
def list_reports(request: HttpRequest, params: Query[FeedParams]):
    if not 1 <= params.limit <= 100:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜100 で指定してください。")]})
    rows = reports.feed(request.user, author_id=params.user, status=params.status, since=params.since,
                        until=params.until, before=_cursor(params.cursor), limit=params.limit)  # fmt: skip
    nxt = f"{rows[-1].date.isoformat()}_{rows[-1].pk}" if len(rows) == params.limit else None
    return {"items": _outs(request.user, rows), "next_cursor": nxt}


def _require_author(user) -> None:
    if not has_perm(user, "daily_report", "create"):
        raise PermissionDenied()


@router.get("/reports/daily/draft", response={200: DraftOut, **ERRORS})
def get_draft(request: HttpRequest, params: Query[DraftParams]):
    """The day as the system knows it (default today), and the stored report's status if there is one."""
    _require_author(request.user)
    day = params.date or reports.timezone.localdate()
    report = reports.report_on(request.user, request.user, day)
    if report is not None and report.status != DailyReport.Status.DRAFT:
        lines, truncated = lines_for(request.user, [report])[report.pk], False
    else:
        draft = build_draft(request.user, day)
        lines, truncated = draft.lines, draft.truncated
    return {"date": day, "report_id": report.pk if report else None, "status": report.status if report else "new",
            "items": [_line(x) for x in lines], "truncated": truncated}  # fmt: skip


@router.put("/reports/daily/draft", response={200: DailyReportOut, **ERRORS})
def save_draft(request: HttpRequest, response: HttpResponse, payload: DraftIn):
    """Keep 所感 and 明日の予定 of a day not yet submitted."""
    data = payload.dict(exclude_none=True)
    day = data.pop("date")
    existing = reports.report_on(request.user, request.user, day)
    if existing is not None and existing.status != DailyReport.Status.DRAFT:
        raise Conflict(_("この日の日報は提出済みです。変更するには PATCH で更新してください。"))
    report = reports.save_report(actor=request.user, day=day, data=data, submit=False)
    return _one(request, response, report)


@router.post("/reports/daily/submit", response={201: DailyReportOut, **ERRORS})
def submit(request: HttpRequest, response: HttpResponse, payload: SubmitIn):
    """Submit the day: the draft's items are frozen as references; 所感 and 明日の予定 may be empty."""
    data = payload.dict(exclude_none=True)
    day = data.pop("date")
    report = reports.submit_report(actor=request.user, day=day, data=data)
    return Status(201, _one(request, response, report))


@router.get("/reports/daily/by-date", response={200: DailyReportOut, **ERRORS})
def get_by_date(request: HttpRequest, response: HttpResponse, params: Query[ByDateParams]):
    """A user's report of a day (default: the caller's), as the caller may read it."""
    author = request.user
    if params.user and params.user != request.user.pk:
        author = get_user_model().objects.filter(pk=params.user).first()
    report = reports.report_on(request.user, author, params.date) if author else None
    if report is None:
        raise NotFound()
    return _one(request, response, report)


@router.get("/reports/daily/{report_id}", response={200: DailyReportOut, **ERRORS})
def get_report(request: HttpRequest, response: HttpResponse, report_id: int):
    return _one(request, response, reports.get_report_for_user(request.user, report_id))


@router.patch("/reports/daily/{report_id}", response={200: DailyReportOut, **ERRORS})
def update_report(request: HttpRequest, response: HttpResponse, report_id: int, payload: ReportPatch):
    report = reports.get_report_for_user(request.user, report_id)
    if not reports.may_edit(request.user, report):
        raise PermissionDenied(_("日報を直せるのは、確認前の本人だけです。"))
    version = expected_version(request, report)
    report = reports.update_report(actor=request.user, report=report, data=payload.dict(exclude_none=True),
                                   expected_version=version)  # fmt: skip
    return _one(request, response, report)


@router.post("/reports/daily/{report_id}/comments", response={201: CommentOut, **ERRORS})
def comment(request: HttpRequest, report_id: int, payload: CommentIn):
    report = reports.get_report_for_user(request.user, report_id)
    return Status(201, reports.add_comment(actor=request.user, report=report, data=payload.dict()))


@router.post("/reports/daily/{report_id}/confirm", response={200: DailyReportOut, **ERRORS})
def confirm(request: HttpRequest, response: HttpResponse, report_id: int):
    report = reports.get_report_for_user(request.user, report_id)
    return _one(request, response, reports.confirm_report(actor=request.user, report=report))
