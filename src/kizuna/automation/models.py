"""Automation rules: a trigger (a domain event, or the clock) and conditions on the record → ordered actions.

A rule acts as its owner (the admin or manager who made it), on the records of its team when it has one. Every run
is kept (`RuleRun`: which record, which event, what each action did or why it failed); time-based rules keep a
ledger (`RuleMatch`) so that each record fires at most once per rule per period."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    name = models.CharField(_("名前"), max_length=100)
    description = models.CharField(_("説明"), max_length=300, blank=True)
    trigger = models.CharField(_("きっかけ"), max_length=80, db_index=True)  # an event type or a time trigger
    days = models.PositiveIntegerField(_("日数"), null=True, blank=True)  # time triggers: how long (90 days)
    conditions = models.JSONField(_("条件"), default=list, blank=True)  # [{"field", "op", "value"}], all must hold
    actions = models.JSONField(_("アクション"), default=list)  # [{"action": key, "params": {...}}], in order
    enabled = models.BooleanField(_("有効"), default=True)
    position = models.PositiveIntegerField(_("順序"), default=0, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("実行ユーザー")
    )  # the rule's writes are made as this user, with their permissions
    team = models.ForeignKey(
        "accounts.Team", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("対象チーム")
    )  # set: only records of this team (a manager's rules); empty: every record (administrators' rules)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("自動化ルール")
        indexes = [models.Index(fields=["trigger", "enabled", "position"], name="rule_trigger_idx")]

    def __str__(self):
        return self.name

    @property
    def source(self) -> str:
        """What the events of this rule's own writes carry as their origin (loop protection)."""
        return f"rule:{self.pk}"

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'


class RuleRun(models.Model):
    """One run of a rule on one record: what each action did, or the error that stopped it."""

    class Status(models.TextChoices):
        OK = "ok", _("成功")
        ERROR = "error", _("失敗")

    rule = models.ForeignKey(Rule, models.CASCADE, related_name="runs")
    event_id = models.UUIDField(null=True, blank=True)  # the OutboxEvent's event_id; empty for the clock's runs
    event_type = models.CharField(max_length=80, blank=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=300, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OK)
    results = models.JSONField(default=list)  # [{"action", "label", "status": ok|error|skipped, "message"}]
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            # An event handed out twice (at-least-once delivery) runs each rule once.
            models.UniqueConstraint(
                fields=["rule", "event_id"], condition=Q(event_id__isnull=False), name="rulerun_event_once"
            )
        ]
        indexes = [models.Index(fields=["rule", "-at"], name="rulerun_rule_idx")]

    def __str__(self):
        return f"{self.rule_id} {self.object_type}#{self.object_id} {self.status}"


class RuleMatch(models.Model):
    """The ledger of time-based rules: this record fired for this rule in this period (the day of the last contact,
    the task's due date), so the clock does not fire it again every run."""

    rule = models.ForeignKey(Rule, models.CASCADE, related_name="matches")
    object_pk = models.BigIntegerField()
    period = models.DateField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "object_pk", "period"], name="rulematch_once_per_period")
        ]

    def __str__(self):
        return f"{self.rule_id} #{self.object_pk} {self.period}"
