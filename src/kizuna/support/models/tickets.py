"""The contact center's records: channels, tickets (問い合わせ・クレーム), their messages and attachments, and the
two-level call-reason taxonomy (コールリーズン)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Company, Person
from kizuna.core.crypto import EncryptedTextField
from kizuna.core.models import TrackedModel, VisibleModel


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("メール")
    LINE = "line", _("LINE")
    CHAT = "chat", _("Webチャット")
    PHONE = "phone", _("電話")
    WEB = "web", _("画面入力")


class Channel(TrackedModel):
    """One intake point: a mailbox, a LINE channel, a chat widget site or a CTI line. `settings` holds what the
    kind needs (hosts, ports, allowed origins); secrets live in `secret`, encrypted at rest (core/crypto.py) and never
    shown after they are saved."""

    kind = models.CharField(_("種類"), max_length=10, choices=ChannelKind.choices)
    name = models.CharField(_("名前"), max_length=100)
    slug = models.SlugField(_("識別子"), max_length=60, unique=True)
    team = models.ForeignKey(
        "accounts.Team", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("担当チーム")
    )
    active = models.BooleanField(_("有効"), default=True)
    settings = models.JSONField(_("設定"), default=dict, blank=True)
    secret = EncryptedTextField(_("シークレット"), blank=True)

    class Meta:
        verbose_name = _("チャネル")
        verbose_name_plural = _("チャネル")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class CallReason(models.Model):
    """Two levels: a parent (請求・支払い) and its children (請求書の再発行). Tickets take a child."""

    parent = models.ForeignKey("self", models.CASCADE, null=True, blank=True, related_name="children")
    name = models.CharField(_("名前"), max_length=100)
    order = models.PositiveSmallIntegerField(_("順番"), default=0)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("コールリーズン")
        verbose_name_plural = _("コールリーズン")
        ordering = ["parent_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="call_reason_unique_name"),
        ]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


# The statuses of the inbox's partial indexes. The inbox writes exactly these into its queries as literals
# (services/inbox.py): a database may use a partial index only when the query states its condition.
OPEN_INDEX = ("new", "open", "waiting")
DONE_INDEX = ("resolved", "closed")


def _recent(columns: tuple, statuses: tuple, name: str) -> models.Index:
    """An index over the tickets of `statuses`, by `columns` and then newest message first."""
    return models.Index(fields=[*columns, "-last_message_at"], condition=Q(status__in=statuses), name=name)


class Ticket(VisibleModel):
    """A customer's request or complaint. `owner` is the agent in charge (担当者)."""

    permission_type = "ticket"  # which role permissions apply (core.permissions)

    class Status(models.TextChoices):
        NEW = "new", _("新規")
        OPEN = "open", _("対応中")
        WAITING = "waiting", _("顧客待ち")
        RESOLVED = "resolved", _("解決")
        CLOSED = "closed", _("完了")

    class Priority(models.TextChoices):
        LOW = "low", _("低")
        NORMAL = "normal", _("中")
        HIGH = "high", _("高")
        URGENT = "urgent", _("緊急")

    number = models.PositiveIntegerField(_("番号"), unique=True)
    subject = models.CharField(_("件名"), max_length=300)
    person = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("お客様")
    )
    company = models.ForeignKey(
        Company, models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("会社")
    )
    channel = models.ForeignKey(
        Channel, models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("チャネル")
    )
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("優先度"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    category = models.CharField(_("カテゴリ"), max_length=60, blank=True)
    call_reason = models.ForeignKey(
        CallReason, models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("コールリーズン")
    )
    is_complaint = models.BooleanField(_("クレーム"), default=False)
    tags = models.JSONField(_("VOCタグ"), default=list, blank=True)
    last_message_at = models.DateTimeField(_("最終メッセージ日時"), default=timezone.now)
    first_responded_at = models.DateTimeField(_("初回応答日時"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("顧客待ち開始"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解決日時"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("統合先")
    )
    custom = models.JSONField(_("カスタム項目"), default=dict, blank=True, editable=False)  # kizuna.customfields

    class Meta:
        verbose_name = _("問い合わせ")
        verbose_name_plural = _("問い合わせ")
        indexes = [
            models.Index(fields=["status", "-last_message_at"], name="ticket_status_idx"),
            models.Index(fields=["owner", "status", "-last_message_at"], name="ticket_owner_idx"),
            models.Index(fields=["team", "status", "-last_message_at"], name="ticket_team_idx"),
            models.Index(fields=["person", "-last_message_at"], name="ticket_person_idx"),
            models.Index(fields=["company", "-last_message_at"], name="ticket_company_idx"),
            # The inbox's lists walk the open (or the resolved and closed) tickets newest first, also per team (a
            # team's inbox) and per owner (未対応 is owner IS NULL, 自分 the agent's), instead of sorting a large
            # IN (...) match (bench/support_inbox.py, 500k tickets).
            _recent((), OPEN_INDEX, "ticket_open_recent_idx"),
            _recent((), DONE_INDEX, "ticket_done_recent_idx"),
            _recent(("team",), OPEN_INDEX, "ticket_team_open_idx"),
            _recent(("team",), DONE_INDEX, "ticket_team_done_idx"),
            _recent(("owner",), OPEN_INDEX, "ticket_owner_open_idx"),
        ]

    def __str__(self):
        return f"#{self.number} {self.subject}"

    def get_absolute_url(self):
        return reverse("support:ticket_detail", args=[self.pk])


class Message(models.Model):
    """One message in a ticket's conversation, whatever the channel; internal notes are messages agents alone see."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("受信")
        OUTBOUND = "out", _("送信")
        NOTE = "note", _("社内メモ")

    ticket = models.ForeignKey(Ticket, models.CASCADE, related_name="messages")
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices)
    channel_kind = models.CharField(_("チャネル"), max_length=10, choices=ChannelKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("担当者")
    )
    sender_name = models.CharField(_("差出人"), max_length=200, blank=True)
    sender_address = models.CharField(_("差出人アドレス"), max_length=320, blank=True)  # e-mail, LINE user id, phone
    subject = models.CharField(_("件名"), max_length=500, blank=True)
    body_text = models.TextField(_("本文"), blank=True)
    body_html = models.TextField(_("本文（HTML・無害化済み）"), blank=True)
    # Where the message came from on its channel: Message-ID, LINE webhook event id, chat message id, call id.
    external_id = models.CharField(max_length=500, blank=True)
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.TextField(blank=True)
    meta = models.JSONField(default=dict, blank=True)  # headers worth keeping, delivery state, call details
    sent_at = models.DateTimeField(_("日時"), default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("メッセージ")
        verbose_name_plural = _("メッセージ")
        ordering = ["sent_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "sent_at"], name="message_ticket_idx"),
            models.Index(fields=["external_id"], name="message_external_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel_kind", "external_id"], condition=~Q(external_id=""), name="message_external_once"
            ),
        ]

    def __str__(self):
        return self.subject or self.body_text[:40]


def attachment_path(instance, filename):
    return f"support/{timezone.now():%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("ファイル名"), max_length=255)
    content_type = models.CharField(_("種類"), max_length=100)  # read from the bytes, not the sender's claim
    size = models.BigIntegerField(_("サイズ"))
    sha256 = models.CharField(max_length=64)
    inline = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")

    def __str__(self):
        return self.filename
