"""SLA: business calendars, policies, each ticket's SLA clock (`TicketSla`, one row per ticket, kept beside the
ticket so the ticket code stays unaware of it) and the breach history (`SlaEvent`)."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as tz
from django.utils.translation import gettext_lazy as _

from ..sla import calendar as cal
from .tickets import Ticket


def default_hours():
    return {str(d): [[540, 720], [780, 1080]] for d in range(5)} | {"5": [], "6": []}


class BusinessCalendar(models.Model):
    """営業カレンダー: weekly hours ({"0": [[540, 720], [780, 1080]], …}, Monday = "0", minutes from midnight)."""

    name = models.CharField(_("名前"), max_length=100, unique=True)
    timezone = models.CharField(_("タイムゾーン"), max_length=50, default="Asia/Tokyo")
    hours = models.JSONField(_("営業時間"), default=default_hours)
    national_holidays = models.BooleanField(_("国民の祝日を休業日にする"), default=True)
    year_end_closed = models.BooleanField(_("年末年始（12/29〜1/3）を休業日にする"), default=True)
    is_default = models.BooleanField(_("既定のカレンダー"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=tz.now, editable=False)
    updated_at = models.DateTimeField(default=tz.now)

    class Meta:
        verbose_name = _("営業カレンダー")
        verbose_name_plural = _("営業カレンダー")
        ordering = ["-is_default", "name"]

    def __str__(self):
        return self.name

    def weekly(self) -> tuple:
        return tuple(cal.normalize_intervals(self.hours.get(str(d), [])) for d in range(7))

    def as_calendar(self) -> cal.Calendar:
        closed, opened = set(), {}
        for day in self.days.all():
            if day.kind == CalendarDay.Kind.CLOSED:
                closed.add(day.date)
            else:
                opened[day.date] = cal.normalize_intervals(day.hours) if day.hours else _first_hours(self.weekly())
        return cal.Calendar(hours=self.weekly(), tz=ZoneInfo(self.timezone), national_holidays=self.national_holidays,
                            year_end_closed=self.year_end_closed, closed_days=frozenset(closed),
                            open_days=opened)  # fmt: skip


def _first_hours(weekly: tuple) -> tuple:
    return next((h for h in weekly if h), ())


class CalendarDay(models.Model):
    """A company's own exception: a closed day (創立記念日, 夏季休業) or an extra working day (土曜出勤)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("休業日")
        OPEN = "open", _("臨時営業日")

    calendar = models.ForeignKey(BusinessCalendar, models.CASCADE, related_name="days")
    date = models.DateField(_("日付"))
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    hours = models.JSONField(_("営業時間"), default=list, blank=True)  # extra working day: its hours (empty = usual)
    note = models.CharField(_("メモ"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("休業日・臨時営業日")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_calendar_day_once")]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class SlaPolicy(models.Model):
    """Targets in business minutes for the tickets it matches. Policies are tried in `position` order; the first
    whose conditions (empty = any) all hold applies. The customer tier is read from the ticket's company:
    `company.custom[TIER_FIELD]` (a custom field of companies, so admins define the tiers themselves)."""

    name = models.CharField(_("名前"), max_length=100)
    position = models.PositiveIntegerField(_("順番"), default=0)
    active = models.BooleanField(_("有効"), default=True)
    priority = models.CharField(_("優先度"), max_length=10, choices=Ticket.Priority.choices, blank=True)
    category = models.CharField(_("カテゴリ"), max_length=60, blank=True)
    customer_tier = models.CharField(_("顧客ランク"), max_length=60, blank=True)
    calendar = models.ForeignKey(BusinessCalendar, models.PROTECT, related_name="policies",
                                 verbose_name=_("営業カレンダー"))  # fmt: skip
    first_response_minutes = models.PositiveIntegerField(_("初回応答（営業分）"), null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(_("次回応答（営業分）"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("解決（営業分）"), null=True, blank=True)
    warn_before_minutes = models.PositiveIntegerField(_("警告（期限の何営業分前）"), default=30)
    escalate_to_manager = models.BooleanField(_("違反時にチームのマネージャーへ担当替え"), default=False)
    escalation_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("違反時の担当替え先"))  # fmt: skip
    raise_priority = models.BooleanField(_("違反時に優先度を1段上げる"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=tz.now, editable=False)

    TIER_FIELD = "sla_tier"

    class Meta:
        verbose_name = _("SLAポリシー")
        verbose_name_plural = _("SLAポリシー")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("初回応答")
    NEXT_RESPONSE = "next_response", _("次回応答")
    RESOLUTION = "resolution", _("解決")


class TicketSla(models.Model):
    """A ticket's SLA clock. `check_at` is the next moment the worker must look at the ticket (a warning or a
    breach), null when nothing is pending or the clock is paused; the worker reads `active, check_at` by index."""

    ticket = models.OneToOneField(Ticket, models.CASCADE, primary_key=True, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, default="new")  # the ticket status the clock last saw
    active = models.BooleanField(default=True)  # false while 顧客待ち, resolved or closed
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_minutes = models.FloatField(default=0)  # business minutes spent paused
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_business_minutes = models.FloatField(null=True, blank=True)
    next_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_business_minutes = models.FloatField(null=True, blank=True)
    first_response_breached = models.BooleanField(default=False)
    next_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    warned = models.JSONField(default=list, blank=True)  # targets warned about for their current due time
    check_at = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)  # the last outbox event applied (events come at least once)
    updated_at = models.DateTimeField(default=tz.now)

    class Meta:
        indexes = [
            models.Index(fields=["check_at"], condition=Q(active=True), name="ticket_sla_check_idx"),
            models.Index(fields=["policy"], name="ticket_sla_policy_idx"),
        ]

    def __str__(self):
        return f"SLA #{self.pk}"

    def dues(self) -> dict[str, object]:
        return {Target.FIRST_RESPONSE: self.first_response_due, Target.NEXT_RESPONSE: self.next_response_due,
                Target.RESOLUTION: self.resolution_due}  # fmt: skip


class SlaEvent(models.Model):
    """Breach history: one row per warning or breach of one target of one ticket, with what was done about it."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("期限間近")
        BREACH = "breach", _("違反")

    ticket = models.ForeignKey(Ticket, models.CASCADE, related_name="sla_events")
    policy = models.ForeignKey(SlaPolicy, models.SET_NULL, null=True, blank=True, related_name="+")
    target = models.CharField(_("対象"), max_length=20, choices=Target.choices)
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField(_("期限"))
    warned_at = models.DateTimeField(_("警告日時"), null=True, blank=True)
    breached_at = models.DateTimeField(_("違反日時"), null=True, blank=True)
    actions = models.JSONField(_("対応"), default=list, blank=True)  # ["notified:3,7", "reassigned:7", "priority:high"]
    created_at = models.DateTimeField(default=tz.now, editable=False)

    class Meta:
        verbose_name = _("SLA履歴")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "-created_at"], name="sla_event_ticket_idx")]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "kind", "due_at"], name="sla_event_once"),
        ]

    def __str__(self):
        return f"{self.get_target_display()} {self.get_kind_display()}"
