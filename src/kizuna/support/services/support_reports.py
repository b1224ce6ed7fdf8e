"""Support reports: volume by channel, call reason and hour; first response and resolution times in business
minutes; SLA attainment; backlog age; first-contact resolution; AHT of calls; CSAT by agent and team; VOC tag
trends. Every number is one aggregate query over `Ticket.objects.visible_to(user)`, and every
number has a drill-down: `tickets(user, period, metric, key)` returns the tickets behind it with the same filter."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, FloatField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, ExtractHour
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from ..models import ChannelKind, Message, Ticket

JST = ZoneInfo("Asia/Tokyo")
OPEN = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING)
DONE = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
NONE = "none"
# (key, label, lower bound in days, upper bound in days) of open tickets' age.
AGE_BUCKETS = (("d1", _l("1日未満"), 0, 1), ("d3", _l("1〜3日"), 1, 3), ("d7", _l("3〜7日"), 3, 7),
               ("d30", _l("7〜30日"), 7, 30), ("older", _l("30日以上"), 30, None))  # fmt: skip
DURATION_KEYS = ("duration", "duration_seconds")  # where a call's length in seconds is kept in Message.meta


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """[start, end] as local dates (JST), both included."""

    start: date
    end: date

    @classmethod
    def parse(cls, start: str = "", end: str = "", *, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        try:
            first = date.fromisoformat(start.replace("/", "-")) if start else today - timedelta(days=29)
            last = date.fromisoformat(end.replace("/", "-")) if end else today
        except ValueError as exc:
            raise PeriodError(_("期間の日付は 2026-04-01 のように入力してください。")) from exc
        if first > last:
            raise PeriodError(_("期間の開始が終了より後になっています。"))
        if (last - first).days > 366 * 2:
            raise PeriodError(_("期間は2年以内で指定してください。"))
        return cls(first, last)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=JST)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=JST)

    def query(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _created(user, period: Period):
    return Ticket.objects.visible_to(user).filter(created_at__gte=period.since, created_at__lt=period.until)


def _resolved(user, period: Period):
    return Ticket.objects.visible_to(user).filter(resolved_at__gte=period.since, resolved_at__lt=period.until)


# --- volume --------------------------------------------------------------------------------------------------
def volume(user, period: Period) -> dict:
    qs = _created(user, period)
    kinds = dict(ChannelKind.choices)
    channels = qs.values("channel__kind").annotate(n=Count("id")).order_by("-n")
    by_channel = [{"key": row["channel__kind"] or NONE, "label": str(kinds.get(row["channel__kind"], _("なし"))),
                   "count": row["n"]} for row in channels]  # fmt: skip
    reasons = qs.values("call_reason", "call_reason__name", "call_reason__parent__name").annotate(n=Count("id"))
    by_reason = sorted(({"key": row["call_reason"] or NONE, "count": row["n"],
                         "label": " / ".join(filter(None, [row["call_reason__parent__name"], row["call_reason__name"]]))
                         or _("未設定")} for row in reasons), key=lambda r: -r["count"])  # fmt: skip
    hours = dict(qs.annotate(h=ExtractHour("created_at", tzinfo=JST)).values("h").annotate(n=Count("id"))
                 .values_list("h", "n"))  # fmt: skip
    by_hour = [{"key": h, "label": _("%(hour)d時") % {"hour": h}, "count": hours.get(h, 0)} for h in range(24)]
    return {"total": sum(r["count"] for r in by_channel), "by_channel": by_channel, "by_reason": by_reason,
            "by_hour": by_hour}  # fmt: skip


# --- times and SLA -------------------------------------------------------------------------------------------
def _percentile(qs, field: str, fraction: float):
    values = qs.filter(**{f"{field}__isnull": False})
    count = values.count()
    if not count:
        return None
    return values.order_by(field).values_list(field, flat=True)[min(count - 1, int(count * fraction))]


def times(user, period: Period) -> dict:
    """First response (tickets created in the period) and resolution (tickets resolved in it) in business minutes,
    paused time (顧客待ち) left out."""
    created, resolved = _created(user, period), _resolved(user, period)
    first = "sla__first_response_business_minutes"
    res = "sla__resolution_business_minutes"
    out = {}
    for key, qs, field in (("first_response", created, first), ("resolution", resolved, res)):
        agg = qs.aggregate(avg=Avg(field), n=Count("pk", filter=Q(**{f"{field}__isnull": False})))
        out[key] = {"count": agg["n"], "avg": _round(agg["avg"]), "p50": _round(_percentile(qs, field, 0.5)),
                    "p90": _round(_percentile(qs, field, 0.9))}  # fmt: skip
    return out


def _round(value):
    return None if value is None else round(value, 1)


def attainment(user, period: Period) -> list[dict]:
    """Per target: tickets whose due time fell in the period, how many were met and breached."""
    base = Ticket.objects.visible_to(user)
    rows = []
    for target, label in (("first_response", _("初回応答")), ("next_response", _("次回応答")),
                          ("resolution", _("解決"))):  # fmt: skip
        breached = f"sla__{target}_breached"
        if target == "next_response":  # next-response due times are cleared when met: count breaches only
            agg = base.filter(**{breached: True}, sla__updated_at__gte=period.since,
                              sla__updated_at__lt=period.until).aggregate(b=Count("pk"))  # fmt: skip
            rows.append({"target": target, "label": label, "total": None, "met": None, "breached": agg["b"],
                         "rate": None})  # fmt: skip
            continue
        met_at = "sla__first_response_at" if target == "first_response" else "sla__resolved_at"
        qs = base.filter(**{f"sla__{target}_due__gte": period.since, f"sla__{target}_due__lt": period.until})
        agg = qs.aggregate(
            breached=Count("pk", filter=Q(**{breached: True})),
            met=Count("pk", filter=Q(**{breached: False, f"{met_at}__isnull": False})),
        )
        total = agg["breached"] + agg["met"]
        rows.append({"target": target, "label": label, "total": total, "met": agg["met"], "breached": agg["breached"],
                     "rate": round(100 * agg["met"] / total, 1) if total else None})  # fmt: skip
    return rows


# --- backlog, FCR, calls ----------------------------------------------------------------------------------------
def _age_filter(lo, hi, now) -> Q:
    q = Q(created_at__lte=now - timedelta(days=lo))
    if hi is not None:
        q &= Q(created_at__gt=now - timedelta(days=hi))
    return q


def backlog(user, *, now=None) -> list[dict]:
    now = now or timezone.now()
    qs = Ticket.objects.visible_to(user).filter(status__in=OPEN)
    agg = qs.aggregate(**{key: Count("pk", filter=_age_filter(lo, hi, now)) for key, _label, lo, hi in AGE_BUCKETS})
    return [{"key": key, "label": str(label), "count": agg[key]} for key, label, _lo, _hi in AGE_BUCKETS]


def _fcr_qs(user, period: Period):
    return (
        _resolved(user, period)
        .annotate(replies=Count("messages", filter=Q(messages__direction=Message.Direction.OUTBOUND)))
        .filter(replies__lte=1)
    )


def first_contact_resolution(user, period: Period) -> dict:
    resolved = _resolved(user, period).count()
    fcr = _fcr_qs(user, period).count()
    return {"resolved": resolved, "fcr": fcr, "rate": round(100 * fcr / resolved, 1) if resolved else None}


def _calls(user, period: Period):
    tickets = Ticket.objects.visible_to(user).values("pk")
    seconds = Coalesce(*[Cast(KeyTextTransform(k, "meta"), FloatField()) for k in DURATION_KEYS])
    calls = Message.objects.filter(ticket__in=tickets, channel_kind=ChannelKind.PHONE, sent_at__gte=period.since,
                                   sent_at__lt=period.until)  # fmt: skip
    return calls.annotate(seconds=seconds).filter(seconds__gt=0)


def handle_time(user, period: Period) -> dict:
    """Average handle time of calls: the call messages' duration (seconds, in meta) by agent."""
    calls = _calls(user, period)
    agg = calls.aggregate(n=Count("pk"), avg=Avg("seconds"))
    by_agent = [{"key": r["author"] or NONE, "label": r["author__display_name"] or r["author__username"] or _("不明"),
                 "count": r["n"], "avg": _round(r["avg"])}
                for r in calls.values("author", "author__username", "author__display_name")
                .annotate(n=Count("pk"), avg=Avg("seconds")).order_by("-n")]  # fmt: skip
    return {"count": agg["n"], "avg": _round(agg["avg"]), "by_agent": by_agent}


