"""What was learned in the field, with its provenance: activities, insights, follow-ups, relationships.

Every fact records who wrote it (`recorded_by`), when it happened (`occurred_at`), through which channel
(`source`), from whom it was heard (`heard_from`) and how sure we are (`confidence`).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Company, Person
from kizuna.core.models import TrackedModel, VisibleModel


class Confidence(models.TextChoices):
    CERTAIN = "certain", _("確実")
    LIKELY = "likely", _("たぶん")
    RUMOR = "rumor", _("噂")


class Source(models.TextChoices):
    VISIT = "visit", _("訪問")
    PHONE = "phone", _("電話")
    EMAIL = "email", _("メール")
    CHAT = "chat", _("チャット")
    MEETING = "meeting", _("打ち合わせ")
    CARD = "card", _("名刺")
    IMPORT = "import", _("インポート")
    API = "api", _("API")
    WEB = "web", _("画面入力")
    CAPTURE = "capture", _("ひとこと入力")


class Activity(VisibleModel):
    permission_type = "activity"  # which role permissions apply (core.permissions)

    class Kind(models.TextChoices):
        VISIT = "visit", _("訪問")
        CALL = "call", _("電話")
        EMAIL = "email", _("メール")
        MEETING = "meeting", _("打ち合わせ")
        CHAT = "chat", _("チャット・LINE")
        PLANT_TOUR = "plant_tour", _("工場見学")
        TRADE_SHOW = "trade_show", _("展示会")
        NOTE = "note", _("メモ")
        TASK = "task", _("タスク")

    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    occurred_at = models.DateTimeField(_("日時"), default=timezone.now)
    duration_minutes = models.PositiveIntegerField(_("所要時間（分）"), null=True, blank=True)
    subject = models.CharField(_("件名"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("記録者")
    )
    source = models.CharField(_("情報源"), max_length=20, choices=Source.choices, default=Source.WEB)
    heard_from = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("誰から聞いたか")
    )
    confidence = models.CharField(_("確度"), max_length=10, choices=Confidence.choices, default=Confidence.CERTAIN)
    our_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="activities", verbose_name=_("自社の参加者")
    )
    people = models.ManyToManyField(Person, blank=True, related_name="activities", verbose_name=_("先方の参加者"))
    companies = models.ManyToManyField(Company, blank=True, related_name="activities", verbose_name=_("会社"))

    class Meta:
        verbose_name = _("活動")
        verbose_name_plural = _("活動")
        indexes = [models.Index(fields=["-occurred_at", "-id"], name="activity_occurred_idx")]

    def __str__(self):
        return self.subject or self.body[:40] or self.get_kind_display()

    def get_absolute_url(self):
        return reverse("timeline:activity_detail", args=[self.pk])


class Insight(VisibleModel):
    """A structured fact about a person or a company ("仕様には厳しいが納期には寛容"), with its evidence."""

    permission_type = "insight"  # which role permissions apply (core.permissions)

    class Category(models.TextChoices):
        DECISION = "decision", _("意思決定")
        PREFERENCE = "preference", _("好み・こだわり")
        QUALITY = "quality", _("品質")
        DELIVERY = "delivery", _("納期")
        PRICE = "price", _("価格")
        PERSONAL = "personal", _("人柄・趣味")
        RISK = "risk", _("リスク")
        RELATIONSHIP = "relationship", _("人間関係")
        OTHER = "other", _("その他")

    person = models.ForeignKey(Person, models.CASCADE, null=True, blank=True, related_name="insights")
    company = models.ForeignKey(Company, models.CASCADE, null=True, blank=True, related_name="insights")
    category = models.CharField(_("分類"), max_length=20, choices=Category.choices, default=Category.OTHER)
    statement = models.CharField(_("内容"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("記録者")
    )
    source = models.CharField(_("情報源"), max_length=20, choices=Source.choices, default=Source.WEB)
    heard_from = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("誰から聞いたか")
    )
    confidence = models.CharField(_("確度"), max_length=10, choices=Confidence.choices, default=Confidence.LIKELY)
    evidence = models.ManyToManyField(Activity, blank=True, related_name="insights", verbose_name=_("根拠"))
    confirmed_at = models.DateTimeField(_("最終確認日時"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("確認者")
    )

    class Meta:
        verbose_name = _("インサイト")
        verbose_name_plural = _("インサイト")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(company__isnull=False), name="insight_has_subject"
            )
        ]

    def __str__(self):
        return self.statement

    @property
    def subject(self):
        return self.person or self.company

    @property
    def last_confirmed(self):
        return self.confirmed_at or self.created_at

    def is_stale(self, months: int | None = None) -> bool:
        months = months or settings.KIZUNA_INSIGHT_STALE_MONTHS
        return (timezone.now() - self.last_confirmed).days > months * 30


class FollowUp(VisibleModel):
    """A task with a due date: a promise made at a visit, a quote to send."""

    permission_type = "task"  # which role permissions apply (core.permissions)

    title = models.CharField(_("タスク"), max_length=200)
    due_date = models.DateField(_("期日"), null=True, blank=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="follow_ups",
        verbose_name=_("担当"),
    )  # fmt: skip
    person = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="follow_ups")
    company = models.ForeignKey(Company, models.SET_NULL, null=True, blank=True, related_name="follow_ups")
    activity = models.ForeignKey(
        Activity, models.SET_NULL, null=True, blank=True, related_name="follow_ups", verbose_name=_("きっかけ")
    )
    done_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("フォローアップ")
        indexes = [models.Index(fields=["assignee", "done_at", "due_date"], name="followup_assignee_idx")]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_date is not None and self.due_date < timezone.localdate()


class Relationship(TrackedModel):
    """Person ↔ person: who reports to whom, who introduced whom, old colleagues, family friends."""

    permission_type = "relationship"  # which role permissions apply (core.permissions)

    class Kind(models.TextChoices):
        BOSS = "boss", _("上司")
        SUBORDINATE = "subordinate", _("部下")
        INTRODUCER = "introducer", _("紹介者")
        FORMER_COLLEAGUE = "former_colleague", _("元同僚")
        FAMILY_FRIEND = "family_friend", _("家族ぐるみ")
        CUSTOM = "custom", _("その他")

    from_person = models.ForeignKey(Person, models.CASCADE, related_name="relationships_from")
    to_person = models.ForeignKey(Person, models.CASCADE, related_name="relationships_to")
    kind = models.CharField(_("関係"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("説明"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("人間関係")

    def __str__(self):
        return f"{self.from_person} → {self.to_person}: {self.label or self.get_kind_display()}"

    @property
    def access_parent(self):
        return self.from_person


class Attachment(TrackedModel):
    """A file on an activity or a person (a business-card photo, a drawing, minutes). Stored through the file
    storage (kizuna.core.files: the uploads folder or a bucket, never the static root) and served only through a
    permission check."""

    activity = models.ForeignKey(Activity, models.CASCADE, null=True, blank=True, related_name="attachments")
    person = models.ForeignKey(Person, models.CASCADE, null=True, blank=True, related_name="attachments")
    name = models.CharField(_("ファイル名"), max_length=255)
    path = models.CharField(max_length=500)  # its name in the file storage
    content_type = models.CharField(max_length=100)  # from the file's own bytes, not the browser's claim
    size = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("添付ファイル")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(activity__isnull=False) | models.Q(person__isnull=False), name="attachment_has_owner"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def access_parent(self):
        return self.activity or self.person

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ActivityLink(models.Model):
    """An activity about a record of another app (a deal, a ticket): any type registered with
    timeline.sources.register_linkable. People and companies keep their own many-to-many links."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="links")
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "object_type", "object_id"], name="activitylink_unique")
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="activitylink_object_idx")]

    def __str__(self):
        return f"{self.object_type} #{self.object_id}"
