"""Quotes (見積書) for a deal: numbered per year, versioned (a new version is a new row pointing at the first),
with line items and totals under the qualified invoice rules (sales.tax); the issuer's details live in settings.

A quote is read and written through its deal: whoever sees the deal sees its quotes, whoever may edit the deal
may write them. Only the newest version of a number is open to change, and only while it is a draft.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Person
from kizuna.core.models import TrackedModel, TrackedQuerySet

from .deals import Deal, Product, TaxRate


class QuoteQuerySet(TrackedQuerySet):
    def visible_to(self, user, *, deleted: bool = False):
        """A quote is visible with its deal (Deal.objects.visible_to): one visibility mechanism."""
        qs = self.deleted() if deleted else self.alive()
        return qs.filter(deal__in=Deal.objects.visible_to(user).values("pk"))


class Quote(TrackedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        SENT = "sent", _("提出済み")
        ACCEPTED = "accepted", _("受諾")
        REJECTED = "rejected", _("不採用")

    deal = models.ForeignKey(Deal, models.PROTECT, related_name="quotes", verbose_name=_("商談"))
    number = models.CharField(_("見積番号"), max_length=30)
    revision = models.PositiveIntegerField(_("版"), default=1)
    first = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="revisions", verbose_name=_("初版")
    )  # empty on the first version; every later version points at it
    is_latest = models.BooleanField(default=True, editable=False)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("件名"), max_length=200)
    issued_on = models.DateField(_("発行日"))
    valid_until = models.DateField(_("有効期限"))
    # The addressee as it reads on the document (a snapshot: renaming the company later does not rewrite it)
    customer_name = models.CharField(_("宛名（会社）"), max_length=200)
    customer_department = models.CharField(_("宛名（部署）"), max_length=200, blank=True)
    customer_person = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("宛名（担当者）")
    )
    customer_person_name = models.CharField(_("宛名（担当者名）"), max_length=100, blank=True)
    # Our side, copied from the issuer settings when the quote is made
    issuer_name = models.CharField(_("発行者"), max_length=200)
    issuer_postcode = models.CharField(_("郵便番号"), max_length=10, blank=True)
    issuer_address = models.CharField(_("住所"), max_length=300, blank=True)
    issuer_phone = models.CharField(_("電話番号"), max_length=40, blank=True)
    issuer_contact = models.CharField(_("担当"), max_length=100, blank=True)
    registration_number = models.CharField(_("登録番号"), max_length=14, blank=True)
    delivery_terms = models.CharField(_("納期"), max_length=200, blank=True)
    delivery_place = models.CharField(_("受渡場所"), max_length=200, blank=True)
    payment_terms = models.CharField(_("お支払条件"), max_length=200, blank=True)
    notes = models.TextField(_("備考"), blank=True)
    discount = models.BigIntegerField(_("値引（税抜・円）"), default=0)
    # Totals as last computed by the service (sales.tax), for lists and reports
    subtotal = models.BigIntegerField(_("小計（税抜）"), default=0)
    tax = models.BigIntegerField(_("消費税"), default=0)
    total = models.BigIntegerField(_("見積金額（税込）"), default=0)
    sent_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    decided_at = models.DateTimeField(_("結果日時"), null=True, blank=True)
    # The activity on the deal's timeline that carries this version's PDF, and the record version it shows
    activity = models.ForeignKey(
        "timeline.Activity", models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    activity_version = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("見積書")
        verbose_name_plural = _("見積書")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="quote_number_revision_unique"),
            models.UniqueConstraint(fields=["number"], condition=Q(is_latest=True), name="quote_one_latest_per_number"),
        ]
        indexes = [models.Index(fields=["deal", "-id"], name="quote_deal_idx")]

    def __str__(self):
        return self.display_number

    @property
    def display_number(self) -> str:
        return self.number if self.revision == 1 else f"{self.number}-{self.revision}"

    @property
    def access_parent(self):
        return self.deal

    @property
    def editable(self) -> bool:
        return self.is_latest and self.status == self.Status.DRAFT and not self.is_deleted

    def get_absolute_url(self):
        return reverse("sales:quote_detail", args=[self.pk])


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, models.SET_NULL, null=True, blank=True, related_name="+")
    code = models.CharField(_("品番"), max_length=60, blank=True)
    name = models.CharField(_("品名"), max_length=200)
    unit = models.CharField(_("単位"), max_length=20, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2, default=1)
    unit_price = models.BigIntegerField(_("単価"), default=0)
    discount = models.BigIntegerField(_("値引"), default=0)
    tax_rate = models.CharField(_("消費税率"), max_length=3, choices=TaxRate.choices, default=TaxRate.STANDARD)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def amount(self) -> int:
        from kizuna.sales.tax import line_amount

        return line_amount(self.quantity, self.unit_price, self.discount)

    @property
    def reduced(self) -> bool:
        return self.tax_rate == TaxRate.REDUCED


class QuoteSequence(models.Model):
    """The last number used per year; taken under a row lock (UPDATE … SET last = last + 1) so two quotes made at
    the same moment never share a number."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class QuoteIssuer(models.Model):
    """Our company as it appears on quotes (設定 → 見積書): one row."""

    name = models.CharField(_("会社名"), max_length=200, blank=True)
    postcode = models.CharField(_("郵便番号"), max_length=10, blank=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    phone = models.CharField(_("電話番号"), max_length=40, blank=True)
    registration_number = models.CharField(_("登録番号"), max_length=14, blank=True)
    validity_days = models.PositiveSmallIntegerField(_("有効期限（日数）"), default=30)
    number_prefix = models.CharField(_("見積番号の接頭辞"), max_length=10, default="Q")
    default_notes = models.TextField(_("備考の既定文"), blank=True)
    seal_path = models.CharField(max_length=500, blank=True, editable=False)  # under MEDIA_ROOT; PNG or JPEG
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("見積書の発行者")

    def __str__(self):
        return self.name or "—"