# --- CSAT and VOC ---------------------------------------------------------------------------------------------
def csat(user, period: Period) -> dict:
    """Answered surveys (1–5) of visible tickets, answered in the period, by agent and by team."""
    from ..models import SurveyResponse

    answered = SurveyResponse.objects.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"),
                                             rating__isnull=False, answered_at__gte=period.since,
                                             answered_at__lt=period.until)  # fmt: skip
    agg = answered.aggregate(n=Count("pk"), avg=Avg("rating"), good=Count("pk", filter=Q(rating__gte=4)))
    by_agent = [{"key": r["agent"] or NONE, "label": r["agent__display_name"] or r["agent__username"] or _("不明"),
                 "count": r["n"], "score": _round(r["avg"])}
                for r in answered.values("agent", "agent__username", "agent__display_name")
                .annotate(n=Count("pk"), avg=Avg("rating")).order_by("-n")]  # fmt: skip
    by_team = [{"key": r["team"] or NONE, "label": r["team__name"] or _("なし"), "count": r["n"],
                "score": _round(r["avg"])}
               for r in answered.values("team", "team__name").annotate(n=Count("pk"), avg=Avg("rating"))
               .order_by("-n")]  # fmt: skip
    return {"count": agg["n"], "avg": _round(agg["avg"]),
            "satisfied": round(100 * agg["good"] / agg["n"], 1) if agg["n"] else None,
            "by_agent": by_agent, "by_team": by_team}  # fmt: skip


