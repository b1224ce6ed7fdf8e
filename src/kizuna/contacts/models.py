"""Companies, their sites, people, contact points and careers.

Every name and contact value is stored as entered (for display) plus normalized columns
(for search and matching) written by the services through kizuna.core.japanese.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kizuna.core.models import TrackedModel, TrackedQuerySet, VisibleModel


class Tag(models.Model):
    name = models.CharField(_("タグ"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AddressMixin(models.Model):
    postcode = models.CharField(_("郵便番号"), max_length=8, blank=True)
    prefecture = models.CharField(_("都道府県"), max_length=4, blank=True, db_index=True)
    city = models.CharField(_("市区町村"), max_length=100, blank=True)
    street = models.CharField(_("番地・建物"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def address(self) -> str:
        head = f"〒{self.postcode} " if self.postcode else ""
        return (head + f"{self.prefecture}{self.city}{self.street}").strip()


class Company(VisibleModel, AddressMixin):
    permission_type = "company"  # which role permissions apply (core.permissions)
    name = models.CharField(_("会社名"), max_length=200)
    name_kana = models.CharField(_("会社名（カナ）"), max_length=200, blank=True)
    legal_form = models.CharField(_("法人格"), max_length=30, blank=True, editable=False)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)  # legal form stripped, folded
    name_search = models.CharField(max_length=400, editable=False)  # folded name + reading for substring search
    corporate_number = models.CharField(_("法人番号"), max_length=13, blank=True, db_index=True)
    industry = models.CharField(_("業種"), max_length=100, blank=True)
    website = models.URLField(_("Webサイト"), blank=True)
    phone = models.CharField(_("代表電話"), max_length=40, blank=True)
    phone_digits = models.CharField(max_length=20, blank=True, editable=False)
    parent = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="subsidiaries", verbose_name=_("親会社")
    )
    notes = models.TextField(_("メモ"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies", verbose_name=_("タグ"))
    custom = models.JSONField(_("カスタム項目"), default=dict, blank=True, editable=False)  # kizuna.customfields

    class Meta:
        verbose_name = _("会社")
        verbose_name_plural = _("会社")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="company_updated_idx"),
            models.Index(fields=["name_key", "id"], name="company_namekey_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("contacts:company_detail", args=[self.pk])


class Site(TrackedModel, AddressMixin):
    """A branch, sales office or plant: part of the company, not a company of its own."""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("本社")
        BRANCH = "branch", _("支店")
        SALES_OFFICE = "sales_office", _("営業所")
        PLANT = "plant", _("工場")
        LAB = "lab", _("研究所")
        OTHER = "other", _("その他")

    company = models.ForeignKey(Company, models.CASCADE, related_name="sites")
    name = models.CharField(_("拠点名"), max_length=100)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices, default=Kind.BRANCH)
    phone = models.CharField(_("電話"), max_length=40, blank=True)

    class Meta:
        ordering = ["company_id", "name"]
        verbose_name = _("拠点")

    def __str__(self):
        return f"{self.company.name} {self.name}"

    @property
    def access_parent(self):
        return self.company


class Person(VisibleModel, AddressMixin):
    permission_type = "person"  # which role permissions apply (core.permissions)

    class Stage(models.TextChoices):
        LEAD = "lead", _("リード")
        PROSPECT = "prospect", _("見込み")
        CUSTOMER = "customer", _("顧客")
        PARTNER = "partner", _("パートナー")
        INACTIVE = "inactive", _("休眠")

    family_name = models.CharField(_("姓"), max_length=50)
    given_name = models.CharField(_("名"), max_length=50, blank=True)
    family_name_kana = models.CharField(_("セイ"), max_length=50, blank=True)
    given_name_kana = models.CharField(_("メイ"), max_length=50, blank=True)
    name_search = models.CharField(max_length=120, editable=False)  # folded full name
    kana_search = models.CharField(max_length=120, blank=True, editable=False)  # reading in hiragana
    company = models.ForeignKey(
        Company,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="current_people",
        editable=False,
        verbose_name=_("所属会社"),
    )  # the current primary employer, kept in step with employments by the services
    birthday = models.DateField(_("誕生日"), null=True, blank=True)
    lifecycle_stage = models.CharField(
        _("ステージ"), max_length=20, choices=Stage.choices, default=Stage.LEAD, db_index=True
    )
    notes = models.TextField(_("メモ"), blank=True)
    external_id = models.CharField(_("外部ID"), max_length=100, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people", verbose_name=_("タグ"))
    # Phones and e-mails that could not be read as such, kept as entered for someone to look at (要確認):
    # [{"kind": "phone"|"email", "value": as entered, "label": ContactPoint.Label, "reason": ReviewReason}].
    unparsed_values = models.JSONField(_("未解析の値"), default=list, blank=True, editable=False)
    custom = models.JSONField(_("カスタム項目"), default=dict, blank=True, editable=False)  # kizuna.customfields

    class Meta:
        verbose_name = _("人")
        verbose_name_plural = _("人")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="person_updated_idx"),
            models.Index(fields=["kana_search", "id"], name="person_kana_idx"),
            models.Index(fields=["name_search", "id"], name="person_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="person_external_id_unique"
            )
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        if getattr(self, "_masked", False):  # see contacts/masking.py
            raise RuntimeError("a masked copy of a person cannot be saved")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("contacts:person_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def reading(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    @property
    def unparsed_entries(self) -> list[dict]:
        """The unparsed values with the names of their kind, label and reason, for pages and exports."""
        kinds, labels = dict(ContactPoint.Kind.choices), dict(ContactPoint.Label.choices)
        reasons = dict(ContactPoint.ReviewReason.choices)
        return [
            entry
            | {
                "kind_display": kinds.get(entry.get("kind"), ""),
                "label_display": labels.get(entry.get("label"), ""),
                "reason_display": reasons.get(entry.get("reason"), entry.get("reason", "")),
            }
            for entry in self.unparsed_values or []
        ]


class ContactPoint(models.Model):
    """A phone number or e-mail address of a person, stored as entered and normalized."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("電話")
        EMAIL = "email", _("メール")

    class Label(models.TextChoices):
        MOBILE = "mobile", _("携帯")
        OFFICE = "office", pgettext_lazy("contact point", "会社")
        HOME = "home", _("自宅")
        FAX = "fax", _("FAX")
        WORK = "work", _("仕事")
        PERSONAL = "personal", _("個人")
        OTHER = "other", _("その他")

    class ReviewReason(models.TextChoices):  # the codes are kizuna.core.japanese's
        NOT_IN_PLAN = "not_in_plan", _("番号計画にない番号")
        NOT_A_PHONE = "not_a_phone", _("電話番号として読めない値")
        NOT_AN_EMAIL = "not_an_email", _("メールアドレスとして読めない値")

    person = models.ForeignKey(Person, models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    label = models.CharField(max_length=10, choices=Label.choices, default=Label.OTHER)
    value = models.CharField(_("値"), max_length=254)
    normalized = models.CharField(max_length=254, db_index=True)  # e-mail folded, or the phone's national digits
    e164 = models.CharField(max_length=20, blank=True)
    extension = models.CharField(_("内線"), max_length=10, blank=True)
    punycode = models.CharField(max_length=254, blank=True)  # an e-mail folded with its domain in A-labels (xn--)
    position = models.PositiveSmallIntegerField(default=0)
    # A phone kept although the numbering-plan metadata does not list it (要確認) until someone confirms it.
    needs_review = models.BooleanField(_("要確認"), default=False)
    review_reason = models.CharField(_("要確認の理由"), max_length=20, choices=ReviewReason.choices, blank=True)

    class Meta:
        ordering = ["person_id", "kind", "position"]
        verbose_name = _("連絡先")

    def __str__(self):
        return f"{self.value} 内線{self.extension}" if self.extension else self.value

    def save(self, *args, **kwargs):
        if getattr(self, "_masked", False):
            raise RuntimeError("a masked contact point cannot be saved")
        super().save(*args, **kwargs)


class EmploymentQuerySet(TrackedQuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on))

    def past(self, on=None):
        on = on or timezone.localdate()
        return self.filter(end_date__lt=on)


