"""日報 (daily reports): one per author and day, drafted from what the system already knows about the day.

A report cites the day's records by reference (`DailyReportItem`: an activity, a finished or upcoming task, a deal's
stage change) so that an activity's page can say which report mentions it, and keeps a frozen `summary` text of
the day as submitted (what the manager read), which is also what search indexes.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import TrackedModel, VisibleModel


class DailyReport(VisibleModel):
    permission_type = "daily_report"  # which role permissions apply (core.permissions)

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        SUBMITTED = "submitted", _("提出済み")
        CONFIRMED = "confirmed", _("確認済み")

    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("作成者"))
    date = models.DateField(_("日付"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    impressions = models.TextField(_("所感"), blank=True)
    plan = models.TextField(_("明日の予定"), blank=True)
    summary = models.TextField(_("本日の活動"), blank=True)  # the cited items as text, frozen at submission
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("確認者")
    )
    confirmed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("日報")
        verbose_name_plural = _("日報")
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["author", "date"], name="daily_report_author_date")]
        indexes = [
            models.Index(fields=["team", "-date", "-id"], name="daily_report_team_idx"),
            models.Index(fields=["-date", "-id"], name="daily_report_date_idx"),
        ]

    def __str__(self):
        return _("日報 %(date)s %(author)s") % {"date": self.date.isoformat(), "author": self.author}

    def get_absolute_url(self):
        return reverse("sales:daily_report", args=[self.pk])


class DailyReportItem(models.Model):
    """A record a report cites. `kind` says which table `object_id` points into."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("活動")
        STAGE_CHANGE = "stage_change", _("商談の進捗")
        TASK_DONE = "task_done", _("完了したタスク")
        TASK_DUE = "task_due", _("明日のタスク")

    report = models.ForeignKey(DailyReport, models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "kind", "object_id"], name="daily_report_item_once")]
        indexes = [models.Index(fields=["kind", "object_id"], name="daily_report_item_obj_idx")]

    def __str__(self):
        return f"{self.kind} #{self.object_id}"


class ReportComment(TrackedModel):
    report = models.ForeignKey(DailyReport, models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("投稿者"))
    body = models.TextField(_("コメント"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("日報コメント")
        ordering = ["at", "id"]

    def __str__(self):
        return self.body[:40]

    @property
    def access_parent(self):
        return self.report
