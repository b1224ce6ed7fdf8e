"""The sales process: pipelines and their stages, deals (案件・商談) with the people in them, line items, products.

Amounts are whole yen, tax-exclusive; tax is worked out per document (see quotes) so one rounding applies per rate.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Company, Person
from kizuna.core.models import TrackedModel, VisibleModel


class TaxRate(models.TextChoices):
    STANDARD = "10", _("10%")
    REDUCED = "8", _("8%（軽減税率）")
    EXEMPT = "0", _("非課税・対象外")


class Pipeline(TrackedModel):
    """A team's sequence of stages. The default pipeline (team empty) serves teams without their own."""

    name = models.CharField(_("名前"), max_length=100)
    team = models.ForeignKey(
        "accounts.Team", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("チーム")
    )
    is_default = models.BooleanField(_("既定"), default=False)

    class Meta:
        verbose_name = _("パイプライン")
        verbose_name_plural = _("パイプライン")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline")
        ]

    def __str__(self):
        return self.name


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("進行中")
        WON = "won", _("受注")
        LOST = "lost", _("失注")

    pipeline = models.ForeignKey(Pipeline, models.CASCADE, related_name="stages")
    name = models.CharField(_("名前"), max_length=60)
    order = models.PositiveSmallIntegerField(_("順番"), default=0)
    probability = models.PositiveSmallIntegerField(_("確度（%）"), default=0)
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices, default=Kind.OPEN)

    class Meta:
        verbose_name = _("ステージ")
        verbose_name_plural = _("ステージ")
        ordering = ["pipeline_id", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_percent"),
        ]

    def __str__(self):
        return self.name


class DealSource(models.TextChoices):
    TRADE_SHOW = "trade_show", _("展示会")
    REFERRAL = "referral", _("紹介")
    WEB = "web", _("Web")
    EXISTING = "existing", _("既存深耕")
    OUTBOUND = "outbound", _("新規開拓")
    PARTNER = "partner", _("代理店・パートナー")
    OTHER = "other", _("その他")


class Deal(VisibleModel):
    permission_type = "deal"  # which role permissions apply (core.permissions)

    title = models.CharField(_("案件名"), max_length=200)
    company = models.ForeignKey(Company, models.PROTECT, related_name="deals", verbose_name=_("会社"))
    pipeline = models.ForeignKey(Pipeline, models.PROTECT, related_name="deals", verbose_name=_("パイプライン"))
    stage = models.ForeignKey(Stage, models.PROTECT, related_name="deals", verbose_name=_("ステージ"))
    stage_entered_at = models.DateTimeField(_("ステージ開始日時"), default=timezone.now)
    amount = models.BigIntegerField(_("金額（税抜・円）"), default=0)
    tax_rate = models.CharField(_("消費税率"), max_length=3, choices=TaxRate.choices, default=TaxRate.STANDARD)
    # None: the stage's probability applies; a number overrides it for this deal.
    probability = models.PositiveSmallIntegerField(_("確度（%）"), null=True, blank=True)
    expected_close_on = models.DateField(_("受注予定日"), null=True, blank=True)
    next_step = models.CharField(_("次のアクション"), max_length=200, blank=True)
    next_step_due = models.DateField(_("次のアクション期日"), null=True, blank=True)
    source = models.CharField(_("引合元"), max_length=20, choices=DealSource.choices, blank=True)
    competitors = models.CharField(_("競合"), max_length=300, blank=True)
    lost_reason = models.CharField(_("失注理由"), max_length=300, blank=True)
    won_on = models.DateField(_("受注日"), null=True, blank=True)
    closed_at = models.DateTimeField(_("クローズ日時"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("最終活動日時"), null=True, blank=True)
    people = models.ManyToManyField(Person, through="DealContact", related_name="deals", verbose_name=_("関係者"))
    custom = models.JSONField(_("カスタム項目"), default=dict, blank=True, editable=False)  # kizuna.customfields

    class Meta:
        verbose_name = _("商談")
        verbose_name_plural = _("商談")
        indexes = [
            models.Index(fields=["stage", "-updated_at"], name="deal_stage_idx"),
            models.Index(fields=["owner", "expected_close_on"], name="deal_owner_close_idx"),
            models.Index(fields=["expected_close_on"], name="deal_close_idx"),
            models.Index(fields=["won_on"], name="deal_won_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("sales:deal_detail", args=[self.pk])

    @property
    def effective_probability(self) -> int:
        return self.stage.probability if self.probability is None else self.probability

    @property
    def tax_amount(self) -> int:
        return int(Decimal(self.amount) * Decimal(self.tax_rate) / 100)


class DealContact(models.Model):
    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("決裁者")
        OWNER = "owner", _("担当者")
        INFLUENCER = "influencer", _("影響者")
        CONTACT = "contact", _("窓口")

    deal = models.ForeignKey(Deal, models.CASCADE, related_name="contacts")
    person = models.ForeignKey(Person, models.CASCADE, related_name="deal_roles")
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, default=Role.CONTACT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deal", "person"], name="deal_contact_once")]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class DealStageChange(models.Model):
    """One move between stages, with how long the deal sat in the stage it left."""

    deal = models.ForeignKey(Deal, models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, models.SET_NULL, null=True, blank=True, related_name="+")
    to_stage = models.ForeignKey(Stage, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    seconds_in_from_stage = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["deal", "at"], name="deal_stage_change_idx")]

    def __str__(self):
        return f"{self.from_stage} → {self.to_stage}"


class Product(TrackedModel):
    code = models.CharField(_("品番"), max_length=60, unique=True)
    name = models.CharField(_("品名"), max_length=200)
    unit = models.CharField(_("単位"), max_length=20, default="個")
    unit_price = models.BigIntegerField(_("単価（税抜・円）"), default=0)
    tax_rate = models.CharField(_("消費税率"), max_length=3, choices=TaxRate.choices, default=TaxRate.STANDARD)
    active = models.BooleanField(_("販売中"), default=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class DealLine(models.Model):
    """A product (or a free line) on a deal; the deal's amount is their sum when it has lines."""

    deal = models.ForeignKey(Deal, models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("品名"), max_length=200)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2, default=1)
    unit = models.CharField(_("単位"), max_length=20, blank=True)
    unit_price = models.BigIntegerField(_("単価"), default=0)
    discount = models.BigIntegerField(_("値引"), default=0)
    tax_rate = models.CharField(_("消費税率"), max_length=3, choices=TaxRate.choices, default=TaxRate.STANDARD)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def subtotal(self) -> int:
        return int(self.quantity * self.unit_price) - self.discount
