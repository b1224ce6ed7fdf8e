"""Customer journey (seed 004): where each company and person stands on 認知 → 興味・関心 → 比較・検討 → 購入 →
継続・リピート, every change kept (so funnel counts can be drawn for any past month), and saved segments.

A record without a `Lifecycle` row stands at 認知 (we know of them). Stages advance automatically from deal events
(sales.services.journey.handle_event) and can be set by hand; both write a `LifecycleChange` and an audit row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Company, Person
from kizuna.core.models import TrackedModel


class JourneyStage(models.TextChoices):
    AWARENESS = "awareness", _("認知")
    INTEREST = "interest", _("興味・関心")
    CONSIDERATION = "consideration", _("比較・検討")
    PURCHASE = "purchase", _("購入")
    REPEAT = "repeat", _("継続・リピート")


STAGE_ORDER = {value: i for i, value in enumerate(JourneyStage.values)}


class Lifecycle(models.Model):
    """The current stage of one company or one person (exactly one of the two)."""

    company = models.OneToOneField(Company, models.CASCADE, null=True, blank=True, related_name="lifecycle")
    person = models.OneToOneField(Person, models.CASCADE, null=True, blank=True, related_name="lifecycle")
    stage = models.CharField(_("ライフサイクル"), max_length=20, choices=JourneyStage.choices,
                             default=JourneyStage.AWARENESS, db_index=True)  # fmt: skip
    changed_at = models.DateTimeField(default=timezone.now)
    manual = models.BooleanField(default=False)  # last set by hand

    class Meta:
        verbose_name = _("ライフサイクル")
        constraints = [
            models.CheckConstraint(
                condition=(Q(company__isnull=False) & Q(person__isnull=True))
                | (Q(company__isnull=True) & Q(person__isnull=False)),
                name="lifecycle_one_subject",
            )
        ]

    def __str__(self):
        return f"{self.company or self.person}: {self.get_stage_display()}"


class LifecycleChange(models.Model):
    """One move; `object_type` is company or person. Funnel counts over time are read from these rows."""

    class Cause(models.TextChoices):
        AUTO = "auto", _("自動（商談）")
        MANUAL = "manual", _("手動")

    object_type = models.CharField(max_length=10)
    object_id = models.BigIntegerField()
    from_stage = models.CharField(max_length=20, choices=JourneyStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=JourneyStage.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    cause = models.CharField(max_length=10, choices=Cause.choices, default=Cause.AUTO)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="lifecycle_change_obj_idx"),
            models.Index(fields=["object_type", "at"], name="lifecycle_change_at_idx"),
        ]

    def __str__(self):
        return f"{self.object_type}#{self.object_id}: {self.from_stage} → {self.to_stage}"


class Segment(TrackedModel):
    """A saved filter over people or companies: {"q", "owner", "tag", "prefecture", "industry", "custom": {...},
    "lifecycle": [...], "ltv_min", "ltv_max", "contact_within_days", "no_contact_days"}."""

    class ObjectType(models.TextChoices):
        COMPANY = "company", _("会社")
        PERSON = "person", _("人")

    name = models.CharField(_("名前"), max_length=100)
    object_type = models.CharField(_("対象"), max_length=10, choices=ObjectType.choices)
    filters = models.JSONField(_("条件"), default=dict, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("作成者"))
    shared = models.BooleanField(_("全員に公開"), default=False)

    class Meta:
        verbose_name = _("セグメント")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name
