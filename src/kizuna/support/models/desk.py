"""What the ticket desk keeps besides tickets: the ticket-number counter, the channel ids a person is known by
(LINE user id, chat visitor id), macros (定型文), agents' skills for assignment, who is looking at a ticket right now,
and satisfaction answers (CSAT)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Person
from kizuna.core.models import TrackedModel

from .tickets import Ticket


class TicketCounter(models.Model):
    """One row: the last ticket number handed out. Incremented with one UPDATE inside the creating transaction, so
    two intakes at once never get the same number (the row lock serializes them on PostgreSQL, the write lock on
    SQLite)."""

    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return str(self.value)


class CustomerIdentity(models.Model):
    """A channel id a person is known by: a LINE user id or a web-chat visitor id (e-mail and phone are contact
    points of the person)."""

    class Kind(models.TextChoices):
        LINE = "line", _("LINE")
        CHAT = "chat", _("Webチャット")

    person = models.ForeignKey(Person, models.CASCADE, related_name="channel_ids")
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("ID"), max_length=200)
    display_name = models.CharField(_("表示名"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("チャネルID")
        verbose_name_plural = _("チャネルID")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="customer_identity_once")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"


class Macro(TrackedModel):
    """A canned reply (定型文) with variables such as {{お客様名}}, {{担当者名}}, {{問い合わせ番号}}."""

    name = models.CharField(_("名前"), max_length=100)
    body = models.TextField(_("本文"))
    team = models.ForeignKey(
        "accounts.Team", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("チーム")
    )  # empty: every team
    order = models.PositiveSmallIntegerField(_("順番"), default=0)

    class Meta:
        verbose_name = _("定型文")
        verbose_name_plural = _("定型文")
        ordering = ["order", "name", "id"]

    def __str__(self):
        return self.name


class AgentProfile(models.Model):
    """An agent's settings for assignment: whether new tickets may go to them, their skills (ticket categories) and
    the channel kinds they answer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="support_agent")
    accepts_tickets = models.BooleanField(_("自動割り当ての対象"), default=True)
    skills = models.JSONField(_("スキル（カテゴリ）"), default=list, blank=True)
    channel_kinds = models.JSONField(_("対応チャネル"), default=list, blank=True)  # empty: every channel
    last_assigned_at = models.DateTimeField(null=True, blank=True)  # round robin: the longest waiting goes first

    class Meta:
        verbose_name = _("担当者設定")
        verbose_name_plural = _("担当者設定")

    def __str__(self):
        return str(self.user)


class TicketPresence(models.Model):
    """Who has a ticket open and whether they are typing a reply; rows older than a minute are stale."""

    ticket = models.ForeignKey(Ticket, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    typing = models.BooleanField(default=False)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="ticket_presence_once")]

    def __str__(self):
        return f"{self.user} @ {self.ticket_id}"


class SurveyResponse(models.Model):
    """The satisfaction survey (CSAT) of one resolved ticket: sent after resolve, answered once through a signed
    link."""

    ticket = models.ForeignKey(Ticket, models.CASCADE, related_name="surveys")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("担当者")
    )
    team = models.ForeignKey("accounts.Team", models.SET_NULL, null=True, blank=True, related_name="+")
    rating = models.PositiveSmallIntegerField(
        _("評価"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("コメント"), blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("満足度アンケート")
        verbose_name_plural = _("満足度アンケート")
        indexes = [models.Index(fields=["agent", "answered_at"], name="survey_agent_idx")]

    def __str__(self):
        return f"{self.ticket_id}: {self.rating or '-'}"
