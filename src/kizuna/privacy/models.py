"""個人情報保護法 (APPI): per person the purpose of use and where the data came from, suspension of use and
erasure; records of provision to third parties (第三者提供記録); a log of the requests people made and how
each was handled."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Person


class Purpose(models.TextChoices):
    SALES = "sales", _("営業活動")
    CONTRACT = "contract", _("契約履行")
    SUPPORT = "support", _("サポート")
    MARKETING = "marketing", _("マーケティング")
    RECRUITING = "recruiting", _("採用")
    OTHER = "other", _("その他")


class ConsentSource(models.TextChoices):
    CARD = "card", _("名刺交換")
    INQUIRY = "inquiry", _("問い合わせフォーム")
    TRADE_SHOW = "trade_show", _("展示会")
    REFERRAL = "referral", _("紹介")
    CONTRACT = "contract", _("契約")
    PUBLIC = "public", _("公開情報")
    OTHER = "other", _("その他")


class PrivacyRecord(models.Model):
    """One per person, created on first use: 利用目的, 取得経路・同意, 利用停止, 消去."""

    person = models.OneToOneField(Person, models.CASCADE, related_name="privacy", verbose_name=_("人"))
    purposes = models.JSONField(_("利用目的"), default=list, blank=True)  # Purpose values
    purpose_note = models.TextField(_("利用目的（補足）"), blank=True)
    consent_source = models.CharField(_("取得経路"), max_length=20, choices=ConsentSource.choices, blank=True)
    consent_date = models.DateField(_("同意・取得日"), null=True, blank=True)
    consent_note = models.TextField(_("同意に関するメモ"), blank=True)
    suspended_at = models.DateTimeField(_("利用停止日時"), null=True, blank=True, db_index=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("利用停止者")
    )
    suspension_reason = models.TextField(_("利用停止の理由"), blank=True)
    erased_at = models.DateTimeField(_("消去日時"), null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("消去者")
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("個人情報の取扱い")

    def __str__(self):
        return f"privacy of {self.person_id}"

    @property
    def access_parent(self):
        return self.person

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def purpose_labels(self) -> list[str]:
        labels = dict(Purpose.choices)
        return [str(labels.get(p, p)) for p in self.purposes]


class ProvisionBasis(models.TextChoices):
    CONSENT = "consent", _("本人同意")
    LAW = "law", _("法令に基づく")
    OUTSOURCING = "outsourcing", _("委託")
    JOINT_USE = "joint_use", _("共同利用")
    OPT_OUT = "opt_out", _("オプトアウト")
    OTHER = "other", _("その他")


class ThirdPartyProvision(models.Model):
    """第三者提供記録: when, to whom and which items of whose data we provided. Kept after an erasure
    (the law requires the record itself to be kept), pointing at the anonymized person."""

    people = models.ManyToManyField(Person, related_name="provisions", verbose_name=_("本人"))
    provided_on = models.DateField(_("提供日"))
    recipient_name = models.CharField(_("提供先"), max_length=200)
    recipient_address = models.CharField(_("提供先の住所"), max_length=300, blank=True)
    recipient_representative = models.CharField(_("提供先の代表者"), max_length=100, blank=True)
    items = models.JSONField(_("提供した項目"), default=list)
    basis = models.CharField(_("根拠"), max_length=20, choices=ProvisionBasis.choices, default=ProvisionBasis.CONSENT)
    purpose = models.CharField(_("提供の目的"), max_length=300, blank=True)
    note = models.TextField(_("メモ"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("記録者")
    )
    created_at = models.DateTimeField(_("記録日時"), default=timezone.now)

    class Meta:
        verbose_name = _("第三者提供記録")
        ordering = ["-provided_on", "-id"]

    def __str__(self):
        return f"{self.provided_on:%Y/%m/%d} → {self.recipient_name}"


class RequestKind(models.TextChoices):
    DISCLOSURE = "disclosure", _("開示")
    CORRECTION = "correction", _("訂正")
    SUSPENSION = "suspension", _("利用停止")
    RESUMPTION = "resumption", _("利用再開")
    ERASURE = "erasure", _("消去")
    PROVISION_DISCLOSURE = "provision_disclosure", _("第三者提供記録の開示")


class PrivacyRequest(models.Model):
    """A request from the person (or done on their behalf) and what was done about it."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="privacy_requests", verbose_name=_("人"))
    kind = models.CharField(_("種類"), max_length=30, choices=RequestKind.choices)
    received_at = models.DateTimeField(_("受付日時"), default=timezone.now)
    handled_at = models.DateTimeField(_("対応日時"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("対応者")
    )
    result = models.TextField(_("対応内容"), blank=True)
    note = models.TextField(_("メモ"), blank=True)

    class Meta:
        verbose_name = _("個人情報に関する請求")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.person_id}"
