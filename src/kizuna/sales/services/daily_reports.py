"""日報: reading (one access rule), drafting, submitting in one click, comments and 確認済み, the weekly view.

Who reads what: a report belongs to its author (owner) and the author's team, `team` visibility by default
(`private`: the author and the team's managers only), through `DailyReport.objects.visible_to(user)` like every
record; a draft is its author's alone until submitted. Managers of the author's team (team-scope roles) and
administrators confirm and comment; the author answers in the comments. Other teams' reports are 404.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from kizuna.core.notices import Notice, notify
from kizuna.core.permissions import Visibility, has_perm, is_admin, manages_team_of
from kizuna.core.records import check_version, lock, touch
from kizuna.core.schemas import fits_bigint
from kizuna.core.services import Errors, require_writer, text

from ..models.reports import DailyReport, DailyReportItem, ReportComment
from . import report_drafts
from .report_drafts import Draft, build_draft

Status = DailyReport.Status
MAX_TEXT = 4000
NOTICE_KIND = "daily_report"


# --- reading --------------------------------------------------------------------------------------------------
def visible_reports(user):
    """The reports `user` may read: visible records, and of the drafts only their own."""
    return DailyReport.objects.visible_to(user).filter(~Q(status=Status.DRAFT) | Q(author_id=user.pk))


def get_report_for_user(user, pk) -> DailyReport:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not fits_bigint(pk):
        raise NotFound()
    report = visible_reports(user).select_related("author", "confirmed_by").filter(pk=pk).first()
    if report is None:
        raise NotFound()
    return report


def report_on(user, author, day: date) -> DailyReport | None:
    return visible_reports(user).select_related("author", "confirmed_by").filter(author=author, date=day).first()


def may_review(user, report: DailyReport) -> bool:
    """Confirm and comment as a reviewer: administrators, and managers of the author's team (not their own)."""
    if report.author_id == user.pk or not has_perm(user, "daily_report", "edit"):
        return False
    return is_admin(user) or manages_team_of(user, report.author)


def may_comment(user, report: DailyReport) -> bool:
    if report.status == Status.DRAFT:
        return False
    return may_review(user, report) or (report.author_id == user.pk and has_perm(user, "daily_report", "create"))


def may_edit(user, report: DailyReport) -> bool:
    return report.author_id == user.pk and report.status != Status.CONFIRMED and has_perm(user, "daily_report", "edit")


