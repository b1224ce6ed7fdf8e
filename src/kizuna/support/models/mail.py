"""E-mail channel state: where each mailbox's IMAP fetch stands, and the mails that could not become messages
(kept with their raw bytes and error, retried, never dropped)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tickets import Channel


class MailboxState(models.Model):
    """IMAP position of one folder of a mailbox: a restart resumes after `last_uid` and never ingests twice. When the
    server's UIDVALIDITY changes (the folder was rebuilt), the position starts again and Message-IDs catch repeats."""

    channel = models.ForeignKey(Channel, models.CASCADE, related_name="mailbox_states")
    folder = models.CharField(_("フォルダ"), max_length=200, default="INBOX")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_fetch_at = models.DateTimeField(_("最終受信日時"), null=True, blank=True)
    last_error = models.TextField(_("最後のエラー"), blank=True)

    class Meta:
        verbose_name = _("メールボックスの受信状態")
        verbose_name_plural = _("メールボックスの受信状態")
        constraints = [models.UniqueConstraint(fields=["channel", "folder"], name="mailbox_state_once")]

    def __str__(self):
        return f"{self.channel} {self.folder} UID {self.last_uid}"


def raw_mail_path(instance, filename):
    return f"support/mail/{timezone.now():%Y/%m}/{filename}"


class KeptMail(models.Model):
    """A mail kept outside the tickets: one that failed to ingest (retried until it succeeds) or machine-sent mail
    (auto-reply, bulk, loop, bounce) that belongs to no conversation and must not open a ticket."""

    class State(models.TextChoices):
        FAILED = "failed", _("取り込み失敗")
        AUTO = "auto", _("自動送信メール（問い合わせにしない）")
        DONE = "done", _("再取り込み済み")

    channel = models.ForeignKey(Channel, models.CASCADE, related_name="kept_mails")
    state = models.CharField(_("状態"), max_length=10, choices=State.choices)
    folder = models.CharField(max_length=200, blank=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=500, blank=True)
    sender = models.CharField(_("差出人"), max_length=320, blank=True)
    subject = models.CharField(_("件名"), max_length=500, blank=True)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    attempts = models.PositiveIntegerField(default=1)
    raw = models.FileField(upload_to=raw_mail_path, max_length=300)
    size = models.BigIntegerField(default=0)
    stored = models.ForeignKey("support.Message", models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("保留メール")
        verbose_name_plural = _("保留メール")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "state"], name="kept_mail_state_idx")]

    def __str__(self):
        return f"{self.get_state_display()}: {self.subject or self.message_id}"