class Employment(TrackedModel):
    """One post in a person's career; concurrent posts are allowed (兼務)."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="employments")
    company = models.ForeignKey(Company, models.PROTECT, related_name="employments")
    site = models.ForeignKey(Site, models.SET_NULL, null=True, blank=True, related_name="employments")
    department = models.CharField(_("部署"), max_length=100, blank=True)
    title = models.CharField(_("役職"), max_length=100, blank=True)
    start_date = models.DateField(_("開始日"), null=True, blank=True)
    end_date = models.DateField(_("終了日"), null=True, blank=True)
    is_primary = models.BooleanField(_("主所属"), default=True)

    objects = EmploymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("職歴")
        indexes = [models.Index(fields=["company", "end_date"], name="employment_company_idx")]

    def __str__(self):
        return f"{self.person} @ {self.company} {self.department} {self.title}".strip()

    @property
    def access_parent(self):
        return self.person

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= timezone.localdate()


# --- duplicates (名寄せ) ---------------------------------------------------------------------------
class DuplicateKind(models.TextChoices):
    PERSON = "person", _("人")
    COMPANY = "company", _("会社")


class DuplicateGroup(models.Model):
    """Probable duplicates found by a scan, waiting in the review queue."""

    class Status(models.TextChoices):
        OPEN = "open", _("未確認")
        MERGED = "merged", _("統合済み")
        DISMISSED = "dismissed", _("重複ではない")

    kind = models.CharField(max_length=10, choices=DuplicateKind.choices)
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    member_ids = models.JSONField(default=list)  # lowest id first
    first_id = models.BigIntegerField(db_index=True)  # member_ids[0], for finding a record's groups portably
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    found_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("確認者")
    )

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("重複候補")

    def __str__(self):
        return f"{self.kind} {self.member_ids} ({self.score:.2f})"


class DuplicateDismissal(models.Model):
    """ "Not a duplicate": remembered per pair so later scans and warnings stay quiet about it."""

    kind = models.CharField(max_length=10, choices=DuplicateKind.choices)
    low_id = models.BigIntegerField()
    high_id = models.BigIntegerField()
    dismissed_by = models.ForeignKey("accounts.User", models.SET_NULL, null=True, related_name="+")
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "low_id", "high_id"], name="dup_dismissal_unique")]

    def __str__(self):
        return f"{self.kind} {self.low_id}≠{self.high_id}"


class LinkageModel(models.Model):
    """The duplicate model `kizuna dedup --train` estimated from this database (m, u and the duplicate rate per
    record); the scan, the warning before saving and the import planner weigh pairs with it. Without one the
    shipped priors are used."""

    kind = models.CharField(max_length=10, choices=DuplicateKind.choices, unique=True)
    params = models.JSONField()
    records = models.PositiveIntegerField()  # how many records it was estimated from
    trained_at = models.DateTimeField(default=timezone.now)
    trained_by = models.ForeignKey("accounts.User", models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("重複判定モデル")

    def __str__(self):
        return f"{self.kind} ({self.records})"


class Merge(models.Model):
    """One merge: who folded which records into which, and everything needed to undo it."""

    kind = models.CharField(max_length=10, choices=DuplicateKind.choices)
    survivor_id = models.BigIntegerField(db_index=True)
    merged_ids = models.JSONField(default=list)
    undo = models.JSONField(default=dict)  # survivor's old values, moved rows, added tags, cleared external ids
    survivor_version = models.PositiveIntegerField()  # undo is refused once the survivor changed again
    merged_by = models.ForeignKey("accounts.User", models.SET_NULL, null=True, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey("accounts.User", models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("統合")

    def __str__(self):
        return f"{self.kind} {self.merged_ids} → {self.survivor_id}"