def feed(user, *, author_id=None, team_id=None, status: str = "", since=None, until=None, before=None, limit=20):
    """Submitted reports `user` may read, newest day first; `before` = (date, id) of the last row shown."""
    qs = visible_reports(user).exclude(status=Status.DRAFT).select_related("author", "confirmed_by")
    if author_id:
        qs = qs.filter(author_id=author_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if status:
        if status not in (Status.SUBMITTED, Status.CONFIRMED):
            raise ValidationFailed(field_errors={"status": [_("状態は submitted / confirmed のいずれかです。")]})
        qs = qs.filter(status=status)
    if since:
        qs = qs.filter(date__gte=since)
    if until:
        qs = qs.filter(date__lte=until)
    if before:
        day, pk = before
        qs = qs.filter(Q(date__lt=day) | Q(date=day, pk__lt=pk))
    return list(qs.annotate(comment_count=Count("comments")).order_by("-date", "-id")[:limit])


# --- writing --------------------------------------------------------------------------------------------------
def _clean_day(day, errors: Errors) -> date | None:
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            errors.add("date", _("日付は YYYY-MM-DD の形式で指定してください。"))
            return None
    if not isinstance(day, date):
        errors.add("date", _("日付を指定してください。"))
        return None
    if day > timezone.localdate():
        errors.add("date", _("未来の日付の日報は書けません。"))
    return day


def _clean(data: dict, errors: Errors) -> dict:
    out = {}
    for key, label in (("impressions", _("所感")), ("plan", _("明日の予定"))):
        if key in data:
            out[key] = text(data, key, MAX_TEXT, errors, label=label)
    if data.get("visibility"):  # empty: unchanged (team for a new report)
        if data["visibility"] not in (Visibility.TEAM, Visibility.PRIVATE):
            errors.add("visibility", _("公開範囲は team（チーム内）か private（自分と上長のみ）です。"))
        else:
            out["visibility"] = data["visibility"]
    return out


def _fields() -> list[str]:
    return ["status", "impressions", "plan", "visibility", "summary"]


def _snapshot(report) -> dict:
    return {f: getattr(report, f) for f in _fields()}


def _freeze(report: DailyReport, draft: Draft) -> None:
    """Store the draft's items as references, and its text for search and reading."""
    report.items.all().delete()
    DailyReportItem.objects.bulk_create(
        [DailyReportItem(report=report, kind=line.kind, object_id=line.object_id, position=i)
         for i, line in enumerate(draft.lines)]
    )  # fmt: skip
    report.summary = report_drafts.summary_text(draft)


def _existing(actor, day) -> DailyReport | None:
    return DailyReport.objects.alive().filter(author=actor, date=day).first()


def save_report(*, actor, day, data: dict, submit: bool, expected_version=None) -> DailyReport:
    """Keep 所感 and 明日の予定 as a draft, or submit the day (draft items frozen as references). Submitting with
    nothing typed is allowed: one click when the day speaks for itself. A submitted report may be corrected by its
    author until it is confirmed (it keeps its items; `expected_version` guards against lost updates)."""
    require_writer(actor, "daily_report", "create")
    errors = Errors()
    day = _clean_day(day, errors)
    values = _clean(data, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            report = _existing(actor, day)
            if report is None:
                visibility = values.get("visibility", Visibility.TEAM)
                report = DailyReport(author=actor, date=day, owner=actor, team=actor.team, created_by=actor,
                                     updated_by=actor, visibility=visibility)  # fmt: skip
                before = {}
            else:
                report = lock(report)
                check_version(report, expected_version)
                if report.status == Status.CONFIRMED:
                    raise Conflict(_("確認済みの日報は変更できません。"))
                before = _snapshot(report)
                touch(report, actor)
            for key, value in values.items():
                setattr(report, key, value)
            first_submit = submit and report.status == Status.DRAFT
            if first_submit:
                report.status = Status.SUBMITTED
                report.submitted_at = timezone.now()
            report.save()
            if first_submit or (not submit and report.status == Status.DRAFT):
                _freeze(report, build_draft(actor, day))
                report.save(update_fields=["summary"])
            action = "create" if not before else ("daily_report.submit" if first_submit else "update")
            audit.record(actor=actor, action=action, obj=report, changes=audit.diff(before, _snapshot(report)))
    except IntegrityError:  # the same day saved twice at once: the other request won
        raise Conflict(_("この日の日報はすでに保存されています。再読み込みしてください。")) from None
    _index(report)
    return report


def submit_report(*, actor, day, data: dict) -> DailyReport:
    """Submit the day (API): a day already submitted is a conflict (change it with update_report)."""
    errors = Errors()
    clean = _clean_day(day, errors)
    errors.raise_if_any()
    existing = _existing(actor, clean)
    if existing is not None and existing.status != Status.DRAFT:
        raise Conflict(_("この日の日報は提出済みです。変更するには PATCH で更新してください。"))
    return save_report(actor=actor, day=clean, data=data, submit=True)


def update_report(*, actor, report: DailyReport, data: dict, expected_version=None) -> DailyReport:
    if report.author_id == actor.pk and report.status == Status.CONFIRMED:
        raise Conflict(_("確認済みの日報は変更できません。"))
    if not may_edit(actor, report):
        raise PermissionDenied(_("日報を直せるのは、確認前の本人だけです。"))
    return save_report(actor=actor, day=report.date, data=data, submit=False, expected_version=expected_version)


def confirm_report(*, actor, report: DailyReport) -> DailyReport:
    if not may_review(actor, report):
        raise PermissionDenied(_("日報を確認できるのは、作成者のチームのマネージャーと管理者です。"))
    if report.status == Status.DRAFT:
        raise Conflict(_("提出されていない日報は確認できません。"))
    if report.status == Status.CONFIRMED:
        return report
    with transaction.atomic():
        report = lock(report)
        before = _snapshot(report)
        report.status, report.confirmed_by, report.confirmed_at = Status.CONFIRMED, actor, timezone.now()
        touch(report, actor)
        report.save()
        audit.record(actor=actor, action="daily_report.confirm", obj=report,
                     changes=audit.diff(before, _snapshot(report)))  # fmt: skip
    notify([report.author], Notice(NOTICE_KIND, _("日報 %(date)s が確認されました") % {"date": report.date},
                                   url=report.get_absolute_url(), obj=report, actor=actor))  # fmt: skip
    return report


def add_comment(*, actor, report: DailyReport, data: dict) -> ReportComment:
    if not may_comment(actor, report):
        raise PermissionDenied(_("この日報にはコメントできません。"))
    errors = Errors()
    body = text(data, "body", MAX_TEXT, errors, required=True, label=_("コメント"))
    errors.raise_if_any()
    with transaction.atomic():
        comment = ReportComment.objects.create(report=report, author=actor, body=body, created_by=actor,
                                               updated_by=actor)  # fmt: skip
        audit.record(actor=actor, action="daily_report.comment", obj=report, changes={"comment": [None, body]})
    if actor.pk == report.author_id:  # the author answers: tell the reviewers who commented
        ids = set(report.comments.exclude(author_id=actor.pk).values_list("author_id", flat=True))
        recipients = [c.author for c in report.comments.filter(author_id__in=ids).select_related("author")]
        recipients = list({u.pk: u for u in recipients}.values())
    else:
        recipients = [report.author]
    title = _("日報 %(date)s に%(name)sさんがコメントしました") % {"date": report.date, "name": actor}
    notify(recipients, Notice(NOTICE_KIND, title, body=body[:200], url=report.get_absolute_url(), obj=report,
                              actor=actor))  # fmt: skip
    return comment


def _index(report: DailyReport) -> None:
    from ..report_search import index_report

    index_report(report)


# --- the week -------------------------------------------------------------------------------------------------
@dataclass
class Week:
    author: object
    start: date
    days: list[tuple[date, DailyReport | None]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # items per kind over the week's reports
    activity_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def submitted(self) -> int:
        return sum(1 for _d, r in self.days if r is not None and r.status != Status.DRAFT)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(reader, author, start: date) -> Week:
    """週報: the author's seven days from Monday `start`, as `reader` may read them, with the week's totals."""
    from kizuna.timeline.models import Activity

    start = week_of(start)
    week = Week(author, start)
    rows = {r.date: r for r in visible_reports(reader).filter(author=author, date__gte=start,
                                                               date__lte=start + timedelta(days=6))}  # fmt: skip
    week.days = [(start + timedelta(days=i), rows.get(start + timedelta(days=i))) for i in range(7)]
    reports = [r for r in rows.values() if r.status != Status.DRAFT or r.author_id == reader.pk]
    if reports:
        per_kind = DailyReportItem.objects.filter(report__in=reports).values("kind").annotate(n=Count("id"))
        week.counts = {row["kind"]: row["n"] for row in per_kind}
        cited = DailyReportItem.objects.filter(report__in=reports, kind=DailyReportItem.Kind.ACTIVITY)
        kinds = (Activity.objects.visible_to(reader).filter(pk__in=cited.values("object_id"))
                 .values("kind").annotate(n=Count("id")))  # fmt: skip
        labels = dict(Activity.Kind.choices)
        week.activity_kinds = {str(labels.get(row["kind"], row["kind"])): row["n"] for row in kinds}
    return week
