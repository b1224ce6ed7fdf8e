"""Targets, KPI definitions, the sales settings (fiscal year, 停滞 threshold) and monthly reviews (PDCA Check/Act).

A target belongs to exactly one rep or one team for one month (the first day of the month) and one metric: `revenue`
(受注金額, whole yen tax-exclusive) or the key of a KPI definition (a count). What an activity KPI counts is the
admins' choice (KpiDefinition); see docs/dev/sales-analytics.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REVENUE = "revenue"


class SalesSettings(models.Model):
    """The organisation's sales settings: one row (pk=1), edited by admins in 設定 → 売上分析."""

    fiscal_year_start_month = models.PositiveSmallIntegerField(_("期首月"), default=4)
    stale_days = models.PositiveSmallIntegerField(_("停滞とみなす日数"), default=14)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("売上分析の設定")
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="sales_settings_fy_month",
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "SalesSettings":
        """The stored row, or the defaults when no admin has saved one yet (reading never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class KpiDefinition(models.Model):
    """What an activity KPI counts in a month, per rep (and per team as the distinct records of its members)."""

    class Measure(models.TextChoices):
        ACTIVITIES = "activities", _("活動の件数（種類で絞り込み）")
        SITE_VISITS = "site_visits", _("現場同席（技術メンバーが同行した活動）")
        NEW_DEALS = "new_deals", _("新規商談の件数")
        STAGE_ENTERED = "stage_entered", _("ステージに進んだ商談の件数")

    key = models.SlugField(_("キー"), max_length=40, unique=True)
    name = models.CharField(_("名前"), max_length=60)
    measure = models.CharField(_("数え方"), max_length=20, choices=Measure.choices)
    activity_kinds = models.JSONField(_("対象の活動の種類"), default=list, blank=True)
    stage = models.ForeignKey(
        "sales.Stage", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ステージ")
    )
    min_participants = models.PositiveSmallIntegerField(_("自社参加者の最少人数"), default=2)
    technical_team = models.ForeignKey(
        "accounts.Team", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("技術チーム")
    )
    technical_role = models.CharField(_("技術ロール"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("有効"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("KPI定義")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Target(models.Model):
    """One rep's or one team's target for one month and one metric."""

    month = models.DateField(_("月"))  # the first day of the month
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("担当者")
    )
    team = models.ForeignKey(
        "accounts.Team", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("チーム")
    )
    metric = models.CharField(_("指標"), max_length=40)  # REVENUE or a KpiDefinition key
    value = models.BigIntegerField(_("目標値"))
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("目標")
        ordering = ["month", "metric", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="target_one_subject",
            ),
            models.UniqueConstraint(fields=["month", "user", "metric"], condition=Q(user__isnull=False),
                                    name="target_user_once"),
            models.UniqueConstraint(fields=["month", "team", "metric"], condition=Q(team__isnull=False),
                                    name="target_team_once"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["metric", "month"], name="target_metric_month_idx")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.metric} {self.value}"


class MonthlyReview(models.Model):
    """The Check and Act of a month for a rep or a team: plan and result (a snapshot of the numbers when saved),
    the gaps as the people saw them, and the next actions agreed (tasks created through the timeline)."""

    month = models.DateField(_("月"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("担当者")
    )
    team = models.ForeignKey(
        "accounts.Team", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("チーム")
    )
    snapshot = models.JSONField(_("計画と実績"), default=dict, blank=True)
    gaps = models.TextField(_("差異と要因"), blank=True)
    actions = models.TextField(_("次のアクション（合意事項）"), blank=True)
    tasks = models.ManyToManyField("timeline.FollowUp", blank=True, related_name="+", verbose_name=_("タスク"))
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("月次レビュー")
        ordering = ["-month", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="review_one_subject",
            ),
            models.UniqueConstraint(fields=["month", "user"], condition=Q(user__isnull=False),
                                    name="review_user_once"),
            models.UniqueConstraint(fields=["month", "team"], condition=Q(team__isnull=False),
                                    name="review_team_once"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.month:%Y-%m}"