def week_of(moment: datetime) -> date:
    day = moment.astimezone(JST).date()
    return day - timedelta(days=day.weekday())


def voc_trends(user, period: Period, *, top: int = 6) -> dict:
    """The most frequent VOC tags and their count per week (Monday). Tags are a JSON list on the ticket, which
    neither database can group portably, so the (created_at, tags) pairs of the period are read in one query."""
    weeks: dict[date, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for created, tags in _created(user, period).exclude(tags=[]).values_list("created_at", "tags").iterator(2000):
        for tag in set(tags or []):
            weeks[week_of(created)][tag] += 1
            totals[tag] += 1
    first, last = week_of(period.since), week_of(period.until - timedelta(seconds=1))
    axis = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    tags = [tag for tag, _n in totals.most_common(top)]
    return {"weeks": axis, "series": [{"tag": t, "total": totals[t], "counts": [weeks[w][t] for w in axis]}
                                      for t in tags]}  # fmt: skip


# --- drill-down ------------------------------------------------------------------------------------------------
METRICS = ("channel", "reason", "hour", "first_response_met", "first_response_breached", "resolution_met",
           "resolution_breached", "next_response_breached", "backlog", "fcr", "resolved", "calls", "tag",
           "sla_breached", "csat")  # fmt: skip


def tickets(user, period: Period, metric: str, key: str = ""):
    """The tickets behind one number of the reports (same filter as its aggregate)."""
    if metric == "channel":
        return _created(user, period).filter(channel__isnull=True) if key == NONE else _created(user, period).filter(
            channel__kind=key)  # fmt: skip
    if metric == "reason":
        qs = _created(user, period)
        return qs.filter(call_reason__isnull=True) if key == NONE else qs.filter(call_reason_id=_int(key))
    if metric == "hour":
        return _created(user, period).annotate(h=ExtractHour("created_at", tzinfo=JST)).filter(h=_int(key))
    if metric in ("first_response_met", "first_response_breached", "resolution_met", "resolution_breached"):
        target, outcome = metric.rsplit("_", 1)
        met_at = "sla__first_response_at" if target == "first_response" else "sla__resolved_at"
        qs = Ticket.objects.visible_to(user).filter(**{f"sla__{target}_due__gte": period.since,
                                                       f"sla__{target}_due__lt": period.until})  # fmt: skip
        if outcome == "breached":
            return qs.filter(**{f"sla__{target}_breached": True})
        return qs.filter(**{f"sla__{target}_breached": False, f"{met_at}__isnull": False})
    if metric == "next_response_breached":
        return Ticket.objects.visible_to(user).filter(
            sla__next_response_breached=True, sla__updated_at__gte=period.since, sla__updated_at__lt=period.until
        )
    if metric == "sla_breached":  # every open ticket with a breach, whatever the period (the worker's summary)
        return Ticket.objects.visible_to(user).filter(status__in=OPEN).filter(
            Q(sla__first_response_breached=True) | Q(sla__next_response_breached=True)
            | Q(sla__resolution_breached=True))  # fmt: skip
    if metric == "backlog":
        bucket = next((b for b in AGE_BUCKETS if b[0] == key), None)
        if bucket is None:
            raise PeriodError(_("不明な区分です。"))
        return Ticket.objects.visible_to(user).filter(status__in=OPEN).filter(
            _age_filter(bucket[2], bucket[3], timezone.now()))  # fmt: skip
    if metric == "fcr":
        return _fcr_qs(user, period)
    if metric == "resolved":
        return _resolved(user, period)
    if metric == "calls":
        return Ticket.objects.visible_to(user).filter(pk__in=_calls(user, period).values("ticket_id"))
    if metric == "tag":
        return _tagged(user, period, key)
    if metric == "csat":  # answered surveys in the period, of one agent (key) or all
        from ..models import SurveyResponse

        surveys = SurveyResponse.objects.filter(rating__isnull=False, answered_at__gte=period.since,
                                                answered_at__lt=period.until)  # fmt: skip
        if key:
            surveys = surveys.filter(agent__isnull=True) if key == NONE else surveys.filter(agent_id=_int(key))
        return Ticket.objects.visible_to(user).filter(pk__in=surveys.values("ticket_id"))
    raise PeriodError(_("不明な集計です。"))


def _tagged(user, period: Period, tag: str):
    """Tickets with a VOC tag (the JSON list is matched in Python on ids: neither database's JSON containment is
    portable to both)."""
    ids = [pk for pk, tags in _created(user, period).exclude(tags=[]).values_list("pk", "tags").iterator(2000)
           if tag in (tags or [])]  # fmt: skip
    return Ticket.objects.visible_to(user).filter(pk__in=ids)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise PeriodError(_("不明な区分です。")) from exc


__all__ = [
    "Period",
    "PeriodError",
    "attainment",
    "backlog",
    "csat",
    "first_contact_resolution",
    "handle_time",
    "tickets",
    "times",
    "voc_trends",
    "volume",
]
